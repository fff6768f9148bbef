//! The join: every node's journal replayed through the model's code, merged with the router's
//! `messages.jsonl` into one path, judged step by step.
//!
//! The path follows the router's order. A node's journal is replayed lazily, in its own order:
//! when the router saw node `x` send a message, `x`'s journal is replayed up to the input that
//! produced it. Each replayed input
//! - consumes what the router delivered to `x`, in delivery order (stdin is a pipe): a message
//!   is in the network from the router's `send` (a node's typed message as the model's code
//!   produced it, a client's parsed from its body) to its delivery; deliveries a killed process
//!   never journaled are dropped with it;
//! - runs the model's handler (`on_start` with the recovered durable value, `on_msg`,
//!   `on_timer`) on `x`'s replayed state, and compares every effect with the journaled ones;
//! - queues `x`'s sends, which must then appear in the router's journal as `x`'s next sends, in
//!   order and byte for byte (a process's tail may be lost when it is killed);
//! - hands `x`'s new state to the [`Judge`], which checks every property of the spec.
//!
//! A new process of `x` (its journal's next `start`, or the `before init` lines before it)
//! crashes the previous one: volatile state, timers and choices are gone, and the durable value
//! it recovers must be the last one the replay wrote, or (a crash that lost unsynced writes,
//! `--nemesis lose-unsynced`) the last synced one or an unsynced write after it, as the
//! model's crash and sync steps allow — if not, the gap is bridged by a
//! bounded search (`gap.rs`). A drop in `messages.jsonl` is the model's drop, a duplicate the
//! model's duplication; client requests enter the network as the environment's moves.
//!
//! The first effect that differs, a timer that was not armed, an output the router never saw
//! in its place, or a state where a property fails ends the join: the run is invalid there.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use serde::Deserialize;
use splitbrain_models::lift::{Cluster, Touch, Violation};
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Effects, Judge, Lift, NodeId};

use super::compare::{self, Expected, Mismatch};
use super::gap::{self, BridgeInput, Limits, Snapshot};
use super::journal::{parse_hash, Entry, Fx, Input, MsgRef};
use super::messages::{Endpoint, Event, Messages, Sent};
use super::outcome::{Divergence, Gap, PropertyResult, PropertyViolation, Validation};
use super::ValidateError;
use crate::checker::Verdict;

/// One node's journal, parsed.
pub(crate) struct NodeJournal<'a> {
    /// The node.
    pub(crate) id: NodeId,
    /// The journal's path (for messages).
    pub(crate) file: PathBuf,
    /// Its lines.
    pub(crate) entries: Vec<Entry<'a>>,
}

/// How to validate.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) against: Option<String>,
    pub(crate) limits: Limits,
    pub(crate) tail: usize,
}

/// A message a node sent, waiting for the router to see it.
struct Output<P: Lift> {
    to: String,
    body: String,
    msg: Option<P::Msg>,
    ghost: Option<P::Ghost>,
    /// The node's process (its n-th start) that sent it.
    process: u32,
    /// The journal line of the input that produced it.
    line: usize,
    /// The host's `init_ok`.
    init_ok: bool,
}

/// A message in flight, as the model's code produced it.
struct InFlight<P: Lift> {
    msg: P::Msg,
    ghost: Option<P::Ghost>,
}

/// A message the killed process never journaled.
struct Lost<P: Lift> {
    id: u64,
    from: NodeId,
    msg: Option<P::Msg>,
}

struct NodeRun<'a, P: Lift> {
    me: NodeId,
    file: PathBuf,
    entries: Vec<Option<Entry<'a>>>,
    next: usize,
    protocol: P,
    snap: Snapshot<P>,
    up: bool,
    process: u32,
    /// A new process began and has consumed nothing yet.
    fresh: bool,
    /// Between a new process's first line and its `start`.
    in_prefix: bool,
    inbox: Vec<u64>,
    taken: usize,
    lost: Vec<Lost<P>>,
    /// The killed process's last state, timers and choices (for a gap search).
    pre_crash: Option<Snapshot<P>>,
    outputs: VecDeque<Output<P>>,
    /// After a gap no search can bridge: not replayed until its next start.
    suspended: bool,
    /// An unexplained send was reported for this node.
    unexplained: bool,
}

/// One step of the path, compactly (rendered only for the explanation).
#[derive(Clone, Copy, Debug)]
enum Step<'a> {
    Start {
        node: usize,
        line: usize,
    },
    Msg {
        node: usize,
        id: Option<u64>,
        line: usize,
    },
    Unknown {
        node: usize,
        id: Option<u64>,
        line: usize,
    },
    Timer {
        node: usize,
        line: usize,
        timer: &'a str,
    },
    Pick {
        node: usize,
        line: usize,
        timer: &'a str,
    },
    Crash {
        node: usize,
    },
    Drop {
        id: u64,
    },
    Lost {
        node: usize,
        count: usize,
    },
    Bridged {
        node: usize,
        line: usize,
    },
}

