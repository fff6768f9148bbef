//! [`Deployable`] for [`LeaseNode`]: `splitbrain node lock`, the lease lock service for real.
//!
//! A deployed cluster has exactly two nodes: `n0` is the lock server (leases of
//! [`DEPLOYED_LEASE`], tokens persisted before they are handed out) and `n1` the fenced storage.
//! The clients are the harness's clients (`c0…`): they acquire from `n0`, write to `n1` with
//! their token, and release.

use std::time::Duration;

use super::model::NO_FENCING;
use super::{LeaseNode, LockServer, Storage};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

/// How long a deployed lease lasts: long next to a loopback round trip, short enough that a
/// client paused for a few hundred milliseconds outlives it.
pub const DEPLOYED_LEASE: Duration = Duration::from_millis(200);

impl Deployable for LeaseNode {
    const NODE_NAME: &'static str = "lock";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![NO_FENCING]
    }

    fn deploy(me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        let fencing = match bug {
            None => true,
            Some(NO_FENCING) => false,
            Some(other) => {
                return Err(ModelError::UnknownBug {
                    spec: Self::NODE_NAME,
                    bug: other.to_string(),
                    known: NO_FENCING.to_string(),
                })
            }
        };
        if nodes.len() != 2 {
            return Err(ModelError::ParameterOutOfRange {
                name: "node count (n0 lock server, n1 storage)",
                value: nodes.len() as u64,
                min: 2,
                max: 2,
            });
        }
        Ok(match me.index() {
            0 => LeaseNode::Lock(LockServer {
                lease: DEPLOYED_LEASE,
            }),
            _ => LeaseNode::Storage(Storage { fencing }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_lock_is_n0_lock_server_and_n1_storage_of_exactly_two() {
        let two: Vec<NodeId> = NodeId::nodes(2).collect();
        assert!(matches!(
            LeaseNode::deploy(NodeId::node(0), &two, None),
            Ok(LeaseNode::Lock(_))
        ));
        assert!(matches!(
            LeaseNode::deploy(NodeId::node(1), &two, Some(NO_FENCING)),
            Ok(LeaseNode::Storage(Storage { fencing: false }))
        ));
        let three: Vec<NodeId> = NodeId::nodes(3).collect();
        assert!(LeaseNode::deploy(NodeId::node(0), &three, None).is_err());
    }
}
