//! [`Figure8`]: Raft's Figure 8 (Ongaro & Ousterhout 2014, §5.4.2), built from the messages.
//!
//! A leader may count replicas only for entries of its own term; one that also commits an entry
//! of an earlier term (`splitbrain node raft --bug commit-old-term`) can acknowledge a write that
//! a later leader then overwrites. The scenario needs faults at protocol moments, so this nemesis
//! watches `append_entries` (the Raft paper's field names, which `splitbrain node raft` and
//! Maelstrom's Raft tutorial both use: `term`, `prev_log_index`, `entries[].term`,
//! `leader_commit`) and acts between two messages. One round, with `old` and `second` leaders
//! and `helpers` a majority less one of the other nodes:
//!
//! 1. A leader (`old`, term T) sends the first copy of an entry of its term: that message is
//!    dropped and `old` is cut off from every node, so the entry (and whatever its clients send
//!    next) exists on `old` alone. Its clients keep waiting.
//! 2. Another node (`second`) wins a later term U and sends the first copy of an entry of U:
//!    dropped, and `second` is cut off too; `old` rejoins `helpers`. While this lasts, clients
//!    cannot reach `old` or `second`, and `old` hears nothing but votes and `append_entries`, so
//!    when `old` is elected again (term V) it holds no entry of V. It copies its term-T entries to
//!    the helpers: a majority now stores them.
//! 3. If `old` announces a commit index that covers them (it committed entries of T in term V
//!    with no entry of V: only the bug does that), it is cut off again and `second` rejoins the
//!    helpers. `second`'s last entry (term U > T) wins their votes, and it overwrites the entries
//!    `old` committed and acknowledged.
//! 4. Once `second` announces a commit index covering its entry, or after [`STEP_TIMEOUT`] at any
//!    step (a correct Raft never takes step 3), the network heals; the next round starts after
//!    the pause.
//!
//! Pure: the run's clock comes with each message.

use std::time::Duration;

use serde::Deserialize;

use super::{groups, Sent, Step, TargetedNemesis};
use crate::runner::nemesis::Grudge;
use crate::runner::protocol::node_id;
use crate::runner::protocol::Endpoint;

/// A step that has not happened by then will not: the round is given up.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// Message types `old` may hear while it is being elected again (step 2).
const RAFT_TYPES: [&str; 4] = [
    "request_vote",
    "request_vote_res",
    "append_entries",
    "append_entries_res",
];

/// The Figure 8 nemesis.
pub struct Figure8 {
    nodes: usize,
    pause: Duration,
    /// Per node: the term of its latest `append_entries` and the highest index it has sent in
    /// that term.
    sent: Vec<(u64, u64)>,
    phase: Phase,
    grudge: Option<Grudge>,
}

/// A leader caught sending an entry no other node has.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Fresh {
    node: usize,
    term: u64,
    /// The first index of its term that no other node has.
    index: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Before the first message: the pause starts then.
    Start,
    /// Between rounds.
    Quiet { until: Duration },
    /// Waiting for a leader to send a fresh entry.
    Watch,
    /// Step 1 taken.
    OldCutOff { old: Fresh, since: Duration },
    /// Step 2 taken.
    OldRejoined {
        old: Fresh,
        second: Fresh,
        helpers: Vec<usize>,
        since: Duration,
    },
    /// Step 3 taken.
    SecondRejoined { second: Fresh, since: Duration },
}

#[derive(Deserialize)]
struct Line {
    body: Body,
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    term: u64,
    #[serde(default)]
    prev_log_index: u64,
    #[serde(default)]
    entries: Vec<EntryTerm>,
    #[serde(default)]
    leader_commit: u64,
}

#[derive(Deserialize)]
struct EntryTerm {
    #[serde(default)]
    term: u64,
}

impl Body {
    fn is_append(&self) -> bool {
        self.kind == "append_entries"
    }

    fn has_entry_of_own_term(&self) -> bool {
        self.entries.iter().any(|e| e.term == self.term)
    }
}

impl Figure8 {
    /// Rounds over `nodes` nodes, `pause` apart (and `pause` after the first message).
    pub fn new(nodes: usize, pause: Duration) -> Figure8 {
        Figure8 {
            nodes,
            pause,
            sent: vec![(0, 0); nodes],
            phase: Phase::Start,
            grudge: None,
        }
    }

    /// Notes what an `append_entries` from `node` carries; returns it when it holds an entry of
    /// the sender's term that it has not sent before in that term.
    fn track(&mut self, node: usize, body: &Body) -> Option<Fresh> {
        let (term, sent) = self.sent[node];
        let already = if term == body.term { sent } else { 0 };
        let last = body.prev_log_index + body.entries.len() as u64;
        if body.term >= term {
            self.sent[node] = (body.term, already.max(last));
        }
        (body.prev_log_index + 1..)
            .zip(&body.entries)
            .find(|(index, e)| *index > already && e.term == body.term)
            .map(|(index, _)| Fresh {
                node,
                term: body.term,
                index,
            })
    }

    fn step(&mut self, steps: &mut Vec<Step>, description: String, grudge: Option<Grudge>) {
        self.grudge = grudge.clone();
        steps.push(Step {
            description,
            grudge,
        });
    }

    /// Cuts every node off except `leader` and `helpers`, which hear each other.
    fn rejoin(
        &mut self,
        steps: &mut Vec<Step>,
        description: String,
        leader: usize,
        helpers: &[usize],
    ) {
        let mut rejoined = vec![leader];
        rejoined.extend(helpers);
        let grudge = groups(self.nodes, &[&rejoined]);
        self.step(steps, description, Some(grudge));
    }

