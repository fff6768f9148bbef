//! System adapters: how the netns backend's clients speak to a real system. An adapter is one
//! file implementing [`SystemAdapter`] (which workloads it speaks, how to connect to a node)
//! and [`SystemClient`] (one operation in, one [`Reply`] out); the next real system is one
//! adapter file plus a cluster file under `examples/clusters/`.
//!
//! Map of this module:
//! - [`SystemAdapter`], [`SystemClient`], [`adapter`], [`ADAPTERS`] (here);
//! - `etcd.rs`: etcd's v3 HTTP/JSON gateway (`lin-kv`), with leader reports;
//! - `maelstrom.rs`: Maelstrom's own protocol over TCP, spoken by `splitbrain shim` on each
//!   node — every workload, so any Maelstrom node runs on a real network;
//! - `http.rs`: the keep-alive HTTP/1.1 client adapters and readiness probes use.
//!
//! Clients are blocking: each runs on a thread of its own inside the client namespace (a
//! socket belongs to the namespace of the thread that opened it), so an adapter can use any
//! blocking client library.

mod etcd;
pub mod http;
mod maelstrom;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Map, Value as Json};

pub use etcd::ReadMode;

use super::backend::Reply;
use super::workload::{Invocation, WorkloadName};

/// The adapters, by the name a cluster file gives in `client = "..."`.
pub const ADAPTERS: [&str; 2] = ["etcd", "maelstrom"];

/// What the command line says about adapters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdapterOptions {
    /// etcd: serializable (local, possibly stale) reads instead of linearizable ones.
    pub etcd_serializable_reads: bool,
}

/// The adapter named `name` (one of [`ADAPTERS`]).
pub fn adapter(name: &str, options: AdapterOptions) -> Option<Box<dyn SystemAdapter>> {
    match name {
        "etcd" => Some(Box::new(etcd::Etcd::new(
            if options.etcd_serializable_reads {
                ReadMode::Serializable
            } else {
                ReadMode::Linearizable
            },
        ))),
        "maelstrom" => Some(Box::new(maelstrom::Maelstrom::default())),
        _ => None,
    }
}

/// A real system's client side.
pub trait SystemAdapter: Send + Sync + 'static {
    /// Its name in a cluster file.
    fn name(&self) -> &'static str;

    /// Whether its clients speak `workload`; if not, why (refused before anything starts).
    fn supports(&self, workload: WorkloadName) -> Result<(), String>;

    /// A client of node `node` at `addr` (connected on first use, from the calling thread's
    /// network namespace).
    fn connect(&self, node: usize, addr: SocketAddr) -> Box<dyn SystemClient>;

    /// Words of `splitbrain run` that select this adapter's options, for the replay command.
    fn replay_args(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether its clients answer [`SystemClient::leader`] (then failover times are measured).
    fn reports_leaders(&self) -> bool {
        false
    }

    /// Its settings, for the backend's section of `results.json`.
    fn settings(&self) -> Map<String, Json> {
        Map::new()
    }
}

/// What a node says about leadership: its own member id and the leader's (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderStatus {
    /// The answering node's member id.
    pub member: u64,
    /// The leader it knows of, 0 for none.
    pub leader: u64,
}

/// One client connection to one node.
pub trait SystemClient: Send {
    /// Runs `op` (whose Maelstrom request body is `request`), waiting up to `timeout`.
    fn invoke(&mut self, op: &Invocation, request: &Json, timeout: Duration) -> Reply;

    /// A workload's setup request (a Maelstrom body): the reply body, or why there is none.
    fn setup(&mut self, request: &Json, _timeout: Duration) -> Result<Json, String> {
        Err(format!(
            "this adapter sends no setup requests such as {request}"
        ))
    }

    /// Who leads, as this node says, for failover times; `None` when the system has no such
    /// notion or the node did not answer.
    fn leader(&mut self, _timeout: Duration) -> Option<LeaderStatus> {
        None
    }
}
