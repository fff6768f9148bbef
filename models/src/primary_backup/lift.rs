//! [`Lift`] for [`PbServer`]: a deployed server is the `primary-backup` spec's server without
//! bounds, so its state is the spec's server state as it is (its ghost record of acknowledged
//! writes included: the protocol code keeps it on real nodes too).

use super::{PbNodeState, PbServer, PbState, PrimaryBackup};
use crate::lift::{Cluster, Lift};
use crate::maelstrom::KvSystemState;
use crate::ModelError;

impl Lift for PbServer {
    type Spec = PrimaryBackup;
    type Ghost = ();

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<PrimaryBackup, ModelError> {
        Ok(PrimaryBackup::deployed(
            cluster.nodes.len(),
            cluster.bug.as_deref(),
        ))
    }

    fn lift(state: &PbState, _ghost: &(), _view: u64) -> PbNodeState {
        KvSystemState::Server(state.clone())
    }
}