    fn heal(&mut self, at: Duration, steps: &mut Vec<Step>, description: String) {
        self.step(steps, description, None);
        self.phase = Phase::Quiet {
            until: at + self.pause,
        };
    }

    /// The helpers for a round: a majority less one of the nodes other than `old` and
    /// `second`, in node order.
    fn helpers(&self, old: usize, second: usize) -> Vec<usize> {
        let majority = self.nodes / 2 + 1;
        (0..self.nodes)
            .filter(|&n| n != old && n != second)
            .take(majority - 1)
            .collect()
    }

    fn started(&self) -> Option<Duration> {
        match &self.phase {
            Phase::OldCutOff { since, .. }
            | Phase::OldRejoined { since, .. }
            | Phase::SecondRejoined { since, .. } => Some(*since),
            _ => None,
        }
    }
}

fn names(nodes: &[usize]) -> String {
    nodes
        .iter()
        .map(|&n| node_id(n))
        .collect::<Vec<_>>()
        .join(" ")
}

impl TargetedNemesis for Figure8 {
    fn on_send(&mut self, message: Sent<'_>, steps: &mut Vec<Step>) -> bool {
        let at = message.at;
        match self.phase {
            Phase::Start => {
                self.phase = Phase::Quiet {
                    until: at + self.pause,
                }
            }
            Phase::Quiet { until } if at >= until => self.phase = Phase::Watch,
            _ => {}
        }
        if let Some(since) = self.started() {
            if at.saturating_sub(since) > STEP_TIMEOUT {
                let description =
                    format!("figure8: no progress in {} s: heal", STEP_TIMEOUT.as_secs());
                self.heal(at, steps, description);
            }
        }
        let body = match (message.from, message.dest) {
            (Endpoint::Node(_), Endpoint::Node(_)) => serde_json::from_slice::<Line>(message.line)
                .ok()
                .map(|l| l.body),
            _ => None,
        };
        let from_node = match message.from {
            Endpoint::Node(n) if n < self.nodes => Some(n),
            _ => None,
        };
        let fresh = match (from_node, &body) {
            (Some(n), Some(b)) if b.is_append() => self.track(n, b),
            _ => None,
        };
        match self.phase.clone() {
            Phase::Start | Phase::Quiet { .. } => false,
            Phase::Watch => {
                let Some(old) = fresh else { return false };
                let others: Vec<usize> = (0..self.nodes).filter(|&n| n != old.node).collect();
                let description = format!(
                    "figure8 step 1: {} (leader of term {}) sent the first copy of index {}: cut it off",
                    node_id(old.node),
                    old.term,
                    old.index
                );
                self.step(steps, description, Some(groups(self.nodes, &[&others])));
                self.phase = Phase::OldCutOff { old, since: at };
                true
            }
            Phase::OldCutOff { old, .. } => {
                let Some(second) = fresh.filter(|f| f.node != old.node && f.term > old.term) else {
                    return false;
                };
                let helpers = self.helpers(old.node, second.node);
                let description = format!(
                    "figure8 step 2: {} (leader of term {}) sent the first copy of index {}: cut it off; {} rejoins {}",
                    node_id(second.node),
                    second.term,
                    second.index,
                    node_id(old.node),
                    names(&helpers)
                );
                self.rejoin(steps, description, old.node, &helpers);
                self.phase = Phase::OldRejoined {
                    old,
                    second,
                    helpers,
                    since: at,
                };
                true
            }
            Phase::OldRejoined {
                old,
                second,
                helpers,
                ..
            } => {
                let to_old = message.dest == Endpoint::Node(old.node);
                let to_second = message.dest == Endpoint::Node(second.node);
                let from_client = matches!(message.from, Endpoint::Client(_));
                if (to_old || to_second) && from_client {
                    return true;
                }
                if to_old
                    && body
                        .as_ref()
                        .is_some_and(|b| !RAFT_TYPES.contains(&b.kind.as_str()))
                {
                    return true;
                }
                let Some(b) = body.filter(|b| b.is_append() && b.term > second.term) else {
                    return false;
                };
                if from_node != Some(old.node) {
                    return false;
                }
                if b.has_entry_of_own_term() {
                    return true;
                }
                if b.leader_commit < old.index {
                    return false;
                }
                let description = format!(
                    "figure8 step 3: {} (leader of term {}, holding no entry of that term) committed index {} of term {}: cut it off; {} rejoins {}",
                    node_id(old.node),
                    b.term,
                    old.index,
                    old.term,
                    node_id(second.node),
                    names(&helpers)
                );
                self.rejoin(steps, description, second.node, &helpers);
                self.phase = Phase::SecondRejoined { second, since: at };
                true
            }
            Phase::SecondRejoined { second, .. } => {
                let committed = from_node == Some(second.node)
                    && body.as_ref().is_some_and(|b| {
                        b.is_append() && b.term > second.term && b.leader_commit >= second.index
                    });
                if committed {
                    let description = format!(
                        "figure8 step 4: {} committed index {} over the entries of the earlier leader: heal",
                        node_id(second.node),
                        second.index
                    );
                    self.heal(at, steps, description);
                }
                false
            }
        }
    }

    fn blocks(&self, from: Endpoint, dest: Endpoint) -> bool {
        match (&self.grudge, from, dest) {
            (Some(g), Endpoint::Node(a), Endpoint::Node(b)) => g.blocks(b, a),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
