//! [`Deployable`] for [`PbServer`]: `splitbrain node primary-backup`, a `lin-kv` service
//! replicated primary-backup style.
//!
//! A deployed server differs from the model's only in its bounds and liveness machinery: epochs
//! are unbounded, and the primary sends a heartbeat every 40 ms (an empty `replicate`, which
//! also brings a backup that missed entries back with a `sync`); a backup that hears nothing
//! from its primary for 150–300 ms starts a failover.

use super::{PbServer, ASYNC_ACK, NO_EPOCH};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

impl Deployable for PbServer {
    const NODE_NAME: &'static str = "primary-backup";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![NO_EPOCH, ASYNC_ACK]
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(other) = bug.filter(|b| !Self::deployable_bugs().contains(b)) {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: other.to_string(),
                known: Self::deployable_bugs().join(", "),
            });
        }
        Ok(PbServer {
            servers: nodes.len(),
            max_epoch: u64::MAX,
            heartbeats: true,
            no_epoch: bug == Some(NO_EPOCH),
            async_ack: bug == Some(ASYNC_ACK),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_primary_backup_is_unbounded_and_rejects_an_unknown_bug_by_name() {
        let nodes: Vec<NodeId> = NodeId::nodes(3).collect();
        let err = PbServer::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains("async-ack"), "{err}");
        let server = PbServer::deploy(NodeId::node(1), &nodes, Some(NO_EPOCH)).unwrap();
        assert!(server.no_epoch && !server.async_ack && server.heartbeats);
        assert_eq!((server.servers, server.max_epoch), (3, u64::MAX));
    }
}
