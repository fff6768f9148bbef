//! Raft: leader election, log replication and a key-value state machine serving `lin-kv`
//! clients, after Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm"
//! (USENIX ATC 2014), Figure 2 (the algorithm) and Figure 3 (the properties).
//!
//! One server implementation ([`RaftServer`], `server.rs` and its children) plays every Raft
//! role. Its persistent state — `currentTerm`, `votedFor`, `log` — is the protocol's durable state
//! ([`Persistent`]), persisted before any message that depends on it leaves, so a crashed server
//! recovers exactly what Figure 2 says must survive; commit index, applied index, the key-value
//! store and the role are volatile and rebuilt from the log.
//!
//! Map of this module, in reading order:
//! - the vocabulary (here): [`Entry`], [`Op`], [`RaftMsg`], [`Msg`], [`Timer`], [`Persistent`],
//!   the bug names;
//! - [`Log`] (`log.rs`): the log, shared between the state and what is persisted, with its
//!   digest chained entry by entry;
//! - [`RaftServer`], [`ServerState`], [`Role`], [`Progress`] (`server.rs`): the server, its
//!   state, the `Protocol` handlers, stepping down and persisting; its children:
//!   - `server/election.rs`: election timeouts, `request_vote` (§5.2, §5.4.1), becoming leader;
//!   - `server/replication.rs`: `append_entries` with the consistency check (§5.3), the
//!     leader's per-follower progress, commit advancement (§5.3, §5.4.2);
//!   - `server/state_machine.rs`: client requests, applying committed entries to the
//!     key-value store, replies;
//! - [`RaftNode`] (`node.rs`): servers and clients as one `Protocol`;
//! - [`Raft`] (`model.rs`): the `raft` spec: parameters, client scripts, bug variants;
//! - `deploy.rs`: `splitbrain node raft`, the same server unbounded, with heartbeats;
//! - `lift.rs`: a deployed server's state as the spec's, for judging real runs;
//! - `properties.rs`: election safety, log matching, leader completeness, state-machine safety
//!   (Figure 3), and the `sometimes` checks.
//!
//! Transactions (`txn`, Maelstrom's `txn-list-append` and `txn-rw-register`) are one log entry
//! each, applied atomically to a [`TxnStore`](crate::maelstrom::TxnStore): strict serializable.
//! Maelstrom's `kafka` requests (`send`, `poll`, `commit_offsets`, `list_committed_offsets`) are
//! log entries too, applied to a [`KafkaStore`](crate::maelstrom::KafkaStore): a send's offset is
//! its message's position in the key's log as the state machine applies it, the same on every
//! server, so offsets are unique and polls agree with sends.
//!
//! Bug variants: [`LOCAL_READS`] (real nodes: read-only transactions answered from local
//! state), [`PER_NODE_OFFSETS`] (real nodes: a kafka send answered at once with an offset from
//! the receiving server's own counter), [`VOTE_WITHOUT_LOG_CHECK`] (a server grants its vote
//! without the §5.4.1 up-to-date check), [`COMMIT_OLD_TERM`] (a leader commits an entry of an
//! earlier term by counting replicas: the Figure 8 scenario that §5.4.2 forbids), and
//! [`ACK_BEFORE_SYNC`] (a
//! server answers once its persistent state is written, and syncs it later: a crash that loses
//! unsynced writes forgets votes and entries it acknowledged).

mod deploy;
mod lift;
mod log;
mod model;
mod node;
mod properties;
mod server;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use log::Log;
pub use model::Raft;
pub use node::{RaftNode, RaftNodeState};
pub use server::{Progress, RaftServer, Role, ServerState, SYNC_EVERY};

use std::collections::BTreeMap;

use crate::maelstrom::{KvBody, KvMsg, Mop};
use crate::protocol::NodeId;

/// Bug variant: votes are granted without checking that the candidate's log is at least as
/// up-to-date as the voter's (§5.4.1).
pub const VOTE_WITHOUT_LOG_CHECK: &str = "vote-without-log-check";

/// Bug variant (real nodes only): a read-only transaction is answered at once from the
/// receiving server's own applied state, leader or not, without a log entry: reads may be stale,
/// which strict serializability forbids (G-single-realtime and kin).
pub const LOCAL_READS: &str = "local-reads";

