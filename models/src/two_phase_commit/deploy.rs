//! [`Deployable`] for [`TpcNode`]: `splitbrain node two-phase-commit`, a bank whose transfers
//! and reads are two-phase commits.
//!
//! `n0` is the coordinator; every other node is a participant. There are
//! [`DEPLOYED_ACCOUNTS`] accounts, each opening at [`DEPLOYED_BALANCE`] (the runner's `bank`
//! workload expects exactly these), dealt round-robin: account `a` belongs to participant
//! `a mod P` (node `n{1 + a mod P}`). The coordinator aborts what is still collecting votes
//! after 300 ms; a participant in doubt asks the coordinator every 100–200 ms until it has a
//! decision.

use super::{Coordinator, Participant, TpcNode, COMMIT_ON_MAJORITY, FORGET_VOTE};
use crate::protocol::{Deployable, NodeId};
use crate::ModelError;

/// How many accounts a deployed bank has.
pub const DEPLOYED_ACCOUNTS: u64 = 8;

/// Every deployed account's opening balance (so the total is 80).
pub const DEPLOYED_BALANCE: i64 = 10;

impl Deployable for TpcNode {
    const NODE_NAME: &'static str = "two-phase-commit";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![COMMIT_ON_MAJORITY, FORGET_VOTE]
    }

    fn deploy(me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(other) = bug.filter(|b| !Self::deployable_bugs().contains(b)) {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: other.to_string(),
                known: Self::deployable_bugs().join(", "),
            });
        }
        if nodes.len() < 2 {
            return Err(ModelError::ParameterOutOfRange {
                name: "node count (n0 coordinator, n1… participants)",
                value: nodes.len() as u64,
                min: 2,
                max: 64,
            });
        }
        let participants = nodes.len() - 1;
        Ok(match me.index() {
            0 => TpcNode::Coordinator(Coordinator {
                participants,
                accounts: DEPLOYED_ACCOUNTS,
                commit_on_majority: bug == Some(COMMIT_ON_MAJORITY),
            }),
            i => TpcNode::Participant(Participant {
                index: i - 1,
                participants,
                accounts: DEPLOYED_ACCOUNTS,
                opening: DEPLOYED_BALANCE,
                requery: true,
                forget_vote: bug == Some(FORGET_VOTE),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_bank_is_n0_coordinator_and_participants_that_requery() {
        let nodes: Vec<NodeId> = NodeId::nodes(4).collect();
        assert!(matches!(
            TpcNode::deploy(NodeId::node(0), &nodes, Some(COMMIT_ON_MAJORITY)),
            Ok(TpcNode::Coordinator(Coordinator {
                participants: 3,
                commit_on_majority: true,
                ..
            }))
        ));
        match TpcNode::deploy(NodeId::node(2), &nodes, Some(FORGET_VOTE)).unwrap() {
            TpcNode::Participant(p) => {
                assert_eq!((p.index, p.participants), (1, 3));
                assert!(p.requery && p.forget_vote);
            }
            other => panic!("{other:?}"),
        }
        let err = TpcNode::deploy(NodeId::node(0), &nodes, Some("nope")).unwrap_err();
        assert!(err.to_string().contains("forget-vote"), "{err}");
        let one: Vec<NodeId> = NodeId::nodes(1).collect();
        assert!(TpcNode::deploy(NodeId::node(0), &one, None).is_err());
    }
}
