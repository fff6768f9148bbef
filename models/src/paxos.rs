//! Paxos: single-decree consensus, and a write-once register replicated by it.
//!
//! One server implementation ([`PaxosServer`], `server.rs`) plays all three of Lamport's roles
//! ("Paxos Made Simple", 2001): acceptor (§2.2, its promise and accepted vote persisted before
//! it answers), proposer (§2.2: a ballot's phase 1 collects promises from a majority, phase 2
//! proposes the value of the highest-numbered accepted vote among them, or its own), and learner
//! (§2.3: the proposer learns from a majority of `accepted` votes and tells the other learners
//! with `decided`). It also serves Maelstrom `lin-kv` clients as a write-once register.
//!
//! Two specs use it:
//! - [`SingleDecree`] (`paxos`, `single_decree.rs`): `proposers` servers each propose their own
//!   value when a timer fires; properties agreement, validity, `sometimes` decided;
//! - [`Register`] (`paxos-register`, `register.rs`): clients `write` their value through a server
//!   (which proposes it) and then `read`; the register holds the decided value. Properties as
//!   above plus `linearizable` and `sometimes` a read returns a value.
//!
//! Bug variant `ignore-promise`: an acceptor accepts a ballot lower than one it promised. Two
//! proposers can then each get a majority of accepted votes for different values.
//!
//! Shared vocabulary (here): [`Ballot`], [`Vote`], [`PaxosMsg`], [`Msg`], [`Timer`],
//! [`Durable`]; the properties live in `properties.rs`. [`KeyedPaxos`] (`keyed.rs`, deployed by
//! `deploy.rs`) runs one register instance per `lin-kv` key as `splitbrain node paxos`;
//! `lift.rs` judges its real runs key by key with the register spec's properties.

mod deploy;
mod keyed;
mod lift;
mod properties;
mod register;
mod server;
mod single_decree;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use keyed::{KeyedMsg, KeyedPaxos, KeyedPeerMsg, KeyedState};
pub use register::{Register, RegisterNode, RegisterState};
pub use server::{PaxosServer, Phase, Proposer, ServerState};
pub use single_decree::SingleDecree;

use crate::maelstrom::{KvBody, KvMsg};
use crate::protocol::NodeId;

/// The bug variant name shared by both specs.
pub const IGNORE_PROMISE: &str = "ignore-promise";

/// A ballot (Lamport's "proposal number"): a round, made unique by the proposing node. Ordered
/// by round, then node. Rendered `round.node` (`2.n1`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    /// The round.
    pub round: u32,
    /// The node that started it.
    pub node: NodeId,
}

impl fmt::Debug for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.node)
    }
}

/// An acceptor's vote: it accepted `value` in `ballot`. Rendered `value@ballot`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Vote {
    /// The ballot.
    pub ballot: Ballot,
    /// The value.
    pub value: u64,
}

impl fmt::Debug for Vote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{:?}", self.value, self.ballot)
    }
}

/// Messages between Paxos servers (the bodies a real node exchanges with its peers).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaxosMsg {
    /// Phase 1a: promise not to accept ballots below `ballot`.
    Prepare {
        /// The ballot.
        ballot: Ballot,
    },
    /// Phase 1b: the promise, with the acceptor's latest vote.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// The highest-numbered vote the acceptor has cast, if any.
        accepted: Option<Vote>,
    },
    /// Phase 2a: accept `value` in `ballot`.
    Accept {
        /// The ballot.
        ballot: Ballot,
        /// The value.
        value: u64,
    },
    /// Phase 2b: the acceptor voted for `value` in `ballot` (sent to the proposer, the
    /// distinguished learner).
    Accepted {
        /// The ballot.
        ballot: Ballot,
        /// The value.
        value: u64,
    },
    /// A majority accepted `value`: it is chosen (learner to learners).
    Decided {
        /// The chosen value.
        value: u64,
    },
}

/// Everything a Paxos server sends or receives: `lin-kv` client bodies or peer messages. Both
/// serialize flat (`{"type":"write",…}`, `{"type":"prepare",…}`), like any Maelstrom body.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Msg {
    /// A client request or reply.
    Kv(KvBody),
    /// A message between servers.
    Paxos(PaxosMsg),
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Kv(body) => body.fmt(f),
            Msg::Paxos(msg) => msg.fmt(f),
        }
    }
}

impl From<KvBody> for Msg {
    fn from(body: KvBody) -> Msg {
        Msg::Kv(body)
    }
}

impl From<PaxosMsg> for Msg {
    fn from(msg: PaxosMsg) -> Msg {
        Msg::Paxos(msg)
    }
}

impl KvMsg for Msg {
    fn as_kv(&self) -> Option<&KvBody> {
        match self {
            Msg::Kv(body) => Some(body),
            Msg::Paxos(_) => None,
        }
    }
}

/// A Paxos server's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// Start a ballot (or a new one, if the last did not decide and rounds remain).
    Propose,
}

/// What an acceptor persists before it answers: its promise and its vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Durable {
    /// The highest ballot promised.
    pub promised: Option<Ballot>,
    /// The latest vote cast.
    pub accepted: Option<Vote>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_and_client_messages_serialize_as_flat_maelstrom_bodies() {
        let prepare = Msg::Paxos(PaxosMsg::Prepare {
            ballot: Ballot {
                round: 2,
                node: NodeId::node(1),
            },
        });
        let json = serde_json::to_string(&prepare).unwrap();
        assert_eq!(
            json,
            r#"{"type":"prepare","ballot":{"round":2,"node":"n1"}}"#
        );
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), prepare);
        let read = Msg::Kv(KvBody::Read { msg_id: 7, key: 0 });
        let json = serde_json::to_string(&read).unwrap();
        assert_eq!(json, r#"{"type":"read","msg_id":7,"key":0}"#);
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), read);
    }
}