/// Bug variant (real nodes only): a `kafka` send is answered at once by the server that receives
/// it, with the next offset of its own counter for the key (its applied log's length, or past the
/// offsets it gave before), and only then goes through the log, which puts the message where the
/// log order says. Two servers give one offset to two messages, and a message's acknowledged
/// offset is not where polls find it: inconsistent offsets and duplicates.
pub const PER_NODE_OFFSETS: &str = "per-node-offsets";

/// Bug variant: a leader commits an entry from an earlier term once a majority stores it,
/// which §5.4.2 and Figure 8 show to be unsafe.
pub const COMMIT_OLD_TERM: &str = "commit-old-term";

/// Bug variant: a server answers (grants its vote, acknowledges `append_entries`, lets a
/// leader count its own entry) as soon as it has *written* its term, vote and log, and syncs
/// them later, on a timer (group commit done wrong, like Redis' `appendfsync everysec`): a
/// crash that loses unsynced writes forgets what it promised.
pub const ACK_BEFORE_SYNC: &str = "ack-before-sync";

/// A term number. Term 0 is the term before any election.
pub type Term = u64;

/// A 1-based log index; 0 is "before the first entry".
pub type Index = u64;

/// A client operation carried by a log entry: what the key-value store applies.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case")]
pub enum Op {
    /// Read `key`.
    Read {
        /// The key.
        key: u64,
    },
    /// Write `value` to `key`.
    Write {
        /// The key.
        key: u64,
        /// The value.
        value: u64,
    },
    /// Set `key` to `to` if it holds `from`.
    Cas {
        /// The key.
        key: u64,
        /// The expected value.
        from: u64,
        /// The new value.
        to: u64,
    },
    /// A transaction (`txn-list-append`, `txn-rw-register`): one log entry, applied atomically,
    /// so transactions are strict serializable.
    Txn {
        /// The micro-ops.
        txn: Vec<Mop>,
    },
    /// `kafka`: append `msg` to `key`'s log; its offset is where the log puts it.
    Send {
        /// The log's key.
        key: String,
        /// The message.
        msg: u64,
    },
    /// `kafka`: the messages of each key from an offset on (through the log, so a deposed
    /// leader never answers from a stale log).
    Poll {
        /// Key → first offset wanted.
        offsets: BTreeMap<String, u64>,
    },
    /// `kafka`: raise the committed offsets.
    CommitOffsets {
        /// Key → offset.
        offsets: BTreeMap<String, u64>,
    },
    /// `kafka`: the committed offsets of some keys.
    ListCommittedOffsets {
        /// The keys.
        keys: Vec<String>,
    },
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Txn { ref txn } => {
                write!(f, "txn {}", serde_json::to_string(txn).unwrap_or_default())
            }
            Op::Read { key } => write!(f, "read {key}"),
            Op::Write { key, value } => write!(f, "write {key}={value}"),
            Op::Cas { key, from, to } => write!(f, "cas {key}={from}→{to}"),
            Op::Send { ref key, msg } => write!(f, "send {key}:{msg}"),
            Op::Poll { ref offsets } => write!(f, "poll {offsets:?}"),
            Op::CommitOffsets { ref offsets } => write!(f, "commit {offsets:?}"),
            Op::ListCommittedOffsets { ref keys } => write!(f, "list-committed {keys:?}"),
        }
    }
}

/// A log entry: a client's operation, the term in which a leader received it, and who to
/// answer once it is applied. Rendered `term:client.msg_id op` (`2:c0.1 write 0=1`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The leader's term when it appended the entry.
    pub term: Term,
    /// The client that asked.
    pub client: NodeId,
    /// The client's request id.
    pub msg_id: u64,
    /// The operation.
    pub op: Op,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}.{} {:?}",
            self.term, self.client, self.msg_id, self.op
        )
    }
}

