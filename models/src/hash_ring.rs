//! A `lin-kv` store partitioned over a consistent-hash ring with virtual nodes; joins and
//! leaves hand keys off from the old owner to the new one.
//!
//! After Karger, Lehman, Leighton, Panigrahy, Levine & Lewin, "Consistent Hashing and Random
//! Trees" (STOC 1997) for the ring, and DeCandia et al., "Dynamo: Amazon's Highly Available
//! Key-value Store" (SOSP 2007) §4.2 (virtual nodes: each member owns several points of the
//! ring) and §4.9 (adding and removing storage nodes: the nodes that no longer own a key range
//! transfer its keys to the node that now does). Dynamo serves from a sloppy quorum and repairs
//! divergence later; this store instead keeps one owner per key and makes the handoff a
//! fence, so that client operations stay linearizable across a membership change.
//!
//! The protocol, in full:
//! - **Membership source**: `n0` is the coordinator. It alone orders membership changes: a
//!   `join`/`leave` request (the harness's membership nemesis sends them; in the model a
//!   scripted `Membership` timer makes the same call) appends the next ring — epoch `e + 1` —
//!   to the membership history and broadcasts the whole history (`ring`). Every message that
//!   carries a history lets the receiver learn the later epochs.
//! - **Epochs are adopted in order, each only after the previous one's handoffs arrived.**
//!   Adopting epoch `e`, a server that was a member of ring `e - 1` sends each member of ring
//!   `e` a `handoff` with the keys that member now owns (often none: the empty handoff says
//!   "nothing more is coming from me") and deletes them; a member of ring `e` then awaits a
//!   handoff from every other member of ring `e - 1`.
//! - **Requests**: a server routes a request by its adopted ring: a key another server owns is
//!   forwarded there (with the history); a key whose previous owner's handoff has not arrived
//!   is parked until it does (the new owner serves only once handoff completes); a request
//!   forwarded by a server further ahead is parked until this one catches up (no
//!   ping-pong between a server and one a ring behind it). Replies go straight to the client.
//!
//! So at any moment at most one server serves a key: the old owner stops when it adopts the
//! next epoch and sends the key, and the new owner starts when the key arrives.
//!
//! Map of this module, in reading order:
//! - the vocabulary (here): [`RingMsg`], [`Msg`], [`Timer`], [`Change`], the bug name;
//! - [`Ring`] (`ring.rs`): tokens, owners, [`key_point`], [`moved_on_join`];
//! - [`RingServer`], [`RingState`] (`server.rs`): the server and its handlers; its children:
//!   - `server/membership.rs`: the coordinator's `join` / `leave`, the scripted timer;
//!   - `server/handoff.rs`: learning and adopting epochs, sending and absorbing handoffs;
//!   - `server/requests.rs`: routing, forwarding, parking and serving client requests;
//! - [`RingNode`] (`node.rs`): servers and scripted `lin-kv` clients as one `Protocol`;
//! - [`HashRing`] (`model.rs`): the `hash-ring` spec: parameters, scripts, bugs;
//! - `properties.rs`: one server per key, keys stay with their owner, the `sometimes` checks;
//! - `deploy.rs`: `splitbrain node hash-ring`;
//! - `lift.rs`: a deployed server's state as the spec's, for `splitbrain validate`.
//!
//! Bug variant: [`SERVE_BEFORE_HANDOFF`]: a new owner serves a key as soon as it adopts the
//! epoch, before the old owner's handoff arrives: it reads a key as missing (or stale), and the
//! old owner may still serve the same key.

mod deploy;
mod lift;
mod model;
mod node;
mod properties;
mod ring;
mod server;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use model::HashRing;
pub use node::{RingNode, RingNodeState};
pub use ring::{key_point, moved_on_join, Ring};
pub use server::{RingServer, RingState};

use crate::maelstrom::{KvBody, KvMsg};
use crate::protocol::{NodeId, NodeSet};

/// Bug variant: the new owner of a key answers requests for it before the old owner's handoff
/// arrived: stale (missing) reads, and two servers serving one key.
pub const SERVE_BEFORE_HANDOFF: &str = "serve-before-handoff";

