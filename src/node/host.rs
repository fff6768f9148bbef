//! [`Host`]: one protocol node's state machine between the wire and the protocol.
//!
//! The host is I/O-light on purpose: it takes one input line (or a fired timer) and returns the
//! output lines to write; the only I/O it does itself is the durable write and the input
//! journal's line (`journal.rs`), which therefore complete before the caller can write any line
//! the same handler call produced.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use splitbrain_models::digest::digest_text;
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Deployable, Effects, NodeId};
use tokio::time::Instant;

use super::journal::{self, InputJournal};
use super::virtual_clock::{ClockSetting, VirtualClock, VirtualNanos};
use super::wire::{self, Envelope};
use super::{DurableStore, NodeError};

/// Maelstrom's `not-supported` error code.
const NOT_SUPPORTED: u16 = 10;

/// How a node was started: `splitbrain node NAME [--bug V] [--data-dir D] [--seed S]`.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// The bug variant, by the model's name.
    pub bug: Option<String>,
    /// Where durable state lives; `None` keeps it in memory only (lost on restart).
    pub data_dir: Option<PathBuf>,
    /// The seed of every random choice; `None` derives one from the node id.
    pub seed: Option<u64>,
    /// No input journal (`journal.jsonl` in the data directory), which is otherwise kept
    /// whenever there is a data directory.
    pub no_journal: bool,
    /// The file the harness sets this node's clock through (`GENERATION OFFSET_MS RATE`, see
    /// [`ClockSetting`]); `None`: the node's clock is the real one.
    pub clock: Option<PathBuf>,
}

/// The running part of a node, once `init` has told it who it is.
struct Running<P: Deployable> {
    protocol: P,
    me: NodeId,
    state: P::State,
    /// Armed timers and when they fire, on the node's virtual clock.
    timers: BTreeMap<P::Timer, VirtualNanos>,
    /// `Choose` picks waiting to be delivered, by key (a newer choice replaces an older one).
    chosen: BTreeMap<&'static str, P::Timer>,
    rng: ChaCha8Rng,
}

/// A node host for protocol `P` (see the module docs).
pub struct Host<P: Deployable> {
    options: NodeOptions,
    store: Option<DurableStore>,
    journal: Option<InputJournal>,
    running: Option<Running<P>>,
    line_number: u64,
    /// The node's own clock, on which its timers run (the real one unless the harness skews it).
    clock: VirtualClock,
}

impl<P: Deployable> Host<P> {
    /// A host waiting for `init`.
    pub fn new(options: NodeOptions) -> Result<Host<P>, NodeError> {
        if let Some(bug) = options.bug.as_deref() {
            // Refuse an unknown bug at start-up, not only once `init` arrives.
            if !P::deployable_bugs().contains(&bug) {
                return Err(splitbrain_models::ModelError::UnknownBug {
                    spec: P::NODE_NAME,
                    bug: bug.to_string(),
                    known: P::deployable_bugs().join(", "),
                }
                .into());
            }
        }
        let store = options
            .data_dir
            .as_deref()
            .map(DurableStore::open)
            .transpose()?;
        let journal = match (&options.data_dir, options.no_journal) {
            (Some(dir), false) => Some(InputJournal::open(dir)?),
            _ => None,
        };
        Ok(Host {
            options,
            store,
            journal,
            running: None,
            line_number: 0,
            clock: VirtualClock::new(Instant::now()),
        })
    }

    /// Handles one input line; returns the lines to write. Bad lines are reported on stderr
    /// (naming the line number) and skipped.
    pub fn on_line(&mut self, line: &str) -> Result<Vec<String>, NodeError> {
        self.line_number += 1;
        if line.trim().is_empty() {
            return Ok(Vec::new());
        }
        let envelope = match wire::parse_line(line) {
            Ok(envelope) => envelope,
            Err(why) => {
                self.complain(&format!("{why}; got {}", abbreviate(line)));
                self.journal_skip(&format!("\"line\":{}", journal::json(&line)), "bad line");
                return Ok(Vec::new());
            }
        };
        let head = match envelope.id {
            Some(id) => format!("\"m\":{id}"),
            None => format!("\"msg\":{line}"),
        };
        if wire::body_type(&envelope.body) == Some("init") {
            return self.on_init(envelope, &head);
        }
        let Some(running) = self.running.as_mut() else {
            self.complain("message before init; skipped");
            self.journal_skip(&head, "before init");
            return Ok(Vec::new());
        };
        let msg: P::Msg = match serde_json::from_value(envelope.body.clone()) {
            Ok(msg) => msg,
            Err(e) => {
                let why = format!("{} does not know this message ({e})", P::NODE_NAME);
                let me = running.me;
                self.complain(&why);
                let reply = match wire::msg_id(&envelope.body) {
                    Some(id) if envelope.src.is_client() => {
                        Some((envelope.src, wire::error_body(id, NOT_SUPPORTED, &why)))
                    }
                    _ => None,
                };
                if let Some(journal) = &mut self.journal {
                    journal.begin(&head);
                    journal.field("unknown", &journal::json(&why));
                    if let Some((to, body)) = &reply {
                        journal.field("reply", &reply_json(*to, body));
                    }
                    journal.commit(None, None);
                }
                return Ok(reply
                    .map(|(to, body)| vec![wire::line(me, to, body)])
                    .unwrap_or_default());
            }
        };
        let mut out = Effects::new();
        running
            .protocol
            .on_msg(running.me, &mut running.state, envelope.src, msg, &mut out);
        if let Some(journal) = &mut self.journal {
            journal.begin(&head);
        }
        self.execute(out, Vec::new())
    }