/// Messages between Raft servers (Figure 2's RPCs, as Maelstrom bodies: each reply is a message
/// of its own, `*_res`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RaftMsg {
    /// RequestVote: a candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// Index of the candidate's last log entry.
        last_log_index: Index,
        /// Term of the candidate's last log entry.
        last_log_term: Term,
    },
    /// RequestVote result.
    RequestVoteRes {
        /// The voter's current term, for the candidate to update itself.
        term: Term,
        /// Whether the candidate received the vote.
        vote_granted: bool,
    },
    /// AppendEntries: the leader replicates entries (or none: a heartbeat) after
    /// `prev_log_index`.
    AppendEntries {
        /// The leader's term.
        term: Term,
        /// Index of the entry immediately preceding the new ones.
        prev_log_index: Index,
        /// Term of that entry.
        prev_log_term: Term,
        /// The entries to store (empty for a heartbeat). Shared: the checker clones every message
        /// in flight with every state and every listed delivery, and these are the only messages
        /// whose size grows with the log.
        entries: Arc<[Entry]>,
        /// The leader's commit index.
        leader_commit: Index,
    },
    /// A client request that reached a follower, passed on to the leader the follower knows of
    /// (§8: "if the client contacts a follower, the follower … supplies information about the
    /// most recent leader"; here the follower forwards instead, so the client needs no retry).
    /// The leader treats it as a request from `client` and answers `client` directly.
    Forward {
        /// The client that sent the request.
        client: NodeId,
        /// The request, unchanged.
        request: KvBody,
    },
    /// AppendEntries result.
    AppendEntriesRes {
        /// The follower's current term, for the leader to update itself.
        term: Term,
        /// Whether the follower's log matched `prev_log_index`/`prev_log_term`.
        success: bool,
        /// On success, the index of the last entry the request covered; on failure, the
        /// follower's last log index (a hint where to retry).
        match_index: Index,
    },
}

/// Everything a Raft server sends or receives: `lin-kv` client bodies or peer messages. Both
/// serialize flat (`{"type":"write",…}`, `{"type":"append_entries",…}`), like any Maelstrom
/// body.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Msg {
    /// A client request or reply.
    Kv(KvBody),
    /// A message between servers.
    Raft(RaftMsg),
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Kv(body) => body.fmt(f),
            Msg::Raft(msg) => msg.fmt(f),
        }
    }
}

impl From<KvBody> for Msg {
    fn from(body: KvBody) -> Msg {
        Msg::Kv(body)
    }
}

impl From<RaftMsg> for Msg {
    fn from(msg: RaftMsg) -> Msg {
        Msg::Raft(msg)
    }
}

impl KvMsg for Msg {
    fn as_kv(&self) -> Option<&KvBody> {
        match self {
            Msg::Kv(body) => Some(body),
            Msg::Raft(_) => None,
        }
    }
}

/// A Raft server's named timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// The randomized election timeout (§5.2): a follower or candidate that has not heard from
    /// a leader starts an election. Armed with a range; the host draws the duration.
    Election,
    /// The leader's heartbeat period: idle heartbeats and retransmissions (real hosts only; see
    /// [`RaftServer::heartbeats`]).
    Heartbeat,
    /// Bug `ack-before-sync`: the late sync of what was written, armed at the first unsynced
    /// write ([`SYNC_EVERY`] on real hosts; at any moment in the model).
    Sync,
}

/// What a server persists before it answers (Figure 2, "Persistent state on all servers").
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Persistent {
    /// The latest term the server has seen.
    pub current_term: Term,
    /// The candidate that received its vote in the current term.
    pub voted_for: Option<NodeId>,
    /// The log, shared with the server's state (see [`Log`]): persisting it copies nothing, and
    /// its digest is chained entry by entry.
    pub log: Log,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_messages_serialize_as_flat_maelstrom_bodies() {
        let append = Msg::Raft(RaftMsg::AppendEntries {
            term: 2,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: Arc::from([Entry {
                term: 2,
                client: NodeId::client(0),
                msg_id: 1,
                op: Op::Write { key: 0, value: 1 },
            }]),
            leader_commit: 0,
        });
        let json = serde_json::to_string(&append).unwrap();
        assert_eq!(
            json,
            r#"{"type":"append_entries","term":2,"prev_log_index":0,"prev_log_term":0,"entries":[{"term":2,"client":"c0","msg_id":1,"op":{"f":"write","key":0,"value":1}}],"leader_commit":0}"#
        );
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), append);
        let vote = Msg::Raft(RaftMsg::RequestVoteRes {
            term: 3,
            vote_granted: true,
        });
        let json = serde_json::to_string(&vote).unwrap();
        assert_eq!(
            json,
            r#"{"type":"request_vote_res","term":3,"vote_granted":true}"#
        );
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), vote);
        let cas = Msg::Kv(KvBody::Cas {
            msg_id: 2,
            key: 0,
            from: 1,
            to: 3,
        });
        let json = serde_json::to_string(&cas).unwrap();
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), cas);
    }
}
