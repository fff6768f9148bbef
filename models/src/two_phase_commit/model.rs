//! [`TwoPhaseCommit`]: the `two-phase-commit` spec: a coordinator, participants, one scripted
//! client, sizes and bugs.
//!
//! There are as many accounts as participants (account `a` is participant `a`'s), each opening
//! at 1. The client `c0` runs `transactions` requests one after the other: transfer 1 from
//! account 0 to account 1, the same transfer again (an overdraft if the first committed: account
//! 0's owner votes no), then a read of every balance. Every node may crash (`crashes` per path)
//! and recovers from what it persisted; the vote timer and the in-doubt timer may fire at any
//! moment, so the model explores aborts at every point of the protocol. One client keeps the
//! space small: concurrency is between the coordinator and the participants, which is where
//! atomic commitment goes wrong. No symmetry applies: the roles differ.

use super::{
    properties, Coordinator, Participant, TpcClient, TpcNode, Work, COMMIT_ON_MAJORITY, FORGET_VOTE,
};
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::Topology;
use crate::ModelError;

/// The opening balance of every account in the model.
const OPENING: i64 = 1;

/// Two-phase commit across `participants` participants, `clients` scripted clients.
#[derive(Clone, Debug)]
pub struct TwoPhaseCommit {
    participants: usize,
    transactions: usize,
    accounts: u64,
    opening: i64,
    commit_on_majority: bool,
    forget_vote: bool,
}

impl TwoPhaseCommit {
    /// The spec judging a deployed cluster (`splitbrain validate`): `nodes` nodes (`n0` the
    /// coordinator), `accounts` accounts opening at `opening`, one idle client; `bug` as the nodes
    /// are judged.
    pub(crate) fn deployed(
        nodes: usize,
        accounts: u64,
        opening: i64,
        bug: Option<&str>,
    ) -> TwoPhaseCommit {
        TwoPhaseCommit {
            participants: nodes.saturating_sub(1),
            transactions: 0,
            accounts,
            opening,
            commit_on_majority: bug == Some(COMMIT_ON_MAJORITY),
            forget_vote: bug == Some(FORGET_VOTE),
        }
    }

    /// The coordinator role of this spec.
    pub(crate) fn coordinator(&self) -> Coordinator {
        Coordinator {
            participants: self.participants,
            accounts: self.accounts,
            commit_on_majority: self.commit_on_majority,
        }
    }

    /// Participant `index` of this spec (`requery`: real hosts ask again while in doubt).
    pub(crate) fn participant(&self, index: usize, requery: bool) -> Participant {
        Participant {
            index,
            participants: self.participants,
            accounts: self.accounts,
            opening: self.opening,
            requery,
            forget_vote: self.forget_vote,
        }
    }

    /// The client's script (see the module docs).
    fn script(&self) -> Vec<Work> {
        let transfer = Work::Transfer {
            from: 0,
            to: 1 % self.accounts,
            amount: 1,
        };
        [transfer, transfer, Work::Read]
            .into_iter()
            .take(self.transactions)
            .collect()
    }
}

impl Spec for TwoPhaseCommit {
    type Node = TpcNode;

    const NAME: &'static str = "two-phase-commit";
    const DESCRIPTION: &'static str =
        "two-phase commit of bank transfers and reads across participants; every node crashes";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new(
                "participants",
                "participants (n1 …; n0 is the coordinator), one account each",
                2,
                2,
                4,
            ),
            ParameterInfo::new(
                "transactions",
                "the client's requests, in turn: transfer 1 from account 0 to 1, the same again \
                 (an overdraft if the first committed), read every balance",
                2,
                1,
                3,
            ),
            ParameterInfo::crashes(1),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![
            BugInfo {
                name: COMMIT_ON_MAJORITY,
                description: "the coordinator commits once a majority of the cohort (itself \
                              included) is for it, whatever the other participants vote",
                violates: "validity",
                defaults: &[],
            },
            BugInfo {
                name: FORGET_VOTE,
                description: "a participant that voted yes forgets its vote on restart and \
                              aborts on its own",
                violates: "atomicity",
                defaults: &[],
            },
        ]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::atomicity(),
            properties::validity(),
            properties::blocked_in_doubt(),
            properties::commit_beside_abort(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        let participants = config.count("participants");
        Ok(TwoPhaseCommit {
            participants,
            transactions: config.count("transactions"),
            accounts: participants as u64,
            opening: OPENING,
            commit_on_majority: config.bug() == Some(COMMIT_ON_MAJORITY),
            forget_vote: config.bug() == Some(FORGET_VOTE),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.participants + 1, 1)
    }

    fn nodes(&self) -> Vec<TpcNode> {
        let coordinator = std::iter::once(TpcNode::Coordinator(self.coordinator()));
        let participants =
            (0..self.participants).map(|i| TpcNode::Participant(self.participant(i, false)));
        let clients = std::iter::once(TpcNode::Client(TpcClient {
            script: self.script(),
        }));
        coordinator.chain(participants).chain(clients).collect()
    }
}
