//! [`KvSystemNode`]: the actors of a system whose clients are scripted `lin-kv` clients — a
//! server running protocol `S`, or a [`KvClient`] — as one [`Protocol`].
//!
//! Specs with such clients (`paxos-register`, `raft`) use it as their node type; a real host
//! runs `S` alone (the runner's workload plays the clients).

use super::{KvClient, KvClientState, KvMsg};
use crate::protocol::{Effects, NodeId, Protocol};

/// A server of protocol `S`, or a scripted client.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvSystemNode<S> {
    /// A server.
    Server(S),
    /// A scripted client.
    Client(KvClient),
}

/// The state of a [`KvSystemNode`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KvSystemState<S> {
    /// A server's state.
    Server(S),
    /// A client's progress.
    Client(KvClientState),
}

impl<S> KvSystemState<S> {
    /// The server state, or `None` for a client.
    pub fn server(&self) -> Option<&S> {
        match self {
            KvSystemState::Server(state) => Some(state),
            KvSystemState::Client(_) => None,
        }
    }
}

impl<S> Protocol for KvSystemNode<S>
where
    S: Protocol,
    S::Msg: KvMsg,
{
    type Msg = S::Msg;
    type State = KvSystemState<S::State>;
    type Timer = S::Timer;
    type Durable = S::Durable;

    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&S::Durable>,
        out: &mut Effects<Self>,
    ) -> Self::State {
        match self {
            KvSystemNode::Server(server) => {
                let mut effects = Effects::new();
                let state = server.on_start(me, recovered, &mut effects);
                effects.forward_to(out);
                KvSystemState::Server(state)
            }
            KvSystemNode::Client(client) => KvSystemState::Client(client.on_start(out)),
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut Self::State,
        from: NodeId,
        msg: S::Msg,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (KvSystemNode::Server(server), KvSystemState::Server(state)) => {
                let mut effects = Effects::new();
                server.on_msg(me, state, from, msg, &mut effects);
                effects.forward_to(out);
            }
            (KvSystemNode::Client(client), KvSystemState::Client(state)) => {
                client.on_msg(state, &msg, out)
            }
            _ => unreachable!("a node's state always matches its role"),
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        timer: S::Timer,
        out: &mut Effects<Self>,
    ) {
        if let (KvSystemNode::Server(server), KvSystemState::Server(state)) = (self, state) {
            let mut effects = Effects::new();
            server.on_timer(me, state, timer, &mut effects);
            effects.forward_to(out);
        }
    }

    fn role(&self) -> &'static str {
        match self {
            KvSystemNode::Server(server) => server.role(),
            KvSystemNode::Client(_) => "client",
        }
    }
}
