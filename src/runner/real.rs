//! What the real-network backends ([`netns`](super::netns), [`ssh`](super::ssh)) share: the
//! cluster file that says how to start a system's nodes and reach them, the iptables rules that
//! realise partitions and loss, the readiness probe, the client threads that speak a system
//! adapter, and the leader watcher.
//!
//! Map:
//! - [`ClusterFile`] (`cluster_file.rs` + `cluster_file/hosts.rs`): the TOML file;
//! - `rules.rs`: the iptables chains and rules (pure);
//! - `ready.rs`: waiting until every node answers its readiness probe;
//! - `clients.rs`: [`AdapterClient`], a worker thread holding adapter connections;
//! - `leader.rs`: leader reports and time to a new leader after the leader is taken away;
//! - `marker.rs`: the run's marker, so the next run cleans up after one that was killed;
//! - `namespace.rs`: entering a network namespace (the netns backend's threads).

mod clients;
pub mod cluster_file;
pub(crate) mod leader;
pub mod marker;
pub(crate) mod namespace;
pub(crate) mod ready;
pub(crate) mod rules;

pub use clients::AdapterClient;
pub use cluster_file::{ClusterFile, Fill, Ready};
pub use leader::Failover;