/// A ring epoch: index into the membership history (epoch 0 is the initial ring).
pub type Epoch = u64;

/// The coordinator: the one server that orders membership changes.
pub fn coordinator() -> NodeId {
    NodeId::node(0)
}

/// A membership change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Change {
    /// The server joins the ring.
    Join(NodeId),
    /// The server leaves the ring (it keeps running, owning nothing).
    Leave(NodeId),
}

/// Messages of the ring protocol (and the harness's membership requests), as Maelstrom bodies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RingMsg {
    /// Harness → coordinator: add `node` to the ring.
    Join {
        /// Request id.
        msg_id: u64,
        /// The server to add.
        node: NodeId,
    },
    /// Harness → coordinator: remove `node` from the ring.
    Leave {
        /// Request id.
        msg_id: u64,
        /// The server to remove.
        node: NodeId,
    },
    /// The change is ordered: epoch `epoch` is in the history (its handoffs may still run).
    JoinOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The new epoch.
        epoch: Epoch,
    },
    /// As `join_ok`, for a leave.
    LeaveOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The new epoch.
        epoch: Epoch,
    },
    /// The coordinator's membership history: ring `e` is `rings[e]`.
    Ring {
        /// The history.
        rings: Vec<NodeSet>,
    },
    /// An old owner, adopting `epoch`, hands the receiver the keys it owns from `epoch` on.
    Handoff {
        /// The epoch adopted.
        epoch: Epoch,
        /// The keys with their values (possibly none).
        entries: Vec<(u64, u64)>,
        /// The sender's history (the receiver may not have heard of `epoch` yet).
        rings: Vec<NodeSet>,
    },
    /// A request for a key the sender does not own by its ring `epoch`.
    Forward {
        /// The client that asked (the reply goes to it).
        client: NodeId,
        /// The request, unchanged.
        request: KvBody,
        /// The epoch the sender routed by.
        epoch: Epoch,
        /// The sender's history.
        rings: Vec<NodeSet>,
    },
}

/// Everything a server sends or receives: `lin-kv` bodies or ring messages.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Msg {
    /// A client request or reply.
    Kv(KvBody),
    /// A ring message.
    Ring(RingMsg),
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Kv(body) => body.fmt(f),
            Msg::Ring(msg) => msg.fmt(f),
        }
    }
}

impl From<KvBody> for Msg {
    fn from(body: KvBody) -> Msg {
        Msg::Kv(body)
    }
}

impl From<RingMsg> for Msg {
    fn from(msg: RingMsg) -> Msg {
        Msg::Ring(msg)
    }
}

impl KvMsg for Msg {
    fn as_kv(&self) -> Option<&KvBody> {
        match self {
            Msg::Kv(body) => Some(body),
            Msg::Ring(_) => None,
        }
    }
}

/// A server's named timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// The model's membership source: the coordinator makes its next scripted change. Never
    /// armed on a real node (the harness sends `join` / `leave` instead).
    Membership,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_requests_and_handoffs_serialize_as_flat_maelstrom_bodies() {
        let join: Msg = serde_json::from_str(r#"{"type":"join","msg_id":3,"node":"n2"}"#).unwrap();
        assert_eq!(
            join,
            Msg::Ring(RingMsg::Join {
                msg_id: 3,
                node: NodeId::node(2)
            })
        );
        let handoff = Msg::Ring(RingMsg::Handoff {
            epoch: 1,
            entries: vec![(4, 7)],
            rings: vec![[NodeId::node(0)].into_iter().collect()],
        });
        let json = serde_json::to_string(&handoff).unwrap();
        assert_eq!(
            json,
            r#"{"type":"handoff","epoch":1,"entries":[[4,7]],"rings":[["n0"]]}"#
        );
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), handoff);
        let read: Msg = serde_json::from_str(r#"{"type":"read","msg_id":1,"key":0}"#).unwrap();
        assert!(read.as_kv().is_some());
    }
}
