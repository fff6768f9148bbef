//! [`Topology`]: how many nodes and clients a system has, and the mapping between
//! [`NodeId`]s and stateright's actor ids.

use stateright::actor::Id;

use crate::protocol::NodeId;

/// The actors of a system: nodes `n0 … n{nodes-1}` (actor indices `0 … nodes-1`), then clients
/// `c0 … c{clients-1}` (actor indices `nodes …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Topology {
    nodes: usize,
    clients: usize,
}

impl Topology {
    /// A system of `nodes` nodes and `clients` clients.
    pub fn new(nodes: usize, clients: usize) -> Topology {
        Topology { nodes, clients }
    }

    /// The number of nodes.
    pub fn nodes(self) -> usize {
        self.nodes
    }

    /// The number of clients.
    pub fn clients(self) -> usize {
        self.clients
    }

    /// The number of actors (nodes and clients).
    pub fn len(self) -> usize {
        self.nodes + self.clients
    }

    /// Whether the system has no actor at all.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Every actor, nodes first.
    pub fn ids(self) -> impl Iterator<Item = NodeId> {
        NodeId::nodes(self.nodes).chain((0..self.clients).map(NodeId::client))
    }

    /// The actor index of `node`.
    pub fn index(self, node: NodeId) -> usize {
        match node {
            NodeId::Node(i) => i as usize,
            NodeId::Client(i) => self.nodes + i as usize,
        }
    }

    /// The node id of the actor at `index`.
    pub fn node_at(self, index: usize) -> NodeId {
        if index < self.nodes {
            NodeId::node(index)
        } else {
            NodeId::client(index - self.nodes)
        }
    }

    pub(crate) fn node_id(self, id: Id) -> NodeId {
        self.node_at(usize::from(id))
    }

    pub(crate) fn actor_id(self, node: NodeId) -> Id {
        Id::from(self.index(node))
    }
}
