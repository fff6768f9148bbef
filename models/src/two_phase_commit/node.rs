//! [`TpcNode`]: the two-phase commit system's roles as one [`Protocol`].

use serde::{Deserialize, Serialize};

use super::{
    Coordinator, CoordinatorState, Participant, ParticipantState, TpcClient, TpcClientState,
    TpcDurable, TpcMsg, TpcTimer,
};
use crate::protocol::{Effects, NodeId, Protocol};

/// An actor of the system. A real host runs the coordinator on `n0` and a participant on every
/// other node; clients are the workload's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TpcNode {
    /// The coordinator.
    Coordinator(Coordinator),
    /// A participant.
    Participant(Participant),
    /// A client (model only).
    Client(TpcClient),
}

/// The state of a [`TpcNode`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TpcState {
    /// The coordinator's state.
    Coordinator(CoordinatorState),
    /// A participant's state.
    Participant(ParticipantState),
    /// A client's progress.
    Client(TpcClientState),
}

impl TpcState {
    /// The coordinator's state, if this is the coordinator.
    pub fn coordinator(&self) -> Option<&CoordinatorState> {
        match self {
            TpcState::Coordinator(s) => Some(s),
            _ => None,
        }
    }

    /// The participant's state, if this is a participant.
    pub fn participant(&self) -> Option<&ParticipantState> {
        match self {
            TpcState::Participant(s) => Some(s),
            _ => None,
        }
    }
}

impl Protocol for TpcNode {
    type Msg = TpcMsg;
    type State = TpcState;
    type Timer = TpcTimer;
    type Durable = TpcDurable;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&TpcDurable>,
        out: &mut Effects<Self>,
    ) -> TpcState {
        match self {
            TpcNode::Coordinator(c) => TpcState::Coordinator(c.on_start(recovered, out)),
            TpcNode::Participant(p) => TpcState::Participant(p.on_start(recovered, out)),
            TpcNode::Client(c) => TpcState::Client(c.on_start(out)),
        }
    }

    fn on_msg(
        &self,
        _me: NodeId,
        state: &mut TpcState,
        from: NodeId,
        msg: TpcMsg,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (TpcNode::Coordinator(c), TpcState::Coordinator(s)) => c.on_msg(s, from, msg, out),
            (TpcNode::Participant(p), TpcState::Participant(s)) => p.on_msg(s, from, msg, out),
            (TpcNode::Client(c), TpcState::Client(s)) => c.on_msg(s, &msg, out),
            _ => unreachable!("a node's state always matches its role"),
        }
    }

    fn on_timer(
        &self,
        _me: NodeId,
        state: &mut TpcState,
        _timer: TpcTimer,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (TpcNode::Coordinator(c), TpcState::Coordinator(s)) => c.on_timer(s, out),
            (TpcNode::Participant(p), TpcState::Participant(s)) => p.on_timer(s, out),
            _ => {}
        }
    }

    fn role(&self) -> &'static str {
        match self {
            TpcNode::Coordinator(_) => "coordinator",
            TpcNode::Participant(_) => "participant",
            TpcNode::Client(_) => "client",
        }
    }
}
