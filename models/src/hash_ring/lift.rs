//! [`Lift`] for [`RingServer`]: a deployed server is the `hash-ring` spec's server with every
//! server in ring 0 and no script, so its state is the spec's server state as it is (its ghost
//! `served_moved_read` included: the protocol code keeps it on real nodes too).

use super::{HashRing, RingNodeState, RingServer, RingState};
use crate::lift::{Cluster, Lift};
use crate::maelstrom::KvSystemState;
use crate::ModelError;

impl Lift for RingServer {
    type Spec = HashRing;
    type Ghost = ();

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<HashRing, ModelError> {
        Ok(HashRing::deployed(
            cluster.nodes.len(),
            cluster.bug.as_deref(),
        ))
    }

    fn lift(state: &RingState, _ghost: &(), _view: u64) -> RingNodeState {
        KvSystemState::Server(state.clone())
    }
}
