//! [`NodeId`]: Maelstrom-style names for nodes (`n0`, `n1`, …) and clients (`c0`, `c1`, …), and
//! [`NodeSet`], a set of nodes for quorum counting.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// Who a message is from or to: a node `n{i}` or a client `c{i}`.
///
/// Serialized as Maelstrom spells it (`"n0"`, `"c3"`). Nodes order before clients, each by index.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    /// A protocol node, `n{index}`.
    Node(u32),
    /// A client, `c{index}`.
    Client(u32),
}

impl NodeId {
    /// The node `n{index}`.
    pub fn node(index: usize) -> NodeId {
        NodeId::Node(index as u32)
    }

    /// The client `c{index}`.
    pub fn client(index: usize) -> NodeId {
        NodeId::Client(index as u32)
    }

    /// The index within its kind (`n3` → 3, `c1` → 1).
    pub fn index(self) -> usize {
        match self {
            NodeId::Node(i) | NodeId::Client(i) => i as usize,
        }
    }

    /// Whether this is a client.
    pub fn is_client(self) -> bool {
        matches!(self, NodeId::Client(_))
    }

    /// The nodes `n0 … n{count-1}`.
    pub fn nodes(count: usize) -> impl Iterator<Item = NodeId> + Clone {
        (0..count).map(NodeId::node)
    }

    /// The nodes `n0 … n{count-1}` except `self`: a node's peers.
    pub fn peers(self, count: usize) -> impl Iterator<Item = NodeId> + Clone {
        NodeId::nodes(count).filter(move |n| *n != self)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Node(i) => write!(f, "n{i}"),
            NodeId::Client(i) => write!(f, "c{i}"),
        }
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The error for a string that is not `n{index}` or `c{index}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a node id: expected `n<index>` or `c<index>`")]
pub struct ParseNodeIdError(String);

impl FromStr for NodeId {
    type Err = ParseNodeIdError;

    fn from_str(s: &str) -> Result<NodeId, ParseNodeIdError> {
        let error = || ParseNodeIdError(s.to_owned());
        let (kind, digits) = s.split_at_checked(1).ok_or_else(error)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let index: u32 = digits.parse().map_err(|_| error())?;
        match kind {
            "n" => Ok(NodeId::Node(index)),
            "c" => Ok(NodeId::Client(index)),
            _ => Err(error()),
        }
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NodeId, D::Error> {
        struct NodeIdVisitor;
        impl Visitor<'_> for NodeIdVisitor {
            type Value = NodeId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a node id such as \"n0\" or \"c1\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeId, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(NodeIdVisitor)
    }
}

/// A set of nodes `n0 … n63` (never clients), for counting promises, votes and acks.
///
/// A bitset: cheap to clone, hash and compare. Serialized as a list of node ids.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeSet(u64);

impl NodeSet {
    /// The largest number of nodes a set can hold.
    pub const CAPACITY: usize = 64;

    /// The empty set.
    pub fn new() -> NodeSet {
        NodeSet(0)
    }

    /// Adds `node`; returns whether it was new. Panics for a client or an index ≥ 64.
    pub fn insert(&mut self, node: NodeId) -> bool {
        let bit = Self::bit(node);
        let new = self.0 & bit == 0;
        self.0 |= bit;
        new
    }

    /// Whether `node` is in the set.
    pub fn contains(self, node: NodeId) -> bool {
        !node.is_client() && node.index() < Self::CAPACITY && self.0 & Self::bit(node) != 0
    }

    /// How many nodes the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set is a strict majority of a cluster of `cluster_size` nodes.
    pub fn is_majority_of(self, cluster_size: usize) -> bool {
        self.len() > cluster_size / 2
    }

    /// The nodes in the set, by index.
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        (0..Self::CAPACITY)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(NodeId::node)
    }

    fn bit(node: NodeId) -> u64 {
        assert!(
            !node.is_client() && node.index() < Self::CAPACITY,
            "NodeSet holds nodes n0..n63, not {node}"
        );
        1 << node.index()
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(iter: I) -> NodeSet {
        let mut set = NodeSet::new();
        for node in iter {
            set.insert(node);
        }
        set
    }
}

impl fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for NodeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for node in self.iter() {
            seq.serialize_element(&node)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for NodeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NodeSet, D::Error> {
        struct NodeSetVisitor;
        impl<'de> Visitor<'de> for NodeSetVisitor {
            type Value = NodeSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of node ids n0..n63")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeSet, A::Error> {
                let mut set = NodeSet::new();
                while let Some(node) = seq.next_element::<NodeId>()? {
                    if node.is_client() || node.index() >= NodeSet::CAPACITY {
                        return Err(de::Error::custom(format!("{node} cannot be in a NodeSet")));
                    }
                    set.insert(node);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(NodeSetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_round_trip_through_maelstrom_names() {
        for id in [NodeId::node(0), NodeId::node(12), NodeId::client(3)] {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{id}\""));
            assert_eq!(serde_json::from_str::<NodeId>(&json).unwrap(), id);
        }
    }

    #[test]
    fn rejects_names_that_are_not_node_ids() {
        for bad in ["", "n", "x1", "n-1", "c1a", "lin-kv"] {
            assert!(bad.parse::<NodeId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn node_set_counts_majorities() {
        let mut set = NodeSet::new();
        assert!(set.insert(NodeId::node(0)));
        assert!(!set.insert(NodeId::node(0)));
        assert!(!set.is_majority_of(3));
        set.insert(NodeId::node(2));
        assert!(set.is_majority_of(3));
        assert!(!set.is_majority_of(4));
        assert_eq!(format!("{set:?}"), "{n0, n2}");
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["n0","n2"]"#);
        assert_eq!(serde_json::from_str::<NodeSet>(&json).unwrap(), set);
    }

    #[test]
    fn nodes_order_before_clients() {
        assert!(NodeId::node(5) < NodeId::client(0));
        let peers: Vec<_> = NodeId::node(1).peers(3).collect();
        assert_eq!(peers, [NodeId::node(0), NodeId::node(2)]);
    }
}
