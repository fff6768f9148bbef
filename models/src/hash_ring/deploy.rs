//! [`Deployable`] for [`RingServer`]: `splitbrain node hash-ring`, a `lin-kv` store
//! partitioned over a consistent-hash ring.
//!
//! A deployed server differs from the model's only in its ring: every server is in ring 0,
//! with [`DEPLOYED_VNODES`] tokens each, and there is no script: membership changes arrive as
//! `join` / `leave` requests at the coordinator `n0` (`splitbrain run --nemesis membership`
//! sends them). The protocol has no timers, so nothing in it depends on real time.
//!
//! Limits: a handoff or a `ring` broadcast is sent once, never retransmitted, so a partition
//! or loss that drops one leaves the keys it carried unavailable (requests for them park and
//! time out: indefinite, never wrong); nothing is persisted, so a killed node loses its keys.
//! Run it under `--nemesis membership` (and latency), not kills.

use super::model::DEPLOYED_VNODES;
use super::{RingServer, SERVE_BEFORE_HANDOFF};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

impl Deployable for RingServer {
    const NODE_NAME: &'static str = "hash-ring";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![SERVE_BEFORE_HANDOFF]
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(other) = bug.filter(|b| !Self::deployable_bugs().contains(b)) {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: other.to_string(),
                known: Self::deployable_bugs().join(", "),
            });
        }
        Ok(RingServer {
            servers: nodes.len(),
            initial: NodeId::nodes(nodes.len()).collect(),
            vnodes: DEPLOYED_VNODES,
            script: Vec::new(),
            serve_before_handoff: bug == Some(SERVE_BEFORE_HANDOFF),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_ring_holds_every_server_and_rejects_an_unknown_bug_by_name() {
        let nodes: Vec<NodeId> = NodeId::nodes(3).collect();
        let err = RingServer::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains(SERVE_BEFORE_HANDOFF), "{err}");
        let server =
            RingServer::deploy(NodeId::node(1), &nodes, Some(SERVE_BEFORE_HANDOFF)).unwrap();
        assert!(server.serve_before_handoff && server.script.is_empty());
        assert_eq!(server.initial.len(), 3);
    }
}