struct Join<'a, 'm, P: Lift> {
    messages: &'m Messages<'a>,
    nodes: Vec<NodeRun<'a, P>>,
    network: HashMap<u64, InFlight<P>>,
    delivered_at: Vec<Option<i64>>,
    judge: Judge<P>,
    settings: Settings,
    steps: Vec<Step<'a>>,
    gaps: Vec<Gap>,
    unknown: Vec<String>,
    divergence: Option<Divergence>,
    violation: Option<PropertyViolation>,
    /// False after a gap no search could bridge: a property failing later is not trusted
    /// (the ghost or a node's state may be off).
    trusted: bool,
    replayed: usize,
}

#[derive(Deserialize)]
struct BodyType<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// The `type` of a body text.
pub(crate) fn body_type(body: &str) -> String {
    serde_json::from_str::<BodyType<'_>>(body)
        .ok()
        .and_then(|b| b.kind)
        .map(|k| k.into_owned())
        .unwrap_or_default()
}

fn node_id(e: Endpoint) -> Option<NodeId> {
    match e {
        Endpoint::Node(i) => Some(NodeId::node(i as usize)),
        Endpoint::Client(i) => Some(NodeId::client(i as usize)),
        Endpoint::Other => None,
    }
}

/// Validates the run whose router journal is `messages` and whose nodes' journals are
/// `journals`, all of protocol `P`.
pub(crate) fn validate<P: Lift>(
    messages: &Messages<'_>,
    journals: Vec<NodeJournal<'_>>,
    settings: Settings,
) -> Result<Validation, ValidateError> {
    let started = std::time::Instant::now();
    let cluster: Vec<NodeId> = journals.iter().map(|j| j.id).collect();
    let against = settings.against.clone();
    let mut nodes = Vec::with_capacity(journals.len());
    let mut ran = None;
    for (i, journal) in journals.into_iter().enumerate() {
        if journal.id != NodeId::node(i) {
            return Err(ValidateError::NotValidatable {
                dir: journal.file.clone(),
                what: format!("expected the journal of n{i}, found {}'s", journal.id),
            });
        }
        check_starts::<P>(&journal, &cluster, &mut ran)?;
        let protocol = P::deploy(journal.id, &cluster, against.as_deref())?;
        let state = protocol.on_start(journal.id, None, &mut Effects::new());
        nodes.push(NodeRun {
            me: journal.id,
            file: journal.file,
            entries: journal.entries.into_iter().map(Some).collect(),
            next: 0,
            protocol,
            snap: Snapshot::fresh(state),
            up: false,
            process: 0,
            fresh: false,
            in_prefix: false,
            inbox: Vec::new(),
            taken: 0,
            lost: Vec::new(),
            pre_crash: None,
            outputs: VecDeque::new(),
            suspended: false,
            unexplained: false,
        });
    }
    let requests = messages
        .sent
        .iter()
        .flatten()
        .filter(|s| {
            matches!(s.from, Endpoint::Client(_))
                && matches!(s.dest, Endpoint::Node(_))
                && s.of.is_none()
        })
        .filter_map(|s| serde_json::from_str::<P::Msg>(s.body).ok())
        .collect();
    let initial: Vec<&P::State> = nodes.iter().map(|n| &n.snap.state).collect();
    let judge = Judge::new(
        Cluster {
            nodes: cluster.clone(),
            bug: against.clone(),
            requests,
        },
        &initial,
    )?;
    let mut join = Join {
        messages,
        nodes,
        network: HashMap::new(),
        delivered_at: vec![None; messages.sent.len()],
        judge,
        settings,
        steps: Vec::new(),
        gaps: Vec::new(),
        unknown: Vec::new(),
        divergence: None,
        violation: None,
        trusted: true,
        replayed: 0,
    };
    join.run()?;
    Ok(join.finish(cluster.len(), ran, started.elapsed()))
}

/// Every `start` of a journal must name this node, this protocol and this cluster.
fn check_starts<P: Lift>(
    journal: &NodeJournal<'_>,
    cluster: &[NodeId],
    ran: &mut Option<Option<String>>,
) -> Result<(), ValidateError> {
    let names: Vec<String> = cluster.iter().map(ToString::to_string).collect();
    for entry in journal.entries.iter() {
        let Input::Start(start, _) = &entry.input else {
            continue;
        };
        let bad = |what: String| ValidateError::Malformed {
            file: journal.file.clone(),
            line: entry.line,
            what,
        };
        if start.node != P::NODE_NAME {
            return Err(bad(format!(
                "a {} node's journal among {}'s",
                start.node,
                P::NODE_NAME
            )));
        }
        if start.me != journal.id.to_string() || start.nodes != names {
            return Err(bad(format!(
                "started as {} of {:?}; expected {} of {names:?} (every node's journal in \
                 data/nX/)",
                start.me, start.nodes, journal.id
            )));
        }
        ran.get_or_insert_with(|| start.bug.clone());
    }
    Ok(())
}

