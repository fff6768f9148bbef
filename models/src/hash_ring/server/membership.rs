//! The membership source: the coordinator (`n0`) orders every change. A `join` / `leave`
//! request (from the harness's membership nemesis) or, in the model, a firing of the scripted
//! `Membership` timer appends the next ring to the history and broadcasts the history; the
//! coordinator then adopts the new epoch like everyone else.
//!
//! A change that makes no sense is refused with `precondition-failed`: joining a member,
//! leaving a non-member or the last member, naming a server outside the cluster. A request to
//! another server is refused with `temporarily-unavailable` (definite: nothing changed).

use std::ops::Range;
use std::time::Duration;

use super::RingServer;
use crate::hash_ring::{coordinator, Change, Epoch, RingMsg, RingState, Timer};
use crate::maelstrom::{ErrorCode, KvBody};
use crate::protocol::{Effects, NodeId, NodeSet};

/// The spacing of the model's scripted changes (the model ignores durations: the timer may fire
/// at any moment, so a change happens at every point of the clients' scripts).
pub(super) const SCRIPT_STEP: Range<Duration> =
    Duration::from_millis(100)..Duration::from_millis(100);

impl RingServer {
    /// The members after `change`, or why it is refused.
    fn apply_change(&self, members: NodeSet, change: Change) -> Option<NodeSet> {
        let (node, join) = match change {
            Change::Join(node) => (node, true),
            Change::Leave(node) => (node, false),
        };
        if node.is_client() || node.index() >= self.servers || members.contains(node) == join {
            return None;
        }
        let next: NodeSet = if join {
            members.iter().chain([node]).collect()
        } else {
            members.iter().filter(|&m| m != node).collect()
        };
        (!next.is_empty()).then_some(next)
    }

    /// Orders `change`: the next epoch, broadcast, adopted here. `None`: refused.
    fn order(
        &self,
        me: NodeId,
        state: &mut RingState,
        change: Change,
        out: &mut Effects<Self>,
    ) -> Option<Epoch> {
        let last = *state.rings.last().expect("the history starts with ring 0");
        let next = self.apply_change(last, change)?;
        state.rings.push(next);
        let msg = RingMsg::Ring {
            rings: state.rings.clone(),
        };
        out.broadcast(self.peers(me), &msg.into());
        self.settle(me, state, out);
        Some(state.rings.len() as Epoch - 1)
    }

    /// The harness asks for `change` (`msg_id` from `from`).
    pub(super) fn on_change_request(
        &self,
        me: NodeId,
        state: &mut RingState,
        from: NodeId,
        msg_id: u64,
        change: Change,
        out: &mut Effects<Self>,
    ) {
        let reply = if me != coordinator() {
            KvBody::Error {
                in_reply_to: msg_id,
                code: ErrorCode::TemporarilyUnavailable,
            }
            .into()
        } else {
            match (self.order(me, state, change, out), change) {
                (Some(epoch), Change::Join(_)) => RingMsg::JoinOk {
                    in_reply_to: msg_id,
                    epoch,
                }
                .into(),
                (Some(epoch), Change::Leave(_)) => RingMsg::LeaveOk {
                    in_reply_to: msg_id,
                    epoch,
                }
                .into(),
                (None, _) => KvBody::Error {
                    in_reply_to: msg_id,
                    code: ErrorCode::PreconditionFailed,
                }
                .into(),
            }
        };
        out.send(from, reply);
    }

    /// The model's scripted change: the next one of [`RingServer::script`].
    pub(super) fn on_script_step(
        &self,
        me: NodeId,
        state: &mut RingState,
        out: &mut Effects<Self>,
    ) {
        let done = state.rings.len() - 1;
        let Some(&change) = self.script.get(done) else {
            return;
        };
        if done + 1 < self.script.len() {
            out.set_timer(Timer::Membership, SCRIPT_STEP);
        }
        self.order(me, state, change, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> RingServer {
        RingServer {
            servers: 3,
            initial: NodeId::nodes(2).collect(),
            vnodes: 2,
            script: Vec::new(),
            serve_before_handoff: false,
        }
    }

    #[test]
    fn a_change_that_makes_no_sense_is_refused() {
        let s = server();
        let two: NodeSet = NodeId::nodes(2).collect();
        assert_eq!(s.apply_change(two, Change::Join(NodeId::node(0))), None);
        assert_eq!(s.apply_change(two, Change::Join(NodeId::node(3))), None);
        assert_eq!(s.apply_change(two, Change::Leave(NodeId::node(2))), None);
        let one: NodeSet = [NodeId::node(1)].into_iter().collect();
        assert_eq!(s.apply_change(one, Change::Leave(NodeId::node(1))), None);
        let three = s.apply_change(two, Change::Join(NodeId::node(2))).unwrap();
        assert_eq!(three.len(), 3);
    }
}
