//! [`Deployable`] for [`KeyedPaxos`]: `splitbrain node paxos`, write-once registers, one
//! single-decree Paxos instance per `lin-kv` key.
//!
//! A deployed server proposes only what clients write (no `proposal` of its own) and retries a
//! ballot on its timer without bound.

use super::{KeyedPaxos, PaxosServer, IGNORE_PROMISE};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

impl Deployable for KeyedPaxos {
    const NODE_NAME: &'static str = "paxos";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![IGNORE_PROMISE]
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        let ignore_promise = match bug {
            None => false,
            Some(IGNORE_PROMISE) => true,
            Some(other) => {
                return Err(ModelError::UnknownBug {
                    spec: Self::NODE_NAME,
                    bug: other.to_string(),
                    known: IGNORE_PROMISE.to_string(),
                })
            }
        };
        Ok(KeyedPaxos {
            server: PaxosServer {
                servers: nodes.len(),
                proposal: None,
                rounds: u32::MAX,
                ignore_promise,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_paxos_rejects_an_unknown_bug_by_name() {
        let nodes: Vec<NodeId> = NodeId::nodes(3).collect();
        let err = KeyedPaxos::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains("ignore-promise"), "{err}");
        let ok = KeyedPaxos::deploy(NodeId::node(0), &nodes, Some(IGNORE_PROMISE)).unwrap();
        assert!(ok.server.ignore_promise && ok.server.servers == 3);
    }
}
