//! [`Deployable`]: a protocol that `splitbrain node NAME` can run as a real Maelstrom node.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{NodeId, Protocol};
use crate::ModelError;

/// A protocol node that also runs for real, as one process of a Maelstrom cluster.
///
/// The model checker builds nodes with small bounds (terms, rounds, log length) so the state
/// space stays finite; a deployed node has none of those bounds. The host learns the cluster
/// from Maelstrom's `init` message (`node_id`, `node_ids`), then calls [`Deployable::deploy`]
/// once and drives the returned configuration through the [`Protocol`] handlers.
///
/// Client requests arrive as Maelstrom bodies from `c0, c1, …` and must deserialize as
/// [`Protocol::Msg`]; replies the node sends to a client go back to it as Maelstrom bodies.
/// Timer ranges given to [`Effects::set_timer`](super::Effects::set_timer) are real durations
/// to a deployed node, so they must be realistic (election timeouts of hundreds of
/// milliseconds, not zero).
///
/// Timers serialize, so the host can journal which timer fired and a validator can replay it.
pub trait Deployable: Protocol<Timer: Serialize + DeserializeOwned> {
    /// The name `splitbrain node NAME` knows this protocol by (`raft`, `g-counter`, …).
    const NODE_NAME: &'static str;

    /// The bug variants a deployed node accepts with `--bug`, by the names the model uses.
    fn deployable_bugs() -> Vec<&'static str> {
        Vec::new()
    }

    /// The node `me` of a cluster of `nodes` (`n0..`, in Maelstrom's order), running `bug` if
    /// given. An unknown bug name is an error naming the known ones.
    fn deploy(me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError>;
}
