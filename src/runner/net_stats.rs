//! [`NetStats`]: what the network did, counted over a run.

use serde::Serialize;

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
    /// Of the lost: dropped by a loss fault (the evidence it took effect).
    pub lost_by_fault: u64,
    /// Messages given a latency fault's extra delay (the evidence it took effect).
    pub slowed: u64,
}
