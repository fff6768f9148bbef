//! [`Register`]: the `paxos-register` spec: clients write and read a register replicated by
//! single-decree Paxos.

use serde::{Deserialize, Serialize};

use super::properties::{self, PaxosSpec};
use super::{Durable, Msg, PaxosServer, ServerState, Timer, IGNORE_PROMISE};
use crate::history::{Observed, SequentialSpecKind};
use crate::maelstrom::{KvCall, KvClient, KvClientState, KvMsg, KvOp};
use crate::protocol::{Effects, NodeId, Protocol};
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
}

/// An actor of the register system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterNode {
    /// A Paxos server.
    Server(PaxosServer),
    /// A client.
    Client(KvClient),
}

/// The state of a [`RegisterNode`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RegisterState {
    /// A server's state.
    Server(ServerState),
    /// A client's progress.
    Client(KvClientState),
}

impl Protocol for RegisterNode {
    type Msg = Msg;
    type State = RegisterState;
    type Timer = Timer;
    type Durable = Durable;

    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&Durable>,
        out: &mut Effects<Self>,
    ) -> RegisterState {
        match self {
            RegisterNode::Server(server) => {
                let mut effects = Effects::new();
                let state = server.on_start(me, recovered, &mut effects);
                effects.forward_to(out);
                RegisterState::Server(state)
            }
            RegisterNode::Client(client) => RegisterState::Client(client.on_start(out)),
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut RegisterState,
        from: NodeId,
        msg: Msg,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (RegisterNode::Server(server), RegisterState::Server(state)) => {
                let mut effects = Effects::new();
                server.on_msg(me, state, from, msg, &mut effects);
                effects.forward_to(out);
            }
            (RegisterNode::Client(client), RegisterState::Client(state)) => {
                client.on_msg(state, &msg, out)
            }
            _ => unreachable!("a node's state always matches its role"),
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut RegisterState,
        timer: Timer,
        out: &mut Effects<Self>,
    ) {
        if let (RegisterNode::Server(server), RegisterState::Server(state)) = (self, state) {
            let mut effects = Effects::new();
            server.on_timer(me, state, timer, &mut effects);
            effects.forward_to(out);
        }
    }

    fn role(&self) -> &'static str {
        match self {
            RegisterNode::Server(server) => server.role(),
            RegisterNode::Client(_) => "client",
        }
    }
}

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
        match state {
            RegisterState::Server(state) => Some(state),
            RegisterState::Client(_) => None,
        }
    }

    fn was_proposed(&self, value: u64) -> bool {
        (1..=self.clients as u64).contains(&value)
    }
}
