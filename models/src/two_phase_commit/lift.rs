//! [`Lift`] for [`TpcNode`]: the deployed coordinator and participants are the
//! `two-phase-commit` spec's nodes (unbounded, with the deployed bank's accounts), so their
//! states are the spec's as they are — ghost outcomes included: the protocol code keeps them
//! on real nodes too.

use super::{TpcNode, TpcState, TwoPhaseCommit, DEPLOYED_ACCOUNTS, DEPLOYED_BALANCE};
use crate::lift::{Cluster, Lift};
use crate::ModelError;

impl Lift for TpcNode {
    type Spec = TwoPhaseCommit;
    type Ghost = ();

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<TwoPhaseCommit, ModelError> {
        if cluster.nodes.len() < 2 {
            return Err(ModelError::Lift {
                what: format!(
                    "a two-phase commit cluster has a coordinator and at least one \
                     participant, not {} node(s)",
                    cluster.nodes.len()
                ),
            });
        }
        Ok(TwoPhaseCommit::deployed(
            cluster.nodes.len(),
            DEPLOYED_ACCOUNTS,
            DEPLOYED_BALANCE,
            cluster.bug.as_deref(),
        ))
    }

    fn lift(state: &TpcState, _ghost: &(), _view: u64) -> TpcState {
        state.clone()
    }
}
