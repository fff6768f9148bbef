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
//!
//! Map of the join, one concept a file:
//! - here: the join's state ([`Join`], one [`NodeRun`] per node) and [`validate`], which sets
//!   it up;
//! - `router.rs`: the router's events in order (sends, deliveries, drops, duplicates);
//! - `process.rs`: a node's processes (a start, a crash, the deliveries each consumed);
//! - `replay.rs`: a node's journal lines, replayed through the model's handlers;
//! - `bridge.rs`: a recovered durable value the replay did not reach, bridged by a search;
//! - `verdict.rs`: a divergence, a failing property, a gap, and the [`Validation`] at the end;
//! - `path.rs`: the path's steps and how each reads.

mod bridge;
mod path;
mod process;
mod replay;
mod router;
mod verdict;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use serde::Deserialize;
use splitbrain_models::lift::Cluster;
use splitbrain_models::{Effects, Judge, Lift, NodeId};

use super::gap::{Limits, Snapshot};
use super::journal::{Entry, Input};
use super::lazy;
use super::messages::{Endpoint, Messages, Sent};
use super::outcome::{Divergence, Gap, PropertyViolation, Validation};
use super::ValidateError;
use path::Step;

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
    /// The journal line being replayed compared equal to what the model's code rendered,
    /// which proves its JSON values valid (`lazy.rs`).
    proven: bool,
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
        proven: false,
    };
    join.run()?;
    join.check_unread()?;
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

    /// The journal lines the join did not replay (it stopped early), checked as the fast
    /// reader left them (`lazy.rs`).
    fn check_unread(&self) -> Result<(), ValidateError> {
        for (x, node) in self.nodes.iter().enumerate() {
            for entry in node.entries.iter().flatten() {
                lazy::check_entry(entry).map_err(|what| self.malformed(x, entry.line, what))?;
            }
        }
        Ok(())
    }

    /// The send `sent` on line `line` of `messages.jsonl`, checked as the fast reader left it
    /// (`lazy.rs`).
    fn check_sent(&self, sent: &Sent<'_>, line: usize) -> Result<(), ValidateError> {
        lazy::check_body(sent.unchecked, sent.body).map_err(|what| ValidateError::Malformed {
            file: self.messages.file.clone(),
            line,
            what,
        })
    }

    fn malformed(&self, x: usize, line: usize, what: String) -> ValidateError {
        ValidateError::Malformed {
            file: self.nodes[x].file.clone(),
            line,
            what,
        }
    }
}
