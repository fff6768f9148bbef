//! [`Deployable`] for [`RaftServer`]: `splitbrain node raft`, a `lin-kv` service (and a `txn`
//! one: txn-list-append, txn-rw-register) replicated by Raft.
//!
//! A deployed server differs from the model's only in its bounds and liveness machinery: terms
//! are unbounded, every server campaigns, and the leader sends heartbeats and retransmits
//! unanswered `append_entries` on its heartbeat timer (every 50 ms) (the model
//! needs neither: any armed timer may fire at any moment there, and only a healing partition
//! loses messages). Election timeouts are drawn from 150–300 ms, as in the paper's experiments.

use super::{RaftServer, ACK_BEFORE_SYNC, COMMIT_OLD_TERM, LOCAL_READS, VOTE_WITHOUT_LOG_CHECK};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

impl Deployable for RaftServer {
    const NODE_NAME: &'static str = "raft";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![
            VOTE_WITHOUT_LOG_CHECK,
            COMMIT_OLD_TERM,
            LOCAL_READS,
            ACK_BEFORE_SYNC,
        ]
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(other) = bug.filter(|b| !Self::deployable_bugs().contains(b)) {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: other.to_string(),
                known: Self::deployable_bugs().join(", "),
            });
        }
        Ok(RaftServer {
            servers: nodes.len(),
            max_term: u64::MAX,
            campaigns: true,
            heartbeats: true,
            vote_without_log_check: bug == Some(VOTE_WITHOUT_LOG_CHECK),
            commit_old_term: bug == Some(COMMIT_OLD_TERM),
            local_reads: bug == Some(LOCAL_READS),
            ack_before_sync: bug == Some(ACK_BEFORE_SYNC),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_raft_is_unbounded_and_rejects_an_unknown_bug_by_name() {
        let nodes: Vec<NodeId> = NodeId::nodes(5).collect();
        let err = RaftServer::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains("commit-old-term"), "{err}");
        let server = RaftServer::deploy(NodeId::node(0), &nodes, Some(COMMIT_OLD_TERM)).unwrap();
        assert!(server.commit_old_term && !server.vote_without_log_check);
        assert!(server.heartbeats && server.campaigns);
        assert_eq!((server.servers, server.max_term), (5, u64::MAX));
    }
}
