//! System adapters: how the netns backend's clients speak to a real system. An adapter is one
//! file implementing [`SystemAdapter`] (which workloads it speaks, how to connect to a node)
//! and [`SystemClient`] (one operation in, one [`Reply`] out), plus its line in [`ADAPTERS`]
//! (its name, its [`Setting`]s, how it is built); the next real system is one adapter file
//! plus a cluster file under `examples/clusters/`.
//!
//! Map of this module:
//! - [`SystemAdapter`], [`SystemClient`], [`AdapterKind`], [`ADAPTERS`] (here);
//! - `etcd.rs`: etcd's v3 HTTP/JSON gateway (`lin-kv`), with leader reports;
//! - `maelstrom.rs`: Maelstrom's own protocol over TCP, spoken by `splitbrain shim` on each
//!   node — every workload, so any Maelstrom node runs on a real network;
//! - `postgres.rs`, `mariadb.rs`: PostgreSQL and MariaDB (InnoDB) — `txn-list-append` and
//!   `txn-rw-register` as SQL transactions at the cluster file's isolation level, on `sql.rs`
//!   (what both share: tables, micro-ops as statements, which errors fail and which are `info`);
//! - `redis.rs` (+ `redis/`): Redis — `lin-kv` with WATCH/MULTI/EXEC for `cas`, through
//!   Sentinel to the primary; `lease-lock` as `SET NX PX` with fencing tokens; leader reports
//!   from `ROLE`;
//! - `zookeeper.rs`: ZooKeeper — `lin-kv` over znodes (versioned `setData` for `cas`, `sync`
//!   before reads unless told otherwise);
//! - `settings.rs`: [`Setting`], [`Settings`]: the knobs each adapter declares, given in a
//!   cluster file's `[settings]` and overridden with `--set KEY=VALUE`;
//! - `http.rs`: the keep-alive HTTP/1.1 client adapters and readiness probes use;
//! - `plain.rs`: one request and its answer on a fresh TCP connection (four-letter words,
//!   inline commands), for probes and ZooKeeper's leader reports.
//!
//! Clients are blocking: each runs on a thread of its own inside the client namespace (a
//! socket belongs to the namespace of the thread that opened it), so an adapter can use any
//! blocking client library.

mod etcd;
pub mod http;
mod maelstrom;
mod mariadb;
pub mod plain;
mod postgres;
mod redis;
pub mod settings;
mod sql;
mod zookeeper;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

pub use etcd::ReadMode;
pub use settings::{Kind, Setting, Settings};

use super::backend::Reply;
use super::workload::{Invocation, WorkloadName};

/// One kind of adapter: its name in a cluster file (`client = "..."`), the settings it takes,
/// and how it is built.
#[derive(Clone, Copy)]
pub struct AdapterKind {
    /// Its name in a cluster file.
    pub name: &'static str,
    /// The settings it takes (`[settings]`, `--set KEY=VALUE`).
    pub settings: &'static [Setting],
    /// Builds the adapter.
    build: Build,
}

/// How an adapter is built: from its settings, for a cluster whose nodes' client addresses are
/// given, for the run's workload when known.
type Build = fn(&Settings, &[SocketAddr], Option<WorkloadName>) -> Box<dyn SystemAdapter>;

impl std::fmt::Debug for AdapterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterKind")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every adapter, in the order `--help` lists them.
pub const ADAPTERS: [AdapterKind; 6] = [
    AdapterKind {
        name: "etcd",
        settings: etcd::SETTINGS,
        build: etcd::build,
    },
    AdapterKind {
        name: "maelstrom",
        settings: &[],
        build: maelstrom::build,
    },
    AdapterKind {
        name: "mariadb",
        settings: mariadb::SETTINGS,
        build: mariadb::build,
    },
    AdapterKind {
        name: "postgres",
        settings: postgres::SETTINGS,
        build: postgres::build,
    },
    AdapterKind {
        name: "redis",
        settings: redis::SETTINGS,
        build: redis::build,
    },
    AdapterKind {
        name: "zookeeper",
        settings: zookeeper::SETTINGS,
        build: zookeeper::build,
    },
];

/// The adapter kind named `name`.
pub fn kind(name: &str) -> Option<&'static AdapterKind> {
    ADAPTERS.iter().find(|a| a.name == name)
}

/// The names of every adapter, joined with `, ` (for messages).
pub fn names() -> String {
    ADAPTERS.map(|a| a.name).join(", ")
}

/// What the command line says about adapters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdapterOptions {
    /// `--set KEY=VALUE`, in the order given: overrides the cluster file's `[settings]`.
    pub settings: Vec<(String, String)>,
    /// The run's workload (`--workload`): the SQL adapters keep lists and registers in
    /// different tables, and a read-only transaction does not say which it reads.
    pub workload: Option<WorkloadName>,
}

impl AdapterKind {
    /// The adapter with its settings resolved: the declared defaults, then `file` (the cluster
    /// file's `[settings]`), then `options` (the command line); for nodes at `nodes`.
    pub fn build(
        &self,
        file: &[(String, String)],
        options: &AdapterOptions,
        nodes: &[SocketAddr],
    ) -> Result<(Box<dyn SystemAdapter>, Settings), String> {
        let settings = Settings::resolve(self.name, self.settings, &[file, &options.settings])?;
        Ok(((self.build)(&settings, nodes, options.workload), settings))
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

    /// Makes node `node` at `addr` ready for the workload, once, after it answers its readiness
    /// probe and before any operation (a SQL adapter creates its tables), trying until
    /// `deadline`; why it could not, if it could not. Called from the client namespace.
    fn prepare(&self, _node: usize, _addr: SocketAddr, _deadline: Instant) -> Result<(), String> {
        Ok(())
    }

    /// Whether its clients answer [`SystemClient::leader`] (then failover times are measured).
    fn reports_leaders(&self) -> bool {
        false
    }
}

/// A node's member id in leader reports, for systems whose nodes have no ids of their own to
/// report: its address as a number.
pub(crate) fn member_id(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => u64::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6) as u64,
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
