//! The in-process network: every message between nodes, clients and services passes through one
//! router task, which applies latency, loss, duplication, reordering and partitions (drawn from
//! one seeded RNG), logs every message to `messages.jsonl`, and runs Maelstrom's services.
//!
//! Map of this module, in reading order:
//! - [`NetOptions`], [`LatencyDist`], [`Endpoint`], [`NetStats`] (here): configuration, addresses,
//!   counters;
//! - `links.rs`: the pure per-message decisions (drop, delay, duplicate; blocked by a partition);
//! - `envelope.rs`: reading a node's stdout line (`src`, `dest`, `body`) without re-encoding it;
//! - `journal.rs`: `messages.jsonl`;
//! - `delay.rs`: the heap of messages waiting for their delivery time;
//! - `service.rs` + `service/`: `lin-kv`, `seq-kv`, `lww-kv`, `lin-tso` as pure state machines;
//! - `router.rs`: the async task that ties these together, and its handle.
//!
//! Maelstrom's rules, kept here: messages with a client at either end get no latency and no
//! faults (only a targeted nemesis may drop a client's request); services get latency but are never partitioned (nor, here, subject to loss or
//! duplication); partitions drop messages when they are delivered, so messages already in flight
//! are lost when a partition starts.

mod delay;
mod envelope;
mod journal;
mod links;
mod router;
mod service;

use std::time::Duration;

use serde::Serialize;

pub(crate) use envelope::{parse_line, EnvelopeError};
pub(crate) use journal::Journal;
pub(crate) use links::Links;
pub(crate) use router::{start, Control, Outgoing, RouterHandle, Targeted};
pub use service::ServiceId;

use super::protocol;

/// How message latency is distributed around its mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LatencyDist {
    /// Always the mean.
    #[default]
    Constant,
    /// Uniform in 0 .. 2 × mean.
    Uniform,
    /// Exponential with the given mean.
    Exponential,
}

impl LatencyDist {
    /// Every distribution.
    pub const ALL: [LatencyDist; 3] = [
        LatencyDist::Constant,
        LatencyDist::Uniform,
        LatencyDist::Exponential,
    ];

    /// Its name in `--latency-dist`.
    pub fn name(self) -> &'static str {
        match self {
            LatencyDist::Constant => "constant",
            LatencyDist::Uniform => "uniform",
            LatencyDist::Exponential => "exponential",
        }
    }

    /// The distribution named `name`.
    pub fn from_name(name: &str) -> Option<LatencyDist> {
        LatencyDist::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// The network's standing behaviour (the nemesis adds faults on top).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct NetOptions {
    /// Mean latency of node↔node and node↔service messages.
    pub latency: Duration,
    /// Its distribution.
    pub latency_dist: LatencyDist,
    /// Probability that a node↔node message is lost.
    pub loss: f64,
    /// Probability that a node↔node message is delivered twice.
    pub duplicate: f64,
    /// Probability that a node↔node message is held back (delivered after later ones).
    pub reorder: f64,
}

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
        if let Some(i) = protocol::node_index(id, node_count) {
            Some(Endpoint::Node(i))
        } else if let Some(k) = protocol::client_index(id) {
            Some(Endpoint::Client(k))
        } else {
            ServiceId::from_name(id).map(Endpoint::Service)
        }
    }

    /// Its id on the wire.
    pub fn name(self) -> String {
        match self {
            Endpoint::Node(i) => protocol::node_id(i),
            Endpoint::Client(k) => protocol::client_id(k),
            Endpoint::Service(s) => s.name().to_string(),
        }
    }
}

/// What the network did, counted over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    /// Messages sent (by nodes, clients and services; duplicates not counted).
    pub sent: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
    /// Dropped: lost (`--loss` or a loss fault).
    pub lost: u64,
    /// Dropped: the receiver was partitioned from the sender.
    pub partitioned: u64,
    /// Dropped: the receiver was down (killed, or the client gone) or unknown.
    pub undeliverable: u64,
    /// Messages between two nodes (sent).
    pub node_to_node: u64,
    /// Messages to or from a client (sent).
    pub client: u64,
    /// Messages to or from a service (sent).
    pub service: u64,
}
