//! [`Deployable`] for [`PaxosServer`]: `splitbrain node paxos`, a write-once register.
//!
//! A deployed server proposes only what clients write (no `proposal` of its own) and retries a
//! ballot on its timer without bound. The register is ONE Paxos instance: it ignores the
//! `key` of `lin-kv` requests, so run it with `--key-count 1` (several keys would share one
//! write-once value and the history would rightly be judged invalid).

use super::{PaxosServer, IGNORE_PROMISE};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

impl Deployable for PaxosServer {
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
        Ok(PaxosServer {
            servers: nodes.len(),
            proposal: None,
            rounds: u32::MAX,
            ignore_promise,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_paxos_rejects_an_unknown_bug_by_name() {
        let nodes: Vec<NodeId> = NodeId::nodes(3).collect();
        let err = PaxosServer::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains("ignore-promise"), "{err}");
        let ok = PaxosServer::deploy(NodeId::node(0), &nodes, Some(IGNORE_PROMISE)).unwrap();
        assert!(ok.ignore_promise && ok.servers == 3);
    }
}
