//! [`InputJournal`]: every input the host executes, in order, with the effects it produced —
//! `journal.jsonl` in the node's data directory, appended across restarts.
//!
//! One JSON object a line, one line per input (what `splitbrain validate` replays):
//!
//! ```text
//! {"start":{"node":"raft","me":"n0","nodes":["n0","n1","n2"],"bug":null,"seed":1,"recovered":null,"recovered_hash":null},"m":3,"reply":{"to":"c0","body":{..}},"fx":[..]}
//! {"m":7,"fx":[{"send":"n1","body":{..}},{"set":"Election","ns":212000000}],"persist":"9e1f04c2d05b7a31"}
//! {"timer":"Heartbeat","fx":[..]}
//! {"pick":{"key":"step","timer":..},"fx":[..]}
//! {"m":9,"unknown":"raft does not know this message (..)","reply":{"to":"c3","body":{..}}}
//! {"m":4,"skip":"before init"}
//! ```
//!
//! - `start`: `init` arrived and the protocol started (`recovered`: the durable value read back,
//!   `recovered_hash`: [`durable_hash`] of its file's bytes); `reply` is the host's `init_ok`.
//! - `m`: the router's id of the delivered line (Maelstrom's top-level `id`); a line without one
//!   is journaled whole instead, as `"msg":{"src":..,"dest":..,"body":..}`.
//! - `timer`: an armed timer fired; `pick`: a `Choose` pick was delivered.
//! - `fx`: the protocol's effects in the order it requested them, as the host executed them:
//!   `send` (recipient and body, byte for byte the body written on stdout), `set` (timer and the
//!   drawn delay in ns), `cancel`, `choose` (key and options). `persist`: [`durable_hash`] of the
//!   bytes the handler call wrote (the last `Persist` of the call; the host writes only that
//!   one); `sync`: the hash of what the call's `Sync` made durable (the same value when the
//!   call wrote and synced it; an earlier call's write when it only synced).
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

use super::NodeError;

/// The journal's file name in a node's data directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The 64-bit hash of `bytes` the journal names a durable value by, without copying it: an
/// FxHash-style word hash (8 bytes at a time: rotate, xor, multiply), the length mixed in, and
/// MurmurHash3's 64-bit finalizer. Not cryptographic: it tells a node's durable write from the
/// model's, not an adversary's. [`DurableHasher`] computes it from a stream (what validation
/// does, serializing into it).
pub fn durable_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DurableHasher::default();
    hasher.feed(bytes);
    hasher.finish()
}

/// [`durable_hash`] of everything written into it, in any pieces.
#[derive(Clone, Debug, Default)]
pub struct DurableHasher {
    state: u64,
    pending: [u8; 8],
    filled: usize,
    total: u64,
}

const WORD_MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl DurableHasher {
    fn word(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(WORD_MULTIPLIER);
    }

    /// Adds `bytes`.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.filled > 0 {
            let take = (8 - self.filled).min(bytes.len());
            self.pending[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.pending));
            self.filled = 0;
        }
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.word(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The hash of everything fed.
    pub fn finish(mut self) -> u64 {
        if self.filled > 0 {
            let mut last = [0u8; 8];
            last[..self.filled].copy_from_slice(&self.pending[..self.filled]);
            self.word(u64::from_le_bytes(last));
        }
        self.word(self.total);
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl std::io::Write for DurableHasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.feed(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A hash as the journal writes it: 16 lowercase hex digits.
pub fn hash_text(hash: u64) -> String {
    format!("{hash:016x}")
}

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

    /// Ends the line (closing the effect list, adding the hashes of the last value written and
    /// of what was synced) and writes it.
    pub(crate) fn commit(&mut self, written: Option<u64>, synced: Option<u64>) {
        if self.effects > 0 {
            self.line.push(']');
        }
        if let Some(hash) = written {
            let _ = write!(self.line, ",\"persist\":\"{hash:016x}\"");
        }
        if let Some(hash) = synced {
            let _ = write!(self.line, ",\"sync\":\"{hash:016x}\"");
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
    fn the_durable_hash_of_a_stream_is_the_hash_of_its_bytes_in_any_pieces() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let whole = durable_hash(&bytes);
        for cut in [0, 1, 7, 8, 9, 63, 99, 100] {
            let mut h = DurableHasher::default();
            h.feed(&bytes[..cut]);
            h.feed(&bytes[cut..]);
            assert_eq!(h.finish(), whole, "cut at {cut}");
        }
        assert_ne!(
            durable_hash(b"a"),
            durable_hash(b"a\0"),
            "the length counts"
        );
        assert_ne!(durable_hash(b"{\"t\":1}"), durable_hash(b"{\"t\":2}"));
        assert_eq!(hash_text(0xaf), "00000000000000af");
    }

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
            "{\"m\":7,\"fx\":[{\"send\":\"n1\",\"body\":{\"type\":\"x\"}},{\"set\":\"Election\",\"ns\":5}],\"persist\":\"00000000000000ab\",\"sync\":\"00000000000000ab\"}\n\
             {\"timer\":\"Heartbeat\",\"sync\":\"00000000000000cd\"}\n"
        );
    }
}
