//! [`SingleDecree`]: the `paxos` spec: servers propose their own values and must agree.

use super::properties::{self, PaxosSpec};
use super::{PaxosServer, ServerState, IGNORE_PROMISE};
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::Topology;
use crate::ModelError;

/// Single-decree Paxos: `servers` acceptors/learners, the first `proposers` of which propose
/// their own value (`n{i}` proposes `i + 1`) when their timer fires, up to `rounds` ballots each.
#[derive(Clone, Debug)]
pub struct SingleDecree {
    servers: usize,
    proposers: usize,
    rounds: u32,
    ignore_promise: bool,
}

impl SingleDecree {
    /// The value `n{index}` proposes.
    pub fn proposal_of(index: usize) -> u64 {
        index as u64 + 1
    }
}

impl Spec for SingleDecree {
    type Node = PaxosServer;

    const NAME: &'static str = "paxos";
    const DESCRIPTION: &'static str =
        "single-decree Paxos: proposers race ballots; servers must never decide different values";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "acceptors (and learners)", 3, 1, 7),
            ParameterInfo::new(
                "proposers",
                "servers that propose a value of their own",
                2,
                1,
                7,
            ),
            ParameterInfo::new("rounds", "ballots each proposer may start", 1, 1, 4),
            ParameterInfo::crashes(0),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![BugInfo {
            name: IGNORE_PROMISE,
            description: "an acceptor accepts a ballot lower than one it promised",
            violates: "agreement",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::agreement(),
            properties::validity(),
            properties::decided(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        let (servers, proposers) = (config.count("servers"), config.count("proposers"));
        if proposers > servers {
            return Err(ModelError::InvalidConfig(format!(
                "proposers ({proposers}) cannot exceed servers ({servers})"
            )));
        }
        Ok(SingleDecree {
            servers,
            proposers,
            rounds: config.get("rounds") as u32,
            ignore_promise: config.bug() == Some(IGNORE_PROMISE),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.servers, 0)
    }

    fn nodes(&self) -> Vec<PaxosServer> {
        (0..self.servers)
            .map(|i| PaxosServer {
                servers: self.servers,
                proposal: (i < self.proposers).then(|| SingleDecree::proposal_of(i)),
                rounds: self.rounds,
                ignore_promise: self.ignore_promise,
            })
            .collect()
    }
}

impl PaxosSpec for SingleDecree {
    fn server(state: &ServerState) -> Option<&ServerState> {
        Some(state)
    }

    fn was_proposed(&self, value: u64) -> bool {
        (0..self.proposers).any(|i| SingleDecree::proposal_of(i) == value)
    }
}
