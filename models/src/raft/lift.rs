//! [`Lift`] for [`RaftServer`]: a deployed server is the `raft` spec's server without bounds, so
//! its state is the spec's server state as it is.

use super::{Raft, RaftNodeState, RaftServer, ServerState};
use crate::lift::{Cluster, Lift};
use crate::maelstrom::KvSystemState;
use crate::ModelError;

impl Lift for RaftServer {
    type Spec = Raft;
    type Ghost = ();

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<Raft, ModelError> {
        Ok(Raft::deployed(cluster.nodes.len(), cluster.bug.as_deref()))
    }

    fn lift(state: &ServerState, _ghost: &(), _view: u64) -> RaftNodeState {
        KvSystemState::Server(state.clone())
    }
}
