//! [`RaftNode`]: the Raft system's roles (servers and scripted `lin-kv` clients) as one
//! [`Protocol`].

use serde::{Deserialize, Serialize};

use super::{Msg, Persistent, RaftServer, ServerState, Timer};
use crate::maelstrom::{KvClient, KvClientState};
use crate::protocol::{Effects, NodeId, Protocol};

/// An actor of the Raft system. A real host runs `Server` as a Maelstrom node; clients are the
/// workload's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RaftNode {
    /// A Raft server.
    Server(RaftServer),
    /// A scripted client.
    Client(KvClient),
}

/// The state of a [`RaftNode`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RaftNodeState {
    /// A server's state.
    Server(ServerState),
    /// A client's progress.
    Client(KvClientState),
}

impl RaftNodeState {
    /// The server state, or `None` for a client.
    pub fn server(&self) -> Option<&ServerState> {
        match self {
            RaftNodeState::Server(state) => Some(state),
            RaftNodeState::Client(_) => None,
        }
    }
}

impl Protocol for RaftNode {
    type Msg = Msg;
    type State = RaftNodeState;
    type Timer = Timer;
    type Durable = Persistent;

    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&Persistent>,
        out: &mut Effects<Self>,
    ) -> RaftNodeState {
        match self {
            RaftNode::Server(server) => {
                let mut effects = Effects::new();
                let state = server.on_start(me, recovered, &mut effects);
                effects.forward_to(out);
                RaftNodeState::Server(state)
            }
            RaftNode::Client(client) => RaftNodeState::Client(client.on_start(out)),
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut RaftNodeState,
        from: NodeId,
        msg: Msg,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (RaftNode::Server(server), RaftNodeState::Server(state)) => {
                let mut effects = Effects::new();
                server.on_msg(me, state, from, msg, &mut effects);
                effects.forward_to(out);
            }
            (RaftNode::Client(client), RaftNodeState::Client(state)) => {
                client.on_msg(state, &msg, out)
            }
            _ => unreachable!("a node's state always matches its role"),
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut RaftNodeState,
        timer: Timer,
        out: &mut Effects<Self>,
    ) {
        if let (RaftNode::Server(server), RaftNodeState::Server(state)) = (self, state) {
            let mut effects = Effects::new();
            server.on_timer(me, state, timer, &mut effects);
            effects.forward_to(out);
        }
    }

    fn role(&self) -> &'static str {
        match self {
            RaftNode::Server(server) => server.role(),
            RaftNode::Client(_) => "client",
        }
    }
}
