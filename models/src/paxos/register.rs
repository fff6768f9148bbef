//! [`Register`]: the `paxos-register` spec: clients write and read a register replicated by
//! single-decree Paxos.

use std::collections::BTreeSet;

use super::properties::{self, PaxosSpec};
use super::{Msg, PaxosServer, ServerState, IGNORE_PROMISE};
use crate::history::{Observed, SequentialSpecKind};
use crate::maelstrom::{KvCall, KvClient, KvMsg, KvOp, KvSystemNode, KvSystemState};
use crate::protocol::NodeId;
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{linearizable, Topology};
use crate::ModelError;

/// A write-once register on `servers` Paxos servers, used by `clients` clients. Client `c{i}`
/// writes `i + 1` through server `n{i mod servers}`, then reads through `n{(i+1) mod servers}`.
/// A write succeeds if its value is the one chosen and fails with `precondition-failed` (22, a
/// definite error: failed writes drop out of the linearizability check) otherwise; a read
/// returns the chosen value once the server has learned it, and is not answered before.
#[derive(Clone, Debug)]
pub struct Register {
    servers: usize,
    clients: usize,
    rounds: u32,
    ignore_promise: bool,
    /// The values clients proposed, when they are not the scripted clients' (a deployed run).
    proposed: Option<BTreeSet<u64>>,
}

impl Register {
    /// The spec judging one key of a deployed cluster of `servers` (`splitbrain validate`):
    /// `proposed` are the values clients wrote to that key; one idle client.
    pub(crate) fn deployed(
        servers: usize,
        ignore_promise: bool,
        proposed: BTreeSet<u64>,
    ) -> Register {
        Register {
            servers,
            clients: 1,
            rounds: u32::MAX,
            ignore_promise,
            proposed: Some(proposed),
        }
    }
}

/// An actor of the register system: a Paxos server or a scripted client.
pub type RegisterNode = KvSystemNode<PaxosServer>;

/// The state of a [`RegisterNode`].
pub type RegisterState = KvSystemState<ServerState>;

impl Spec for Register {
    type Node = RegisterNode;

    const NAME: &'static str = "paxos-register";
    const DESCRIPTION: &'static str =
        "a write-once register replicated by single-decree Paxos; clients write, then read";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "Paxos servers", 3, 1, 7),
            ParameterInfo::new(
                "clients",
                "clients (each writes its value, then reads)",
                2,
                1,
                4,
            ),
            ParameterInfo::new(
                "rounds",
                "ballots each server may start for a write",
                1,
                1,
                4,
            ),
            ParameterInfo::crashes(0),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![BugInfo {
            name: IGNORE_PROMISE,
            description: "an acceptor accepts a ballot lower than one it promised",
            violates: "linearizable",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::agreement(),
            properties::validity(),
            linearizable(),
            properties::decided(),
            SpecProperty::sometimes(
                "value read",
                "some client reads a value (so `linearizable` judges reads, not only writes)",
                "reachability check; the register's read semantics: Herlihy & Wing (1990), §2",
                |_, state| {
                    state.history().ok_ops().any(|(_, ok)| {
                        ok.f == crate::history::Function::Read
                            && ok.value != crate::history::OpValue::Null
                    })
                },
            ),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(Register {
            servers: config.count("servers"),
            clients: config.count("clients"),
            rounds: config.get("rounds") as u32,
            ignore_promise: config.bug() == Some(IGNORE_PROMISE),
            proposed: None,
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.servers, self.clients)
    }

    fn nodes(&self) -> Vec<RegisterNode> {
        let servers = (0..self.servers).map(|_| {
            RegisterNode::Server(PaxosServer {
                servers: self.servers,
                proposal: None,
                rounds: self.rounds,
                ignore_promise: self.ignore_promise,
            })
        });
        let clients = (0..self.clients).map(|i| {
            RegisterNode::Client(KvClient::new(vec![
                KvOp {
                    server: NodeId::node(i % self.servers),
                    call: KvCall::Write(i as u64 + 1),
                },
                KvOp {
                    server: NodeId::node((i + 1) % self.servers),
                    call: KvCall::Read,
                },
            ]))
        });
        servers.chain(clients).collect()
    }

    fn observe(&self, msg: &Msg) -> Observed {
        msg.as_kv().map_or(Observed::Nothing, |body| body.observe())
    }

    fn sequential_spec(&self) -> Option<SequentialSpecKind> {
        Some(SequentialSpecKind::CasRegister)
    }
}

impl PaxosSpec for Register {
    fn server(state: &RegisterState) -> Option<&ServerState> {
        state.server()
    }

    fn was_proposed(&self, value: u64) -> bool {
        match &self.proposed {
            Some(proposed) => proposed.contains(&value),
            None => (1..=self.clients as u64).contains(&value),
        }
    }
}
