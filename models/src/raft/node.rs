//! [`RaftNode`]: the Raft system's actors (servers and scripted `lin-kv` clients) as one
//! [`Protocol`](crate::protocol::Protocol).

use super::{RaftServer, ServerState};
use crate::maelstrom::{KvSystemNode, KvSystemState};

/// An actor of the Raft system. A real host runs the server alone as a Maelstrom node; clients
/// are the workload's.
pub type RaftNode = KvSystemNode<RaftServer>;

/// The state of a [`RaftNode`].
pub type RaftNodeState = KvSystemState<ServerState>;
