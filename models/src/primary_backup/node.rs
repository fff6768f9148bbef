//! [`PbNode`]: the primary-backup system's actors (servers and scripted `lin-kv` clients) as one
//! [`Protocol`](crate::protocol::Protocol).

use super::{PbServer, PbState};
use crate::maelstrom::{KvSystemNode, KvSystemState};

/// An actor of the primary-backup system. A real host runs the server alone as a Maelstrom
/// node; clients are the workload's.
pub type PbNode = KvSystemNode<PbServer>;

/// The state of a [`PbNode`].
pub type PbNodeState = KvSystemState<PbState>;
