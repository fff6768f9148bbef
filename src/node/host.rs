//! [`Host`]: one protocol node's state machine between the wire and the protocol.
//!
//! The host is I/O-light on purpose: it takes one input line (or a fired timer) and returns the
//! output lines to write; the only I/O it does itself is the durable write, which therefore
//! completes before the caller can write any line the same handler call produced.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Deployable, Effects, NodeId};
use tokio::time::Instant;

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
}

/// The running part of a node, once `init` has told it who it is.
struct Running<P: Deployable> {
    protocol: P,
    me: NodeId,
    state: P::State,
    /// Armed timers and when they fire.
    timers: BTreeMap<P::Timer, Instant>,
    /// `Choose` picks waiting to be delivered, by key (a newer choice replaces an older one).
    chosen: BTreeMap<&'static str, P::Timer>,
    rng: ChaCha8Rng,
}

/// A node host for protocol `P` (see the module docs).
pub struct Host<P: Deployable> {
    options: NodeOptions,
    store: Option<DurableStore>,
    running: Option<Running<P>>,
    line_number: u64,
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
        Ok(Host {
            options,
            store,
            running: None,
            line_number: 0,
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
                return Ok(Vec::new());
            }
        };
        if wire::body_type(&envelope.body) == Some("init") {
            return self.on_init(envelope);
        }
        let Some(running) = self.running.as_mut() else {
            self.complain("message before init; skipped");
            return Ok(Vec::new());
        };
        let msg: P::Msg = match serde_json::from_value(envelope.body.clone()) {
            Ok(msg) => msg,
            Err(e) => {
                let why = format!("{} does not know this message ({e})", P::NODE_NAME);
                let me = running.me;
                self.complain(&why);
                return Ok(match wire::msg_id(&envelope.body) {
                    Some(id) if envelope.src.is_client() => vec![wire::line(
                        me,
                        envelope.src,
                        wire::error_body(id, NOT_SUPPORTED, &why),
                    )],
                    _ => Vec::new(),
                });
            }
        };
        let mut out = Effects::new();
        running
            .protocol
            .on_msg(running.me, &mut running.state, envelope.src, msg, &mut out);
        self.execute(out)
    }

    fn on_init(&mut self, envelope: Envelope) -> Result<Vec<String>, NodeError> {
        let body = &envelope.body;
        let parsed = (|| {
            let me: NodeId = serde_json::from_value(body.get("node_id")?.clone()).ok()?;
            let nodes: Vec<NodeId> = serde_json::from_value(body.get("node_ids")?.clone()).ok()?;
            Some((me, nodes))
        })();
        let Some((me, nodes)) = parsed else {
            self.complain("init needs `node_id` (like \"n0\") and `node_ids` (a list of them)");
            return Ok(Vec::new());
        };
        let reply = wire::line(
            me,
            envelope.src,
            serde_json::json!({ "type": "init_ok", "in_reply_to": wire::msg_id(body) }),
        );
        if self.running.is_some() {
            self.complain("second init; answered, configuration kept");
            return Ok(vec![reply]);
        }
        let protocol = P::deploy(me, &nodes, self.options.bug.as_deref())?;
        let recovered: Option<P::Durable> = match &self.store {
            Some(store) => store.load()?,
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
        let state = protocol.on_start(me, recovered.as_ref(), &mut out);
        self.running = Some(Running {
            protocol,
            me,
            state,
            timers: BTreeMap::new(),
            chosen: BTreeMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        });
        let mut lines = vec![reply];
        lines.extend(self.execute(out)?);
        Ok(lines)
    }

    /// When the next timer or pending choice is due (`None`: nothing armed).
    pub fn next_deadline(&self) -> Option<Instant> {
        let running = self.running.as_ref()?;
        if !running.chosen.is_empty() {
            return Some(Instant::now());
        }
        running.timers.values().min().copied()
    }

    /// Delivers every pending choice and every timer due by `now`; returns the lines to write.
    pub fn fire_due(&mut self, now: Instant) -> Result<Vec<String>, NodeError> {
        let Some(running) = self.running.as_mut() else {
            return Ok(Vec::new());
        };
        let mut due: VecDeque<P::Timer> =
            std::mem::take(&mut running.chosen).into_values().collect();
        let expired: Vec<P::Timer> = running
            .timers
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(timer, _)| timer.clone())
            .collect();
        for timer in expired {
            running.timers.remove(&timer);
            due.push_back(timer);
        }
        let mut lines = Vec::new();
        for timer in due {
            let running = self.running.as_mut().expect("running checked above");
            let mut out = Effects::new();
            running
                .protocol
                .on_timer(running.me, &mut running.state, timer, &mut out);
            lines.extend(self.execute(out)?);
        }
        Ok(lines)
    }

    /// Executes one handler call's effects in order. The last `Persist` is written (durably)
    /// before this returns, and so before any of the returned sends can leave.
    fn execute(&mut self, mut out: Effects<P>) -> Result<Vec<String>, NodeError> {
        let running = self
            .running
            .as_mut()
            .expect("effects come from a running node");
        let mut lines = Vec::new();
        let mut persist = None;
        for effect in out.drain() {
            match effect {
                Effect::Send { to, msg } => {
                    let body = serde_json::to_value(&msg).unwrap_or(Value::Null);
                    lines.push(wire::line(running.me, to, body));
                }
                Effect::SetTimer { timer, after } => {
                    let delay = draw(&mut running.rng, after);
                    running.timers.insert(timer, Instant::now() + delay);
                }
                Effect::CancelTimer(timer) => {
                    running.timers.remove(&timer);
                }
                Effect::Persist(durable) => persist = Some(durable),
                Effect::Choose { key, options } => {
                    if options.is_empty() {
                        running.chosen.remove(key);
                    } else {
                        let pick = options[running.rng.gen_range(0..options.len())].clone();
                        running.chosen.insert(key, pick);
                    }
                }
            }
        }
        if let (Some(durable), Some(store)) = (persist, &self.store) {
            store.save(&durable)?;
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

fn abbreviate(line: &str) -> String {
    let mut s: String = line.chars().take(80).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests;