    /// Journals an input the protocol never saw.
    fn journal_skip(&mut self, head: &str, why: &str) {
        if let Some(journal) = &mut self.journal {
            journal.begin(head);
            journal.field("skip", &journal::json(&why));
            journal.commit(None, None);
        }
    }

    fn on_init(&mut self, envelope: Envelope, head: &str) -> Result<Vec<String>, NodeError> {
        let body = &envelope.body;
        let parsed = (|| {
            let me: NodeId = serde_json::from_value(body.get("node_id")?.clone()).ok()?;
            let nodes: Vec<NodeId> = serde_json::from_value(body.get("node_ids")?.clone()).ok()?;
            Some((me, nodes))
        })();
        let Some((me, nodes)) = parsed else {
            self.complain("init needs `node_id` (like \"n0\") and `node_ids` (a list of them)");
            self.journal_skip(head, "bad init");
            return Ok(Vec::new());
        };
        let reply_body =
            serde_json::json!({ "type": "init_ok", "in_reply_to": wire::msg_id(body) });
        let reply_field = reply_json(envelope.src, &reply_body);
        let reply = wire::line(me, envelope.src, reply_body);
        if self.running.is_some() {
            self.complain("second init; answered, configuration kept");
            if let Some(journal) = &mut self.journal {
                journal.begin(head);
                journal.field("skip", "\"second init\"");
                journal.field("reply", &reply_field);
                journal.commit(None, None);
            }
            return Ok(vec![reply]);
        }
        let protocol = P::deploy(me, &nodes, self.options.bug.as_deref())?;
        let recovered: Option<(P::Durable, splitbrain_models::digest::Digest)> =
            match &mut self.store {
                Some(store) => store.load_hashed()?,
                None => None,
            };
        if recovered.is_some() {
            note(format_args!(
                "{me}: recovered durable state from the data directory"
            ));
        }
        let seed = self
            .options
            .seed
            .unwrap_or(0x5eed_5eed_0000_0000)
            .wrapping_add((me.index() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            ^ u64::from(me.is_client());
        let mut out = Effects::new();
        let state = protocol.on_start(me, recovered.as_ref().map(|(d, _)| d), &mut out);
        if let Some(journal) = &mut self.journal {
            let start = serde_json::json!({
                "node": P::NODE_NAME,
                "me": me,
                "nodes": nodes,
                "bug": self.options.bug,
                "seed": self.options.seed,
                "recovered": recovered.as_ref().map(|(d, _)| d),
                "recovered_hash": recovered.as_ref().map(|(_, d)| digest_text(*d)),
            });
            journal.begin(&format!("\"start\":{start},{head}"));
            journal.field("reply", &reply_field);
        }
        self.running = Some(Running {
            protocol,
            me,
            state,
            timers: BTreeMap::new(),
            chosen: BTreeMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        });
        self.execute(out, vec![reply])
    }

    /// When the next timer or pending choice is due (`None`: nothing armed).
    pub fn next_deadline(&self) -> Option<Instant> {
        let running = self.running.as_ref()?;
        if !running.chosen.is_empty() {
            return Some(Instant::now());
        }
        let deadline = running.timers.values().min()?;
        Some(self.clock.real_at(*deadline))
    }

    /// Applies a clock setting at `now`: every armed timer is re-timed by it (see
    /// [`VirtualClock`]), which [`Host::next_deadline`] shows at once.
    pub fn set_clock(&mut self, setting: ClockSetting, now: Instant) {
        self.clock.apply(setting, now);
    }

    /// The node's clock.
    pub fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    /// Delivers every pending choice and every timer due by `now`, one handler call each;
    /// returns the lines to write. A timer or choice that an earlier call of the same batch
    /// disarmed, re-armed or replaced is not delivered (the model never fires a cancelled
    /// timer).
    pub fn fire_due(&mut self, now: Instant) -> Result<Vec<String>, NodeError> {
        let Some(running) = self.running.as_ref() else {
            return Ok(Vec::new());
        };
        let picks: Vec<(&'static str, P::Timer)> = running
            .chosen
            .iter()
            .map(|(key, pick)| (*key, pick.clone()))
            .collect();
        let virtual_now = self.clock.at(now);
        let expired: Vec<(P::Timer, VirtualNanos)> = running
            .timers
            .iter()
            .filter(|(_, at)| **at <= virtual_now)
            .map(|(timer, at)| (timer.clone(), *at))
            .collect();
        let mut lines = Vec::new();
        for (key, pick) in picks {
            let running = self.running.as_mut().expect("running checked above");
            if running.chosen.get(key) != Some(&pick) {
                continue;
            }
            running.chosen.remove(key);
            let mut out = Effects::new();
            running
                .protocol
                .on_timer(running.me, &mut running.state, pick.clone(), &mut out);
            if let Some(journal) = &mut self.journal {
                let head = format!(
                    "\"pick\":{{\"key\":{},\"timer\":{}}}",
                    journal::json(&key),
                    journal::json(&pick)
                );
                journal.begin(&head);
            }
            lines.extend(self.execute(out, Vec::new())?);
        }
        for (timer, at) in expired {
            let running = self.running.as_mut().expect("running checked above");
            if running.timers.get(&timer) != Some(&at) {
                continue;
            }
            running.timers.remove(&timer);
            let mut out = Effects::new();
            running
                .protocol
                .on_timer(running.me, &mut running.state, timer.clone(), &mut out);
            if let Some(journal) = &mut self.journal {
                journal.begin(&format!("\"timer\":{}", journal::json(&timer)));
            }
            lines.extend(self.execute(out, Vec::new())?);
        }
        Ok(lines)
    }

    /// Executes one handler call's effects in order, after the host's own `lines` (an
    /// `init_ok`). Disk effects are done before this returns, and so before any of the returned
    /// sends can leave: a `Persist` followed by a `Sync` is one durable save, a `Sync` alone
    /// syncs the last write of an earlier call, and a `Persist` with no `Sync` after it is
    /// written unsynced (the store's unsynced file). Then the call's journal line, begun by the
    /// caller, is written with the hashes written and synced.
    fn execute(
        &mut self,
        mut out: Effects<P>,
        mut lines: Vec<String>,
    ) -> Result<Vec<String>, NodeError> {
        let running = self
            .running
            .as_mut()
            .expect("effects come from a running node");
        let mut journal = self.journal.as_mut();
        let clock = &self.clock;
        let mut pending = None;
        let (mut written, mut synced) = (None, None);
        for effect in out.drain() {
            match effect {
                Effect::Send { to, msg } => {
                    let body = wire::body_text(&msg);
                    if let Some(j) = journal.as_deref_mut() {
                        j.send(&to.to_string(), &body);
                    }
                    lines.push(wire::line_text(running.me, to, &body));
                }
                Effect::SetTimer { timer, after } => {
                    let delay = draw(&mut running.rng, after);
                    if let Some(j) = journal.as_deref_mut() {
                        j.set_timer(&timer, delay.as_nanos());
                    }
                    running
                        .timers
                        .insert(timer, clock.deadline(Instant::now(), delay));
                }
                Effect::CancelTimer(timer) => {
                    if let Some(j) = journal.as_deref_mut() {
                        j.cancel_timer(&timer);
                    }
                    running.timers.remove(&timer);
                }
                Effect::Persist(durable) => pending = Some(durable),
                Effect::Sync => {
                    let Some(store) = self.store.as_mut() else {
                        continue;
                    };
                    match pending.take() {
                        Some(durable) => {
                            let hash = store.save(&durable)?;
                            (written, synced) = (Some(hash), Some(hash));
                        }
                        None => synced = store.sync()?.or(synced),
                    }
                }
                Effect::Choose { key, options } => {
                    if let Some(j) = journal.as_deref_mut() {
                        j.choose(key, &options);
                    }
                    if options.is_empty() {
                        running.chosen.remove(key);
                    } else {
                        let pick = options[running.rng.gen_range(0..options.len())].clone();
                        running.chosen.insert(key, pick);
                    }
                }
            }
        }
        if let (Some(durable), Some(store)) = (pending, self.store.as_mut()) {
            written = Some(store.write(&durable)?);
        }
        if let Some(j) = journal {
            j.commit(written, synced);
        }
        Ok(lines)
    }

    fn complain(&self, what: &str) {
        note(format_args!(
            "{} node: stdin line {}: {what}",
            P::NODE_NAME,
            self.line_number
        ));
    }
}

/// A line on stderr. Not `eprintln!`, which panics when stderr is a closed pipe: a note nobody
/// can read must not crash the node.
fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A duration drawn uniformly from `range` (its start when the range is empty).
fn draw(rng: &mut ChaCha8Rng, range: Range<Duration>) -> Duration {
    if range.end <= range.start {
        return range.start;
    }
    let nanos = rng.gen_range(range.start.as_nanos()..range.end.as_nanos());
    Duration::from_nanos(nanos as u64)
}

/// A host reply (`init_ok`, an error) as the journal's `reply` field.
fn reply_json(to: NodeId, body: &Value) -> String {
    format!("{{\"to\":\"{to}\",\"body\":{body}}}")
}

fn abbreviate(line: &str) -> String {
    let mut s: String = line.chars().take(80).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests;
