//! What the real-network backends ([`netns`](super::netns), [`ssh`](super::ssh)) share: the
//! cluster file that says how to start a system's nodes and reach them, the iptables rules that
//! realise partitions and loss, the readiness probe, the client threads that speak a system
//! adapter, and the leader watcher.
//!
//! Map:
//! - [`RealCluster`] (`cluster.rs`): the one cluster of both backends, over their
//!   [`Machines`];
//! - [`ClusterFile`] (`cluster_file.rs` + `cluster_file/hosts.rs`): the TOML file;
//! - `rules.rs`: the iptables chains and rules (pure);
//! - `ready.rs`: waiting until every node answers its readiness probe;
//! - `clients.rs`: [`AdapterClient`], a worker thread holding adapter connections;
//! - `leader.rs`: leader reports and time to a new leader after the leader is taken away;
//! - [`System`] (`system.rs`): the cluster file and adapter, with the checks, replay words,
//!   client addresses and leader watcher both backends share;
//! - `summary.rs`: the backend's section of `results.json` and its lines for the terminal;
//! - `marker.rs`: the run's marker, so the next run cleans up after one that was killed;
//! - `command.rs`: running a helper program (`ip`, `iptables-restore`, `ssh`) with input;
//! - `namespace.rs`: entering a network namespace (the netns backend's threads).

mod clients;
mod cluster;
pub mod cluster_file;
pub(crate) mod command;
pub(crate) mod leader;
pub mod marker;
pub(crate) mod namespace;
pub(crate) mod ready;
pub(crate) mod rules;
pub(crate) mod summary;
mod system;

pub use clients::AdapterClient;
pub use cluster::{Machines, Processes, RealCluster};
pub use cluster_file::{ClusterFile, Fill, Ready};
pub use leader::Failover;
pub use system::{System, Watching};
