//! [`Raft`]: the `raft` spec: servers, scripted clients, sizes and bug variants.
//!
//! Client `c{i}` runs the first `ops` operations of its script, one at a time, operation `j`
//! through server `n{(i+j) mod servers}`: `write i+1`, then `read`, then `cas i+1 → i+11` (odd
//! clients read first). A server that is
//! not leader refuses with `temporarily-unavailable` and the client moves on, so the model
//! explores every moment at which the request can reach its server — before, during or after
//! that server's leadership. Each operation is appended at most once, so the client scripts
//! also bound the log's length; `terms` bounds the terms (no election starts beyond it).

use super::properties;
use super::{RaftNode, RaftServer, ACK_BEFORE_SYNC, COMMIT_OLD_TERM, VOTE_WITHOUT_LOG_CHECK};
use crate::history::{Observed, SequentialSpecKind};
use crate::maelstrom::{KvCall, KvClient, KvMsg, KvOp};
use crate::protocol::NodeId;
use crate::raft::Msg;
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{linearizable, Topology};
use crate::ModelError;

/// Raft with a key-value store: `servers` servers, `clients` scripted `lin-kv` clients of `ops`
/// operations each, elections up to term `terms`.
#[derive(Clone, Debug)]
pub struct Raft {
    servers: usize,
    clients: usize,
    ops: usize,
    terms: u64,
    candidates: usize,
    vote_without_log_check: bool,
    commit_old_term: bool,
    ack_before_sync: bool,
}

impl Raft {
    /// The script of client `c{index}`: its first `ops` operations, operation `j` through server
    /// `n{(index + j) mod servers}`. Even clients write, read, then cas; odd clients read first,
    /// so that with one operation each there is a write and a read.
    pub fn script(index: usize, servers: usize, ops: usize) -> Vec<KvOp> {
        let value = index as u64 + 1;
        let mut calls = [
            KvCall::Write(value),
            KvCall::Read,
            KvCall::Cas(value, value + 10),
        ];
        if index % 2 == 1 {
            calls.swap(0, 1);
        }
        calls
            .into_iter()
            .take(ops)
            .enumerate()
            .map(|(j, call)| KvOp {
                server: NodeId::node((index + j) % servers),
                call,
            })
            .collect()
    }
}

impl Raft {
    /// The spec judging a deployed cluster of `servers` (`splitbrain validate`): unbounded
    /// terms, every server a candidate, one idle client; `bug` as the nodes are judged.
    pub(crate) fn deployed(servers: usize, bug: Option<&str>) -> Raft {
        Raft {
            servers,
            clients: 1,
            ops: 1,
            terms: u64::MAX,
            candidates: servers,
            vote_without_log_check: bug == Some(VOTE_WITHOUT_LOG_CHECK),
            commit_old_term: bug == Some(COMMIT_OLD_TERM),
            ack_before_sync: bug == Some(ACK_BEFORE_SYNC),
        }
    }
}

impl Spec for Raft {
    type Node = RaftNode;

    const NAME: &'static str = "raft";
    const DESCRIPTION: &'static str =
        "Raft leader election and log replication under a key-value store; clients read, write, cas";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "Raft servers", 3, 1, 5),
            ParameterInfo::new(
                "clients",
                "clients (operation j of c{i} goes to n{(i+j) mod servers})",
                2,
                1,
                3,
            ),
            ParameterInfo::new(
                "ops",
                "operations per client: write, read, cas; odd clients read first (bounds the log)",
                1,
                1,
                3,
            ),
            ParameterInfo::new("terms", "the highest term an election may start", 2, 1, 6),
            ParameterInfo::new(
                "candidates",
                "servers that may start elections (n0 … ); the others only vote",
                3,
                1,
                5,
            ),
            ParameterInfo::crashes(0),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![
            BugInfo {
                name: VOTE_WITHOUT_LOG_CHECK,
                description: "servers grant votes without checking that the candidate's log is \
                              at least as up-to-date as their own (§5.4.1)",
                violates: "leader completeness",
                defaults: &[],
            },
            BugInfo {
                name: COMMIT_OLD_TERM,
                description: "a leader commits an entry from an earlier term once a majority \
                              stores it (§5.4.2, Figure 8)",
                violates: "leader completeness",
                defaults: &[],
            },
            BugInfo {
                name: ACK_BEFORE_SYNC,
                description: "servers vote, acknowledge entries and count their own once their \
                              term, vote and log are written, and sync them later: a crash loses \
                              what they promised (defaults: 1 crash, 2 candidates, 1 client)",
                violates: "election safety",
                defaults: &[("crashes", 1), ("candidates", 2), ("clients", 1)],
            },
        ]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::election_safety(),
            properties::log_matching(),
            properties::leader_completeness(),
            properties::state_machine_safety(),
            linearizable(),
            properties::entry_committed(),
            properties::written_value_read(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(Raft {
            servers: config.count("servers"),
            clients: config.count("clients"),
            ops: config.count("ops"),
            terms: config.get("terms"),
            candidates: config.count("candidates"),
            vote_without_log_check: config.bug() == Some(VOTE_WITHOUT_LOG_CHECK),
            commit_old_term: config.bug() == Some(COMMIT_OLD_TERM),
            ack_before_sync: config.bug() == Some(ACK_BEFORE_SYNC),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.servers, self.clients)
    }

    fn nodes(&self) -> Vec<RaftNode> {
        let servers = (0..self.servers).map(|i| {
            RaftNode::Server(RaftServer {
                servers: self.servers,
                max_term: self.terms,
                campaigns: i < self.candidates,
                heartbeats: false,
                vote_without_log_check: self.vote_without_log_check,
                commit_old_term: self.commit_old_term,
                local_reads: false,
                ack_before_sync: self.ack_before_sync,
            })
        });
        let clients = (0..self.clients)
            .map(|i| RaftNode::Client(KvClient::new(Raft::script(i, self.servers, self.ops))));
        servers.chain(clients).collect()
    }

    fn observe(&self, msg: &Msg) -> Observed {
        msg.as_kv().map_or(Observed::Nothing, |body| body.observe())
    }

    fn sequential_spec(&self) -> Option<SequentialSpecKind> {
        Some(SequentialSpecKind::CasRegister)
    }
}
