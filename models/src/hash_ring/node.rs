//! [`RingNode`]: the hash-ring system's actors (servers and scripted `lin-kv` clients) as one
//! [`Protocol`](crate::protocol::Protocol).

use super::{RingServer, RingState};
use crate::maelstrom::{KvSystemNode, KvSystemState};

/// An actor of the hash-ring system. A real host runs the server alone as a Maelstrom node;
/// clients are the workload's.
pub type RingNode = KvSystemNode<RingServer>;

/// The state of a [`RingNode`].
pub type RingNodeState = KvSystemState<RingState>;
