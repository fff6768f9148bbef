//! [`Endpoint`]: an address on a Maelstrom network: a node, a client, or one of Maelstrom's
//! services ([`ServiceId`]).

use super::ids::{client_id, client_index, node_id, node_index};

/// An address on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Node in slot `i` (`n<i>`).
    Node(usize),
    /// Client `c<k>`.
    Client(u32),
    /// A Maelstrom service.
    Service(ServiceId),
}

impl Endpoint {
    /// The endpoint named `id` on a network of `node_count` nodes.
    pub fn parse(id: &str, node_count: usize) -> Option<Endpoint> {
        if let Some(i) = node_index(id, node_count) {
            Some(Endpoint::Node(i))
        } else if let Some(k) = client_index(id) {
            Some(Endpoint::Client(k))
        } else {
            ServiceId::from_name(id).map(Endpoint::Service)
        }
    }

    /// Its id on the wire.
    pub fn name(self) -> String {
        match self {
            Endpoint::Node(i) => node_id(i),
            Endpoint::Client(k) => client_id(k),
            Endpoint::Service(s) => s.name().to_string(),
        }
    }
}

/// A Maelstrom service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceId {
    /// `lin-kv`: a linearizable key-value store.
    LinKv,
    /// `seq-kv`: a sequentially consistent key-value store.
    SeqKv,
    /// `lww-kv`: an eventually consistent, last-write-wins key-value store.
    LwwKv,
    /// `lin-tso`: a linearizable timestamp oracle.
    LinTso,
}

impl ServiceId {
    /// Every service.
    pub const ALL: [ServiceId; 4] = [
        ServiceId::LinKv,
        ServiceId::SeqKv,
        ServiceId::LwwKv,
        ServiceId::LinTso,
    ];

    /// Its node id on the network.
    pub fn name(self) -> &'static str {
        match self {
            ServiceId::LinKv => "lin-kv",
            ServiceId::SeqKv => "seq-kv",
            ServiceId::LwwKv => "lww-kv",
            ServiceId::LinTso => "lin-tso",
        }
    }

    /// The service with node id `name`.
    pub fn from_name(name: &str) -> Option<ServiceId> {
        ServiceId::ALL.into_iter().find(|s| s.name() == name)
    }
}
