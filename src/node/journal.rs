//! [`InputJournal`]: every input the host executes, in order, with the effects it produced —
//! `journal.jsonl` in the node's data directory, appended across restarts.
//!
//! One JSON object a line, one line per input (what `splitbrain validate` replays):
//!
//! ```text
//! {"start":{"node":"raft","me":"n0","nodes":["n0","n1","n2"],"bug":null,"seed":1,"recovered":null,"recovered_hash":null},"m":3,"reply":{"to":"c0","body":{..}},"fx":[..]}
//! {"m":7,"fx":[{"send":"n1","body":{..}},{"set":"Election","ns":212000000}],"persist":"9e1f04c2d05b7a31c0ffee5e1d0a4b27"}
//! {"timer":"Heartbeat","fx":[..]}
//! {"pick":{"key":"step","timer":..},"fx":[..]}
//! {"m":9,"unknown":"raft does not know this message (..)","reply":{"to":"c3","body":{..}}}
//! {"m":4,"skip":"before init"}
//! ```
//!
//! - `start`: `init` arrived and the protocol started (`recovered`: the durable value read back,
//!   `recovered_hash`: its [`durable_digest`]); `reply` is the host's `init_ok`.
//! - `m`: the router's id of the delivered line (Maelstrom's top-level `id`); a line without one
//!   is journaled whole instead, as `"msg":{"src":..,"dest":..,"body":..}`.
//! - `timer`: an armed timer fired; `pick`: a `Choose` pick was delivered.
//! - `fx`: the protocol's effects in the order it requested them, as the host executed them:
//!   `send` (recipient and body, byte for byte the body written on stdout), `set` (timer and the
//!   drawn delay in ns), `cancel`, `choose` (key and options). `persist`: the
//!   [`durable_digest`] of the value the handler call wrote (the last `Persist` of the call; the
//!   host writes only that one); `sync`: the digest of what the call's `Sync` made durable (the
//!   same value when the call wrote and synced it; an earlier call's write when it only synced).
//!   Digests are 32 hex digits (128 bits, computed from the value's `Hash`: see
//!   [`splitbrain_models::digest`]); journals written before 2026-12-07 named values by a 64-bit
//!   hash of their JSON (16 digits), which `splitbrain validate` refuses.
//! - `unknown`, `skip`: inputs the protocol never saw (a body it cannot parse, which a client
//!   gets an error `reply` for; a bad line, a message before `init`, a second `init`).
//!
//! Each line is one `write(2)` on a file opened for appending, issued after the handler's durable
//! write and before any line it produced is written on stdout. A SIGKILL therefore loses at most
//! the line of the input being executed, and never the line of an input whose messages left.
//! Journaling is best effort: a failing write is reported once on stderr and journaling stops
//! (the node keeps serving; the validator sees the missing tail as a gap).

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
#[cfg(doc)]
use splitbrain_models::digest::durable_digest;
use splitbrain_models::digest::Digest;

use super::NodeError;

/// The journal's file name in a node's data directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The writer of a node's `journal.jsonl` (see the module docs).
pub struct InputJournal {
    file: Option<File>,
    path: PathBuf,
    line: String,
    effects: usize,
}

impl InputJournal {
    /// Opens (appending to) the journal in `dir`.
    pub fn open(dir: &Path) -> Result<InputJournal, NodeError> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|error| NodeError::Journal {
                path: path.clone(),
                error,
            })?;
        Ok(InputJournal {
            file: Some(file),
            path,
            line: String::with_capacity(1024),
            effects: 0,
        })
    }

    /// Starts the line of one input: `head` is its first fields, already JSON
    /// (`"m":7` or `"timer":"Heartbeat"`), without braces.
    pub(crate) fn begin(&mut self, head: &str) {
        self.line.clear();
        self.effects = 0;
        self.line.push('{');
        self.line.push_str(head);
    }

    /// Adds a field (`"name":value`, value already JSON).
    pub(crate) fn field(&mut self, name: &str, json: &str) {
        let _ = write!(self.line, ",\"{name}\":{json}");
    }

    fn effect(&mut self) {
        self.line
            .push_str(if self.effects == 0 { ",\"fx\":[" } else { "," });
        self.effects += 1;
    }

    /// A send effect: the recipient and the body text as written.
    pub(crate) fn send(&mut self, to: &str, body: &str) {
        self.effect();
        let _ = write!(self.line, "{{\"send\":\"{to}\",\"body\":{body}}}");
    }

    /// A timer armed to fire after `nanos`.
    pub(crate) fn set_timer(&mut self, timer: &impl Serialize, nanos: u128) {
        self.effect();
        let _ = write!(self.line, "{{\"set\":{},\"ns\":{nanos}}}", json(timer));
    }

    /// A timer disarmed.
    pub(crate) fn cancel_timer(&mut self, timer: &impl Serialize) {
        self.effect();
        let _ = write!(self.line, "{{\"cancel\":{}}}", json(timer));
    }

    /// A choice offered (an empty `options` withdraws the choice `key`).
    pub(crate) fn choose(&mut self, key: &str, options: &impl Serialize) {
        self.effect();
        let _ = write!(
            self.line,
            "{{\"choose\":{},\"options\":{}}}",
            json(&key),
            json(options)
        );
    }

    /// Ends the line (closing the effect list, adding the digests of the last value written and
    /// of what was synced) and writes it.
    pub(crate) fn commit(&mut self, written: Option<Digest>, synced: Option<Digest>) {
        if self.effects > 0 {
            self.line.push(']');
        }
        if let Some(digest) = written {
            let _ = write!(self.line, ",\"persist\":\"{digest:032x}\"");
        }
        if let Some(digest) = synced {
            let _ = write!(self.line, ",\"sync\":\"{digest:032x}\"");
        }
        self.line.push_str("}\n");
        let Some(file) = &mut self.file else { return };
        if let Err(e) = file.write_all(self.line.as_bytes()) {
            let _ = writeln!(
                std::io::stderr(),
                "input journal {}: {e}; journaling stops here",
                self.path.display()
            );
            self.file = None;
        }
    }
}

/// `value` as JSON text (`null` if it cannot be serialized, which the protocol's own types
/// never are).
pub(crate) fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_holds_its_head_effects_and_persisted_hash() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = InputJournal::open(dir.path()).unwrap();
        journal.begin("\"m\":7");
        journal.send("n1", "{\"type\":\"x\"}");
        journal.set_timer(&"Election", 5);
        journal.commit(Some(0xab), Some(0xab));
        journal.begin("\"timer\":\"Heartbeat\"");
        journal.commit(None, Some(0xcd));
        let text = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap();
        assert_eq!(
            text,
            "{\"m\":7,\"fx\":[{\"send\":\"n1\",\"body\":{\"type\":\"x\"}},{\"set\":\"Election\",\"ns\":5}],\"persist\":\"000000000000000000000000000000ab\",\"sync\":\"000000000000000000000000000000ab\"}\n\
             {\"timer\":\"Heartbeat\",\"sync\":\"000000000000000000000000000000cd\"}\n"
        );
    }
}
