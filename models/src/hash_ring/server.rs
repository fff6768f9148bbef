//! [`RingServer`]: one server of the partitioned store, as an I/O-free [`Protocol`] node.
//!
//! This file holds the configuration, the state, what the rules share (the ring of an epoch,
//! who owns a key, whether a key's handoff is still awaited, whether this server serves a
//! point) and the handler that routes events to the rules in the children:
//! - `membership.rs`: the coordinator's changes (`join`, `leave`, the model's scripted timer);
//! - `handoff.rs`: learning later epochs, adopting them in order, handoffs;
//! - `requests.rs`: client requests and forwards: route, forward, park, serve.
//!
//! Nothing is persisted: a killed server loses its keys (run it with membership changes and
//! partitions, not kills).

mod handoff;
mod membership;
mod requests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{key_point, Change, Epoch, Msg, Ring, RingMsg, Timer};
use crate::maelstrom::KvBody;
use crate::protocol::{Effects, NodeId, NodeSet, Protocol};

/// A hash-ring server. The configuration is fixed; everything that changes is in
/// [`RingState`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RingServer {
    /// The servers `n0 … n{servers-1}` (members of the ring or not).
    pub servers: usize,
    /// The members of ring 0.
    pub initial: NodeSet,
    /// Tokens per member.
    pub vnodes: u32,
    /// The model's membership source: the changes the coordinator makes, in order, one per
    /// firing of its `Membership` timer. Empty on real nodes.
    pub script: Vec<Change>,
    /// Bug `serve-before-handoff`.
    pub serve_before_handoff: bool,
}

/// A handoff for an epoch not adopted yet: `(epoch, sender, entries)`.
pub type EarlyHandoff = (Epoch, NodeId, Vec<(u64, u64)>);

/// A server's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RingState {
    /// The membership history as far as this server knows it: ring `e` is `rings[e]`.
    pub rings: Vec<NodeSet>,
    /// The epoch adopted: this server routes by ring `epoch`, and has sent its handoffs for it.
    pub epoch: Epoch,
    /// The members of ring `epoch - 1` whose handoff for `epoch` has not arrived.
    pub awaiting: NodeSet,
    /// Handoffs for epochs not adopted yet.
    pub early: Vec<EarlyHandoff>,
    /// The keys this server holds, with their values.
    pub store: BTreeMap<u64, u64>,
    /// Requests waiting for a handoff or for this server to catch up: the client, the
    /// request, and the epoch of the server that forwarded it (if one did).
    pub parked: Vec<(NodeId, KvBody, Option<Epoch>)>,
    /// Ghost (the protocol never reads it): whether this server served a read of a key it did
    /// not own in the epoch before (`a read served by the new owner`).
    pub served_moved_read: bool,
}

impl RingServer {
    /// The ring of `members` with `vnodes` tokens each, as every server builds it (salt 0).
    pub fn ring_of(members: NodeSet, vnodes: u32) -> Ring {
        Ring::new(members, vnodes, 0)
    }

    /// The ring of `members`.
    pub fn ring(&self, members: NodeSet) -> Ring {
        Self::ring_of(members, self.vnodes)
    }

    /// The owner of `point` in ring `epoch` of `state`'s history.
    fn owner_in(&self, state: &RingState, epoch: Epoch, point: u64) -> Option<NodeId> {
        let members = *state.rings.get(epoch as usize)?;
        self.ring(members).owner(point)
    }

    /// Whether `point` is handed to `me` in `state`'s epoch and the handoff has not arrived:
    /// its owner in the epoch before is another server still awaited.
    pub fn handoff_pending(&self, me: NodeId, state: &RingState, point: u64) -> bool {
        if state.epoch == 0 {
            return false;
        }
        match self.owner_in(state, state.epoch - 1, point) {
            Some(previous) => previous != me && state.awaiting.contains(previous),
            None => false,
        }
    }

    /// Whether server `me` in `state` answers requests for keys hashing to `point` (with the
    /// bug, before their handoff arrived too).
    pub fn serves(&self, me: NodeId, state: &RingState, point: u64) -> bool {
        self.owner_in(state, state.epoch, point) == Some(me)
            && (self.serve_before_handoff || !self.handoff_pending(me, state, point))
    }

    /// Whether `me` owns `key` in `state`'s epoch.
    pub fn owns(&self, me: NodeId, state: &RingState, key: u64) -> bool {
        self.owner_in(state, state.epoch, key_point(key, 0)) == Some(me)
    }

    /// Every other server.
    fn peers(&self, me: NodeId) -> impl Iterator<Item = NodeId> + Clone {
        me.peers(self.servers)
    }
}

impl Protocol for RingServer {
    type Msg = Msg;
    type State = RingState;
    type Timer = Timer;
    type Durable = ();

    fn on_start(&self, me: NodeId, _recovered: Option<&()>, out: &mut Effects<Self>) -> RingState {
        if me == super::coordinator() && !self.script.is_empty() {
            out.set_timer(Timer::Membership, membership::SCRIPT_STEP);
        }
        RingState {
            rings: vec![self.initial],
            ..RingState::default()
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut RingState,
        from: NodeId,
        msg: Msg,
        out: &mut Effects<Self>,
    ) {
        match msg {
            Msg::Kv(body) => self.on_request(me, state, from, body, None, out),
            Msg::Ring(RingMsg::Forward {
                client,
                request,
                epoch,
                rings,
            }) => {
                self.learn(me, state, rings, out);
                self.on_request(me, state, client, request, Some(epoch), out)
            }
            Msg::Ring(RingMsg::Join { msg_id, node }) => {
                self.on_change_request(me, state, from, msg_id, Change::Join(node), out)
            }
            Msg::Ring(RingMsg::Leave { msg_id, node }) => {
                self.on_change_request(me, state, from, msg_id, Change::Leave(node), out)
            }
            Msg::Ring(RingMsg::Ring { rings }) => self.learn(me, state, rings, out),
            Msg::Ring(RingMsg::Handoff {
                epoch,
                entries,
                rings,
            }) => self.on_handoff(me, state, from, epoch, entries, rings, out),
            Msg::Ring(RingMsg::JoinOk { .. } | RingMsg::LeaveOk { .. }) => {}
        }
    }

    fn on_timer(&self, me: NodeId, state: &mut RingState, timer: Timer, out: &mut Effects<Self>) {
        match timer {
            Timer::Membership => self.on_script_step(me, state, out),
        }
    }

    fn role(&self) -> &'static str {
        "hash-ring server"
    }
}
