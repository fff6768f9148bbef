//! [`LeaseNode`]: the lease lock system's roles as one [`Protocol`].

use serde::{Deserialize, Serialize};

use super::{
    LeaseDurable, LeaseTimer, LockClient, LockClientState, LockMsg, LockServer, LockState, Storage,
    StorageState,
};
use crate::protocol::{Effects, NodeId, Protocol};
use crate::system::Rename;

/// An actor of the lease lock system. A real host runs `Lock` on one node and `Storage` on
/// another; clients are the workload's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LeaseNode {
    /// The lock server.
    Lock(LockServer),
    /// The storage service.
    Storage(Storage),
    /// A client.
    Client(LockClient),
}

/// The state of a [`LeaseNode`]. Ordered by role first, so sorting actor states (symmetry)
/// keeps roles apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LeaseState {
    /// The lock server's state.
    Lock(LockState),
    /// The storage's contents.
    Storage(StorageState),
    /// A client's progress.
    Client(LockClientState),
}

impl Rename for LeaseState {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        match self {
            LeaseState::Lock(s) => LeaseState::Lock(s.rename(rename)),
            LeaseState::Storage(s) => LeaseState::Storage(s.rename(rename)),
            LeaseState::Client(s) => LeaseState::Client(s.rename(rename)),
        }
    }
}

impl Protocol for LeaseNode {
    type Msg = LockMsg;
    type State = LeaseState;
    type Timer = LeaseTimer;
    type Durable = LeaseDurable;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&LeaseDurable>,
        out: &mut Effects<Self>,
    ) -> LeaseState {
        match self {
            LeaseNode::Lock(lock) => LeaseState::Lock(lock.on_start(recovered)),
            LeaseNode::Storage(storage) => LeaseState::Storage(storage.on_start(recovered)),
            LeaseNode::Client(client) => LeaseState::Client(client.on_start(out)),
        }
    }

    fn on_msg(
        &self,
        _me: NodeId,
        state: &mut LeaseState,
        from: NodeId,
        msg: LockMsg,
        out: &mut Effects<Self>,
    ) {
        match (self, state) {
            (LeaseNode::Lock(lock), LeaseState::Lock(state)) => lock.on_msg(state, from, msg, out),
            (LeaseNode::Storage(storage), LeaseState::Storage(state)) => {
                storage.on_msg(state, from, msg, out)
            }
            (LeaseNode::Client(client), LeaseState::Client(state)) => {
                client.on_msg(state, msg, out)
            }
            _ => unreachable!("a node's state always matches its role"),
        }
    }

    fn on_timer(
        &self,
        _me: NodeId,
        state: &mut LeaseState,
        timer: LeaseTimer,
        out: &mut Effects<Self>,
    ) {
        if let (LeaseNode::Lock(lock), LeaseState::Lock(state)) = (self, state) {
            lock.on_timer(state, timer, out);
        }
    }

    fn role(&self) -> &'static str {
        match self {
            LeaseNode::Lock(_) => "lock server",
            LeaseNode::Storage(_) => "storage",
            LeaseNode::Client(_) => "client",
        }
    }
}