/// A message as the model receives it: its sender, the typed body (or why it does not parse)
/// and any ghost it carried.
type InputMessage<P> = (
    NodeId,
    Result<<P as splitbrain_models::protocol::Protocol>::Msg, String>,
    Option<<P as Lift>::Ghost>,
);

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    fn stopped(&self) -> bool {
        self.divergence.is_some() || self.violation.is_some()
    }

    fn node_index(&self, e: Endpoint, line: usize) -> Result<Option<usize>, ValidateError> {
        match e {
            Endpoint::Node(i) if (i as usize) < self.nodes.len() => Ok(Some(i as usize)),
            Endpoint::Node(i) => Err(ValidateError::Malformed {
                file: PathBuf::from("messages.jsonl"),
                line,
                what: format!(
                    "n{i} has no journal: the cluster is n0..n{}",
                    self.nodes.len() - 1
                ),
            }),
            _ => Ok(None),
        }
    }

    fn run(&mut self) -> Result<(), ValidateError> {
        let messages = self.messages;
        for &(event, line, time) in &messages.events {
            match event {
                Event::Send { id } => {
                    let sent = messages.get(id).expect("parsed sends are indexed");
                    if let Some(x) = self.node_index(sent.from, line)? {
                        match sent.of {
                            None => self.node_sent(x, id, sent)?,
                            Some(of) => self.duplicate(of, id),
                        }
                    }
                }
                Event::Deliver { id } => {
                    let sent = messages.get(id).expect("checked when parsed");
                    if let Some(slot) = self.delivered_at.get_mut(id as usize) {
                        *slot = Some(time);
                    }
                    if let Some(x) = self.node_index(sent.dest, line)? {
                        self.nodes[x].inbox.push(id);
                    }
                }
                Event::Drop { id } => {
                    if self.network.remove(&id).is_some() {
                        self.steps.push(Step::Drop { id });
                    }
                }
            }
            if self.stopped() {
                return Ok(());
            }
        }
        for x in 0..self.nodes.len() {
            while !self.stopped() && self.advance(x)? {}
            let count = self.nodes[x].outputs.len();
            if count > 0 {
                // Written by a process the run's end killed before the router read them.
                self.nodes[x].outputs.clear();
                self.steps.push(Step::Lost { node: x, count });
            }
        }
        Ok(())
    }

    fn duplicate(&mut self, of: u64, id: u64) {
        if let Some(original) = self.network.get(&of) {
            let copy = InFlight {
                msg: original.msg.clone(),
                ghost: original.ghost.clone(),
            };
            self.network.insert(id, copy);
        }
    }

    /// The router saw node `x` send message `id`: it must be `x`'s next output.
    fn node_sent(&mut self, x: usize, id: u64, sent: &Sent<'a>) -> Result<(), ValidateError> {
        loop {
            if let Some(front) = self.nodes[x].outputs.front() {
                let same = Endpoint::parse(&front.to) == sent.dest && front.body == sent.body;
                if same {
                    let out = self.nodes[x].outputs.pop_front().expect("front exists");
                    if let Some(msg) = out.msg {
                        self.network.insert(
                            id,
                            InFlight {
                                msg,
                                ghost: out.ghost,
                            },
                        );
                    }
                    return Ok(());
                }
                let router_init_ok = body_type(sent.body) == "init_ok";
                if router_init_ok && !front.init_ok {
                    // The rest of that process's output never left it: lost when it was
                    // killed (the next process's `init_ok` is what the router saw).
                    let process = front.process;
                    let node = &mut self.nodes[x];
                    let before = node.outputs.len();
                    node.outputs.retain(|o| o.process != process);
                    let count = before - node.outputs.len();
                    self.steps.push(Step::Lost { node: x, count });
                    continue;
                }
                if front.init_ok && !router_init_ok {
                    return self.unexplained(x, id, sent);
                }
                let front = self.nodes[x].outputs.front().expect("front exists");
                let what = format!(
                    "the router saw {} send `{}` to {}, but its journal's next message is \
                     `{}` to {}",
                    self.nodes[x].me,
                    sent.body,
                    endpoint_name(sent.dest),
                    front.body,
                    front.to
                );
                let line = front.line;
                self.diverge(
                    x,
                    line,
                    format!("sends message #{id}"),
                    Some(id),
                    Some(sent.time),
                    Mismatch {
                        what,
                        expected: vec![format!("send to {}: {}", front.to, front.body)],
                        actual: vec![format!(
                            "send to {}: {}",
                            endpoint_name(sent.dest),
                            sent.body
                        )],
                    },
                );
                return Ok(());
            }
            if !self.advance(x)? {
                return self.unexplained(x, id, sent);
            }
            if self.stopped() {
                return Ok(());
            }
        }
    }

    /// The router saw `x` send a message its journal does not hold: a gap no search bridges
    /// (the journal lost lines while the node went on writing; a failed journal write).
    fn unexplained(&mut self, x: usize, id: u64, sent: &Sent<'a>) -> Result<(), ValidateError> {
        if !self.nodes[x].unexplained {
            self.nodes[x].unexplained = true;
            let what = format!(
                "the router saw {} send message #{id}, which its journal does not hold (did a \
                 journal write fail? see its log)",
                self.nodes[x].me
            );
            self.open_gap(x, 0, what);
        }
        if let Ok(msg) = serde_json::from_str::<P::Msg>(sent.body) {
            self.network.insert(id, InFlight { msg, ghost: None });
        }
        Ok(())
    }

    fn open_gap(&mut self, x: usize, line: usize, what: String) {
        self.unknown.push(format!("{}: {what}", self.nodes[x].me));
        self.gaps.push(Gap {
            node: self.nodes[x].me.to_string(),
            line,
            step: self.steps.len(),
            what,
            bridged: false,
            bridge: Vec::new(),
            explored: 0,
        });
        self.trusted = false;
    }

    /// Replays `x`'s next journal line; `false` when there is none.
    fn advance(&mut self, x: usize) -> Result<bool, ValidateError> {
        let node = &mut self.nodes[x];
        let Some(slot) = node.entries.get_mut(node.next) else {
            return Ok(false);
        };
        node.next += 1;
        let entry = slot.take().expect("each line is replayed once");
        self.replayed += 1;
        let input = entry.input.clone();
        match input {
            Input::Start(start, msg) => self.start(x, &entry, &start, msg)?,
            Input::Skip(msg, why) => self.skip(x, &entry, msg, &why)?,
            Input::Msg(msg) => self.message(x, &entry, msg)?,
            Input::Unknown(msg) => self.unknown_message(x, &entry, msg)?,
            Input::Timer(text) => self.timer(x, &entry, text)?,
            Input::Pick(key, text) => self.pick(x, &entry, &key, text)?,
        }
        Ok(true)
    }

    fn malformed(&self, x: usize, line: usize, what: String) -> ValidateError {
        ValidateError::Malformed {
            file: self.nodes[x].file.clone(),
            line,
            what,
        }
    }

    /// A new process of `x` begins: the previous one crashed.
    fn new_process(&mut self, x: usize) {
        let node = &mut self.nodes[x];
        if node.up {
            node.pre_crash = Some(node.snap.clone());
            node.up = false;
            node.snap.timers.clear();
            node.snap.choices.clear();
            self.steps.push(Step::Crash { node: x });
        } else {
            node.pre_crash = None;
        }
        node.process += 1;
        node.fresh = true;
        node.in_prefix = true;
        let count = node.outputs.len();
        if count > 0 {
            node.outputs.clear();
            self.steps.push(Step::Lost { node: x, count });
        }
    }

    /// `x` consumed the delivery `msg` (its next one, stdin being a pipe); returns its id.
    fn consume(
        &mut self,
        x: usize,
        line: usize,
        msg: MsgRef<'_>,
    ) -> Result<Option<u64>, ValidateError> {
        let MsgRef::Id(id) = msg else {
            return Ok(None);
        };
        let node = &mut self.nodes[x];
        let pending = &node.inbox[node.taken..];
        let Some(k) = pending.iter().position(|&d| d == id) else {
            let whom = match self.messages.get(id) {
                None => "never sent".to_string(),
                Some(s)
                    if self
                        .delivered_at
                        .get(id as usize)
                        .copied()
                        .flatten()
                        .is_none() =>
                {
                    format!("never delivered (sent to {})", endpoint_name(s.dest))
                }
                Some(s) => format!("delivered to {}", endpoint_name(s.dest)),
            };
            let mismatch = Mismatch {
                what: format!(
                    "{} handled message #{id}, which the router did not deliver to it ({whom}) \
                     or delivered before",
                    node.me
                ),
                expected: Vec::new(),
                actual: Vec::new(),
            };
            self.diverge(x, line, format!("handles #{id}"), Some(id), None, mismatch);
            return Ok(None);
        };
        let skipped: Vec<u64> = pending[..k].to_vec();
        node.taken += k + 1;
        if node.fresh {
            node.fresh = false;
            // Delivered to the killed process, never journaled: dropped with it (or executed
            // without a trace, which only a gap search can tell).
            let mut lost = Vec::with_capacity(skipped.len());
            for d in skipped {
                let inflight = self.network.remove(&d);
                let sent = self.messages.get(d);
                let from = sent.and_then(|s| node_id(s.from));
                if let Some(from) = from {
                    let msg = inflight
                        .map(|f| f.msg)
                        .or_else(|| sent.and_then(|s| serde_json::from_str::<P::Msg>(s.body).ok()));
                    lost.push(Lost { id: d, from, msg });
                }
                self.steps.push(Step::Drop { id: d });
            }
            self.nodes[x].lost = lost;
        } else if !skipped.is_empty() {
            let what = format!(
                "{} handled message #{id} after {} earlier deliveries its journal does not hold \
                 (#{}…); did a journal write fail?",
                self.nodes[x].me,
                skipped.len(),
                skipped[0]
            );
            for d in &skipped {
                self.network.remove(d);
            }
            self.open_gap(x, line, what);
            self.nodes[x].suspended = true;
        }
        Ok(Some(id))
    }

    fn start(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        start: &super::journal::Start<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        if !self.nodes[x].in_prefix {
            self.new_process(x);
        }
        self.nodes[x].in_prefix = false;
        self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        let recovered: Option<P::Durable> = match start.recovered {
            Some(raw) if raw.get() != "null" => {
                Some(serde_json::from_str(raw.get()).map_err(|e| {
                    self.malformed(
                        x,
                        entry.line,
                        format!("recovered: {e}; expected {}'s durable state", P::NODE_NAME),
                    )
                })?)
            }
            _ => None,
        };
        let recovered_hash = match &start.recovered_hash {
            None => None,
            Some(text) => Some(parse_hash(text).ok_or_else(|| {
                self.malformed(
                    x,
                    entry.line,
                    format!("recovered_hash {text:?}: not a hash"),
                )
            })?),
        };
        if !self.nodes[x].snap.may_recover(recovered_hash) {
            self.bridge(x, entry.line, recovered_hash)?;
            if self.stopped() {
                return Ok(());
            }
        }
        let node = &mut self.nodes[x];
        node.snap.recovered(recovered_hash);
        node.lost.clear();
        node.pre_crash = None;
        let mut out = Effects::new();
        node.snap.state = node
            .protocol
            .on_start(node.me, recovered.as_ref(), &mut out);
        node.snap.timers.clear();
        node.snap.choices.clear();
        node.up = true;
        node.suspended = false;
        if let Some(reply) = &entry.reply {
            node.outputs.push_back(Output {
                to: reply.to.to_string(),
                body: reply.body.to_string(),
                msg: None,
                ghost: None,
                process: node.process,
                line: entry.line,
                init_ok: true,
            });
        }
        self.steps.push(Step::Start {
            node: x,
            line: entry.line,
        });
        self.effects(x, entry, out, Touch::Start, None)
    }

    /// The recovered durable value is not the replay's last: search for the inputs the killed
    /// process executed without a journal line.
    fn bridge(&mut self, x: usize, line: usize, target: Option<u64>) -> Result<(), ValidateError> {
        let node = &self.nodes[x];
        let what = format!(
            "{} recovered a durable value its journal never persisted (the killed process \
             executed inputs it could not journal)",
            node.me
        );
        let Some(pre) = node.pre_crash.clone() else {
            self.open_gap(x, line, what);
            return Ok(());
        };
        // Only a prefix of the lost deliveries can have been read, and only those the protocol
        // parses are candidates.
        let usable = node.lost.iter().take_while(|l| l.msg.is_some()).count();
        let lost: Vec<(NodeId, P::Msg)> = node.lost[..usable]
            .iter()
            .map(|l| (l.from, l.msg.clone().expect("checked above")))
            .collect();
        let found = gap::search(
            &node.protocol,
            node.me,
            &pre,
            &lost,
            target,
            self.settings.limits,
        );
        let Some(bridge) = found.bridge else {
            self.open_gap(
                x,
                line,
                format!(
                    "{what}; no {} inputs or fewer explain it ({} states searched)",
                    self.settings.limits.depth, found.explored
                ),
            );
            if let Some(gap) = self.gaps.last_mut() {
                gap.explored = found.explored;
            }
            return Ok(());
        };
        // Replay the bridge on the node for real: its states are states of the run.
        let mut snap = pre;
        let mut shown = Vec::with_capacity(bridge.len());
        for input in &bridge {
            let effects = gap::step(
                &self.nodes[x].protocol,
                self.nodes[x].me,
                &mut snap,
                input,
                &lost,
            );
            let persisted = effects.iter().any(|e| matches!(e, Effect::Sync));
            shown.push(match input {
                BridgeInput::Msg(i) => format!(
                    "handles #{} from {}",
                    self.nodes[x].lost[*i].id, self.nodes[x].lost[*i].from
                ),
                BridgeInput::Timer(t) => format!("timer {t:?} fires"),
                BridgeInput::Pick(k, t) => format!("picks {t:?} for {k:?}"),
            });
            self.steps.push(Step::Bridged { node: x, line });
            let at = self.steps.len() as u64;
            std::mem::swap(&mut self.nodes[x].snap.state, &mut snap.state);
            let states: Vec<&P::State> = self.nodes.iter().map(|n| &n.snap.state).collect();
            let touch = match input {
                BridgeInput::Msg(i) => Touch::Msg(&lost[*i].1),
                BridgeInput::Timer(t) | BridgeInput::Pick(_, t) => Touch::Timer(t),
            };
            let violation = self.judge.step(at, x, &states, touch)?;
            std::mem::swap(&mut self.nodes[x].snap.state, &mut snap.state);
            if persisted {
                self.judge.persisted(x);
            }
            if let Some(v) = violation {
                self.unknown.push(format!(
                    "`{}` fails in a state the search bridged a gap of {} with: not trusted",
                    v.property, self.nodes[x].me
                ));
                self.trusted = false;
            }
        }
        self.gaps.push(Gap {
            node: self.nodes[x].me.to_string(),
            line,
            step: self.steps.len(),
            what,
            bridged: true,
            bridge: shown,
            explored: found.explored,
        });
        Ok(())
    }

    fn skip(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: Option<MsgRef<'a>>,
        why: &str,
    ) -> Result<(), ValidateError> {
        if why == "before init" && !self.nodes[x].in_prefix {
            self.new_process(x);
        }
        if let Some(msg) = msg {
            if let Some(id) = self.consume(x, entry.line, msg)? {
                // The protocol never saw it: the model's drop.
                if self.network.remove(&id).is_some() {
                    self.steps.push(Step::Drop { id });
                }
            }
        }
        if let Some(reply) = &entry.reply {
            let node = &mut self.nodes[x];
            node.outputs.push_back(Output {
                to: reply.to.to_string(),
                body: reply.body.to_string(),
                msg: None,
                ghost: None,
                process: node.process,
                line: entry.line,
                init_ok: body_type(reply.body) == "init_ok",
            });
        }
        Ok(())
    }

    /// The message `id` as the model sees it: from whom, typed, with any ghost it carries.
    fn input_message(&mut self, id: u64) -> Option<InputMessage<P>> {
        let sent = self.messages.get(id)?;
        let from = node_id(sent.from)?;
        if let Some(inflight) = self.network.remove(&id) {
            return Some((from, Ok(inflight.msg), inflight.ghost));
        }
        let msg = serde_json::from_str::<P::Msg>(sent.body).map_err(|e| e.to_string());
        Some((from, msg, None))
    }

    fn message(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        let consumed = self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        let (from, parsed, carried, id) = match (consumed, msg) {
            (Some(id), _) => match self.input_message(id) {
                Some((from, parsed, carried)) => (from, parsed, carried, Some(id)),
                None => {
                    return Err(self.malformed(
                        x,
                        entry.line,
                        format!("message #{id} comes from no node or client"),
                    ))
                }
            },
            (None, MsgRef::Inline(line)) => {
                #[derive(Deserialize)]
                struct Line<'b> {
                    src: NodeId,
                    #[serde(borrow)]
                    body: &'b serde_json::value::RawValue,
                }
                let l: Line<'_> = serde_json::from_str(line).map_err(|e| {
                    self.malformed(
                        x,
                        entry.line,
                        format!("msg: {e}; expected a Maelstrom line"),
                    )
                })?;
                let parsed =
                    serde_json::from_str::<P::Msg>(l.body.get()).map_err(|e| e.to_string());
                (l.src, parsed, None, None)
            }
            (None, MsgRef::Id(_)) => unreachable!("an id is consumed or diverges"),
        };
        self.steps.push(Step::Msg {
            node: x,
            id,
            line: entry.line,
        });
        let input = self.describe_input(self.steps.len());
        let msg = match parsed {
            Ok(msg) => msg,
            Err(e) => {
                let mismatch = Mismatch {
                    what: format!(
                        "{} handled a message {} cannot parse ({e}); its host should have \
                         refused it",
                        self.nodes[x].me,
                        P::NODE_NAME
                    ),
                    expected: Vec::new(),
                    actual: entry.fx.iter().map(compare::show_actual).collect(),
                };
                self.diverge(x, entry.line, input, id, None, mismatch);
                return Ok(());
            }
        };
        if !self.ready(x, entry, &input, id)? {
            return Ok(());
        }
        let node = &mut self.nodes[x];
        let mut out = Effects::new();
        node.protocol
            .on_msg(node.me, &mut node.snap.state, from, msg.clone(), &mut out);
        if let Some(carried) = &carried {
            self.judge.delivered(x, carried, &msg);
        }
        self.effects(x, entry, out, Touch::Msg(&msg), id)
    }

    /// Whether `x` can take a step now; a node that is down diverges, a suspended one has its
    /// journaled sends taken as they are.
    fn ready(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        input: &str,
        id: Option<u64>,
    ) -> Result<bool, ValidateError> {
        if !self.nodes[x].up {
            let mismatch = Mismatch {
                what: format!(
                    "{} took a step while it was not running (before its start)",
                    self.nodes[x].me
                ),
                expected: Vec::new(),
                actual: entry.fx.iter().map(compare::show_actual).collect(),
            };
            self.diverge(x, entry.line, input.to_string(), id, None, mismatch);
            return Ok(false);
        }
        if self.nodes[x].suspended {
            let node = &mut self.nodes[x];
            for fx in &entry.fx {
                if let Fx::Send { to, body } = fx {
                    node.outputs.push_back(Output {
                        to: to.to_string(),
                        body: body.to_string(),
                        msg: serde_json::from_str(body).ok(),
                        ghost: None,
                        process: node.process,
                        line: entry.line,
                        init_ok: false,
                    });
                }
            }
            return Ok(false);
        }
        Ok(true)
    }

    fn unknown_message(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        let consumed = self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        if let Some(id) = consumed {
            self.steps.push(Step::Unknown {
                node: x,
                id: Some(id),
                line: entry.line,
            });
            if let Some((from, Ok(_), _)) = self.input_message(id) {
                let mismatch = Mismatch {
                    what: format!(
                        "{}'s host refused message #{id} as unknown, but {} parses it",
                        self.nodes[x].me,
                        P::NODE_NAME
                    ),
                    expected: vec![format!("handle the message from {from}")],
                    actual: vec!["refuse it (error 10)".into()],
                };
                self.diverge(
                    x,
                    entry.line,
                    format!("receives #{id}"),
                    Some(id),
                    None,
                    mismatch,
                );
                return Ok(());
            }
        }
        if let Some(reply) = &entry.reply {
            let node = &mut self.nodes[x];
            node.outputs.push_back(Output {
                to: reply.to.to_string(),
                body: reply.body.to_string(),
                msg: None,
                ghost: None,
                process: node.process,
                line: entry.line,
                init_ok: false,
            });
        }
        Ok(())
    }

    fn timer(&mut self, x: usize, entry: &Entry<'a>, text: &'a str) -> Result<(), ValidateError> {
        let timer: P::Timer = serde_json::from_str(text).map_err(|e| {
            self.malformed(
                x,
                entry.line,
                format!("timer {text}: {e}; not a {} timer", P::NODE_NAME),
            )
        })?;
        self.steps.push(Step::Timer {
            node: x,
            line: entry.line,
            timer: text,
        });
        let input = format!("timer {text} fires");
        if !self.ready(x, entry, &input, None)? {
            return Ok(());
        }
        if !self.nodes[x].snap.timers.remove(&timer) {
            let mismatch = Mismatch {
                what: format!(
                    "timer {text} fired, but the model has it disarmed (cancelled, or never \
                     armed since {} started)",
                    self.nodes[x].me
                ),
                expected: vec![format!("no {text} timer")],
                actual: entry.fx.iter().map(compare::show_actual).collect(),
            };
            self.diverge(x, entry.line, input, None, None, mismatch);
            return Ok(());
        }
        let node = &mut self.nodes[x];
        let mut out = Effects::new();
        node.protocol
            .on_timer(node.me, &mut node.snap.state, timer.clone(), &mut out);
        self.effects(x, entry, out, Touch::Timer(&timer), None)
    }

    fn pick(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        key: &str,
        text: &'a str,
    ) -> Result<(), ValidateError> {
        let pick: P::Timer = serde_json::from_str(text).map_err(|e| {
            self.malformed(
                x,
                entry.line,
                format!("pick {text}: {e}; not a {} timer", P::NODE_NAME),
            )
        })?;
        self.steps.push(Step::Pick {
            node: x,
            line: entry.line,
            timer: text,
        });
        let input = format!("pick {text} for {key:?}");
        if !self.ready(x, entry, &input, None)? {
            return Ok(());
        }
        let offered = self.nodes[x]
            .snap
            .choices
            .get(key)
            .is_some_and(|options| options.contains(&pick));
        if !offered {
            let mismatch = Mismatch {
                what: format!("pick {text} for {key:?} was not among the choices offered"),
                expected: Vec::new(),
                actual: entry.fx.iter().map(compare::show_actual).collect(),
            };
            self.diverge(x, entry.line, input, None, None, mismatch);
            return Ok(());
        }
        let node = &mut self.nodes[x];
        node.snap.choices.remove(key);
        let mut out = Effects::new();
        node.protocol
            .on_timer(node.me, &mut node.snap.state, pick.clone(), &mut out);
        self.effects(x, entry, out, Touch::Timer(&pick), None)
    }

    /// One handler call's effects: compared, applied, judged, their sends queued.
    fn effects(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        out: Effects<P>,
        touch: Touch<'_, P>,
        id: Option<u64>,
    ) -> Result<(), ValidateError> {
        let effects: Vec<Effect<P>> = out.into_iter().collect();
        {
            let snap = &mut self.nodes[x].snap;
            for effect in &effects {
                match effect {
                    Effect::SetTimer { timer, .. } => {
                        snap.timers.insert(timer.clone());
                    }
                    Effect::CancelTimer(timer) => {
                        snap.timers.remove(timer);
                    }
                    Effect::Choose { key, options } if options.is_empty() => {
                        snap.choices.remove(*key);
                    }
                    Effect::Choose { key, options } => {
                        snap.choices.insert(key.to_string(), options.clone());
                    }
                    Effect::Send { .. } | Effect::Persist(_) | Effect::Sync => {}
                }
            }
        }
        let rendered = compare::render(effects);
        // What the model's sync makes durable: its own write, or the node's last unsynced one.
        let expected_sync = rendered
            .sync
            .map(|own| own.or_else(|| self.nodes[x].snap.unsynced.last().copied()));
        let actual = compare::Journaled {
            fx: &entry.fx,
            persisted: entry.persist,
            synced: entry.sync,
        };
        if let Some(mismatch) = compare::compare(&rendered, expected_sync.flatten(), &actual) {
            let input = self.describe_input(self.steps.len());
            self.diverge(x, entry.line, input, id, None, mismatch);
            return Ok(());
        }
        for step in &rendered.disk {
            match *step {
                compare::DiskStep::Write(hash) => self.nodes[x].snap.wrote(hash),
                compare::DiskStep::Sync => {
                    self.nodes[x].snap.sync();
                }
            }
        }
        let at = self.steps.len() as u64;
        let states: Vec<&P::State> = self.nodes.iter().map(|n| &n.snap.state).collect();
        let violation = self.judge.step(at, x, &states, touch)?;
        if rendered.sync.is_some() {
            self.judge.persisted(x);
        }
        let process = self.nodes[x].process;
        for expected in rendered.effects {
            if let Expected::Send { to, body, msg } = expected {
                let ghost = self.judge.carry(x, &msg);
                self.nodes[x].outputs.push_back(Output {
                    to,
                    body,
                    msg: Some(msg),
                    ghost,
                    process,
                    line: entry.line,
                    init_ok: false,
                });
            }
        }
        if let Some(v) = violation {
            self.violate(x, entry.line, id, v);
        }
        Ok(())
    }

    fn violate(&mut self, x: usize, _line: usize, id: Option<u64>, v: Violation) {
        let step = self.steps.len();
        if !self.trusted {
            self.unknown.push(format!(
                "`{}` fails at step {step}, after a gap no search bridged: not trusted",
                v.property
            ));
            return;
        }
        self.violation = Some(PropertyViolation {
            property: v.property.to_string(),
            description: v.description.to_string(),
            source: v.source.to_string(),
            key: P::KEYED.then_some(v.view),
            step,
            node: self.nodes[x].me.to_string(),
            input: self.describe_input(step),
            message: id,
            time: id.and_then(|id| self.delivered_at.get(id as usize).copied().flatten()),
        });
    }

    fn diverge(
        &mut self,
        x: usize,
        line: usize,
        input: String,
        id: Option<u64>,
        time: Option<i64>,
        mismatch: Mismatch,
    ) {
        let time = time
            .or_else(|| id.and_then(|id| self.delivered_at.get(id as usize).copied().flatten()));
        self.divergence = Some(Divergence {
            node: self.nodes[x].me.to_string(),
            journal: self.nodes[x].file.clone(),
            line,
            step: self.steps.len().max(1),
            input,
            message: id,
            time,
            what: mismatch.what,
            expected: mismatch.expected,
            actual: mismatch.actual,
        });
    }

    /// Step `n` (1-based) of the path, one line.
    fn describe_step(&self, n: usize) -> String {
        let (node, action, location) = self.step_parts(n);
        let mut line = match node {
            Some(x) => format!("{} {action}", self.nodes[x].me),
            None => action,
        };
        if let Some(location) = location {
            line.push_str(&format!(" ({location})"));
        }
        line
    }

    /// What step `n`'s node did, without the node and the journal line.
    fn describe_input(&self, n: usize) -> String {
        self.step_parts(n).1
    }

    /// Step `n` (1-based): its node, what happened, its journal line.
    fn step_parts(&self, n: usize) -> (Option<usize>, String, Option<String>) {
        let Some(step) = n.checked_sub(1).and_then(|i| self.steps.get(i)) else {
            return (None, String::new(), None);
        };
        let at = |x: usize, line: usize| Some(format!("{}:{line}", self.nodes[x].file.display()));
        match *step {
            Step::Start { node, line } => (Some(node), "starts".into(), at(node, line)),
            Step::Msg { node, id, line } => {
                let what = match id.and_then(|id| self.messages.get(id).map(|s| (id, s))) {
                    Some((id, s)) => format!(
                        "handles #{id} {} from {}",
                        body_type(s.body),
                        endpoint_name(s.from)
                    ),
                    None => "handles a message".to_string(),
                };
                (Some(node), what, at(node, line))
            }
            Step::Unknown { node, id, line } => (
                Some(node),
                format!(
                    "refuses #{} as unknown",
                    id.map_or_else(|| "?".into(), |i| i.to_string())
                ),
                at(node, line),
            ),
            Step::Timer { node, line, timer } => {
                (Some(node), format!("timer {timer} fires"), at(node, line))
            }
            Step::Pick { node, line, timer } => {
                (Some(node), format!("gets its pick {timer}"), at(node, line))
            }
            Step::Crash { node } => (Some(node), "crashes (killed)".into(), None),
            Step::Drop { id } => {
                let what = match self.messages.get(id) {
                    Some(s) => format!(
                        "#{id} {} {} → {} is dropped",
                        body_type(s.body),
                        endpoint_name(s.from),
                        endpoint_name(s.dest)
                    ),
                    None => format!("#{id} is dropped"),
                };
                (None, what, None)
            }
            Step::Lost { node, count } => (
                Some(node),
                format!("loses {count} message(s) it wrote when its process is killed"),
                None,
            ),
            Step::Bridged { node, line } => (
                Some(node),
                "executes an input its journal lost (a bridged gap)".into(),
                at(node, line),
            ),
        }
    }

    fn finish(
        self,
        nodes: usize,
        ran: Option<Option<String>>,
        elapsed: std::time::Duration,
    ) -> Validation {
        let verdict = if self.stopped() {
            Verdict::Invalid
        } else if !self.unknown.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::Valid
        };
        let properties = self
            .judge
            .verdicts()
            .iter()
            .map(|v| {
                let always = v.info.kind == splitbrain_models::spec::PropertyKind::Always;
                let outcome = match (always, v.at) {
                    (true, None) if verdict == Verdict::Invalid && self.violation.is_none() => {
                        "held up to the divergence"
                    }
                    (true, None) => "held",
                    (true, Some(_)) => "violated",
                    (false, Some(_)) => "reached",
                    (false, None) => "not reached",
                };
                PropertyResult {
                    name: v.info.name.to_string(),
                    kind: if always { "always" } else { "sometimes" }.to_string(),
                    outcome: outcome.to_string(),
                    step: v.at.map(|s| s as usize),
                    source: v.info.source.to_string(),
                }
            })
            .collect();
        let tail = self.settings.tail;
        let shown = self.steps.len().min(tail);
        let first = self.steps.len() - shown;
        let path = (first + 1..=self.steps.len())
            .map(|n| format!("{n:>6}. {}", self.describe_step(n)))
            .collect();
        Validation {
            verdict,
            node: P::NODE_NAME.to_string(),
            against: self.settings.against.clone(),
            ran: ran.flatten(),
            spec: self.judge.spec_name().to_string(),
            nodes,
            journal_entries: self.replayed,
            router_events: self.messages.events.len(),
            steps: self.steps.len(),
            divergence: self.divergence,
            violation: self.violation,
            gaps: self.gaps,
            unknown: self.unknown,
            properties,
            path,
            path_omitted: first,
            elapsed,
            replay_elapsed: elapsed,
        }
    }
}

fn endpoint_name(e: Endpoint) -> String {
    match e {
        Endpoint::Node(i) => format!("n{i}"),
        Endpoint::Client(i) => format!("c{i}"),
        Endpoint::Other => "a service".to_string(),
    }
}
