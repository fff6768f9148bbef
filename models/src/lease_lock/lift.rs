//! [`Lift`] for [`LeaseNode`]: the deployed lock server and storage are the `lease-lock` spec's
//! nodes, so their states are the spec's as they are.

use super::{LeaseLock, LeaseNode, LeaseState};
use crate::lift::{Cluster, Lift};
use crate::ModelError;

impl Lift for LeaseNode {
    type Spec = LeaseLock;
    type Ghost = ();

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<LeaseLock, ModelError> {
        if cluster.nodes.len() != 2 {
            return Err(ModelError::Lift {
                what: format!(
                    "a lease lock cluster has 2 nodes (lock server, storage), not {}",
                    cluster.nodes.len()
                ),
            });
        }
        Ok(LeaseLock::deployed(cluster.bug.as_deref()))
    }

    fn lift(state: &LeaseState, _ghost: &(), _view: u64) -> LeaseState {
        state.clone()
    }
}
