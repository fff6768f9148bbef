//! The Redis adapter (`client = "redis"`), on the `redis` crate's blocking connections.
//!
//! Where an operation goes: with `sentinel-port` set (a primary and replicas under Sentinel),
//! a client of node `k` asks the Sentinel on node `k` for the primary of `master-name`
//! (`SENTINEL get-master-addr-by-name`), checks with `ROLE` that the node it names calls itself
//! a primary, and sends its operations there; it asks again every [`RECHECK`] and after any
//! error, and follows a failover the way clients that watch Sentinel's `+switch-master` do.
//! A Sentinel that names a node outside the cluster is refused. With `sentinel-port = 0` every
//! operation goes to the node itself (a single instance).
//!
//! What each operation is (`ops.rs`): `lin-kv` reads, writes and compare-and-sets keys
//! (`GET`, `SET`, `WATCH`/`GET`/`MULTI`/`SET`/`EXEC`); `lease-lock` acquires with
//! `SET lock <token> NX PX <lease>` and a fencing token, writes the token to the storage key
//! (plainly, or refusing a token lower than the stored one when `fencing = true`), and
//! releases by compare-and-delete.
//!
//! Leader reports: each node's `ROLE` (a primary names itself, a replica its primary), so the
//! leader watcher measures failovers and sees two nodes that both act as primary.

mod ops;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use self::ops::{Deadline, Failure, LockOptions};
use super::settings::{Kind, Setting, Settings};
use super::{member_id, LeaderStatus, SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::backend::Reply;
use crate::runner::workload::{Completion, Invocation, WorkloadName};

/// The Redis adapter's settings.
pub(super) const SETTINGS: &[Setting] = &[
    Setting {
        name: "sentinel-port",
        kind: Kind::Port,
        default: "0",
        help: "ask the Sentinel on this port of each node for the primary (0: use the node itself)",
    },
    Setting {
        name: "master-name",
        kind: Kind::Word,
        default: "mymaster",
        help: "the name Sentinel monitors the primary under",
    },
    Setting {
        name: "fencing",
        kind: Kind::Flag,
        default: "false",
        help: "lease-lock: the storage refuses a token lower than the one it holds",
    },
    Setting {
        name: "lease",
        kind: Kind::Duration,
        default: "200ms",
        help: "lease-lock: the lock's time to live (SET ... PX)",
    },
];

/// How often a client asks its Sentinel whether the primary moved.
pub const RECHECK: Duration = Duration::from_millis(500);

/// The Redis adapter.
#[derive(Clone, Debug)]
pub(super) struct Redis {
    sentinel_port: u16,
    master_name: String,
    lock: LockOptions,
    nodes: Vec<SocketAddr>,
}

/// The adapter with `settings`, for a cluster whose nodes serve clients at `nodes`.
pub(super) fn build(
    settings: &Settings,
    nodes: &[SocketAddr],
    _workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    Box::new(Redis {
        sentinel_port: settings.port("sentinel-port"),
        master_name: settings.word("master-name").to_string(),
        lock: LockOptions {
            fencing: settings.flag("fencing"),
            lease: settings.duration("lease"),
        },
        nodes: nodes.to_vec(),
    })
}

impl SystemAdapter for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn supports(&self, workload: WorkloadName) -> Result<(), String> {
        match workload {
            WorkloadName::LinKv | WorkloadName::LeaseLock => Ok(()),
            other => Err(format!(
                "the redis client adapter runs the lin-kv and lease-lock workloads, not {}",
                other.name()
            )),
        }
    }

    fn connect(&self, _node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(RedisClient {
            adapter: self.clone(),
            node: addr,
            primary: None,
            checked: None,
            direct: None,
        })
    }

    fn reports_leaders(&self) -> bool {
        true
    }
}

/// A client of one node: its connection to the primary (through the node's Sentinel, or the
/// node itself), and a direct one for leader reports.
struct RedisClient {
    adapter: Redis,
    node: SocketAddr,
    primary: Option<(SocketAddr, redis::Connection)>,
    /// When the Sentinel was last asked.
    checked: Option<Instant>,
    direct: Option<redis::Connection>,
}

impl RedisClient {
    /// The connection operations go to, opened (or moved after a failover) now if needed.
    fn primary(&mut self, deadline: &Deadline) -> Result<&mut redis::Connection, Failure> {
        let sentinel = self.adapter.sentinel_port;
        let due = self.checked.is_none_or(|t| t.elapsed() >= RECHECK);
        if sentinel != 0 && (self.primary.is_none() || due) {
            self.checked = Some(Instant::now());
            let at = SocketAddr::new(self.node.ip(), sentinel);
            match ops::ask_sentinel(at, &self.adapter.master_name, deadline) {
                Ok(addr) if self.adapter.nodes.contains(&addr) => {
                    if self.primary.as_ref().is_some_and(|(a, _)| *a != addr) {
                        self.primary = None;
                    }
                    if self.primary.is_none() {
                        let conn = ops::open_primary(addr, deadline)?;
                        self.primary = Some((addr, conn));
                    }
                }
                Ok(addr) => {
                    return Err(Failure::NoEffect(
                        "unknown-primary".into(),
                        format!("sentinel named {addr}, which is not a node of this cluster"),
                    ))
                }
                // A Sentinel that does not answer leaves the client where it was.
                Err(e) if self.primary.is_some() => drop(e),
                Err(e) => return Err(e),
            }
        }
        if self.primary.is_none() {
            let conn = ops::open(self.node, deadline)?;
            self.primary = Some((self.node, conn));
        }
        Ok(&mut self.primary.as_mut().expect("opened above").1)
    }
}

impl SystemClient for RedisClient {
    fn invoke(&mut self, op: &Invocation, _request: &Json, timeout: Duration) -> Reply {
        let deadline = Deadline::after(timeout);
        let lock = self.adapter.lock;
        let result = self
            .primary(&deadline)
            .and_then(|conn| ops::run(conn, op, &lock, &deadline));
        let completion = match result {
            Ok(done) => done,
            Err(failure) => {
                // After any error the connection may be stale, late or on a demoted primary.
                self.primary = None;
                failure.completion(op)
            }
        };
        Reply::Done(completion)
    }

    fn leader(&mut self, timeout: Duration) -> Option<LeaderStatus> {
        let deadline = Deadline::after(timeout);
        if self.direct.is_none() {
            self.direct = ops::open(self.node, &deadline).ok();
        }
        let role = ops::role(self.direct.as_mut()?, &deadline);
        let Ok(role) = role else {
            self.direct = None;
            return None;
        };
        let member = member_id(self.node.ip());
        let leader = match role {
            ops::Role::Primary => member,
            ops::Role::Replica(ip) => ip.parse().map_or(0, member_id),
            ops::Role::Other => return None,
        };
        Some(LeaderStatus { member, leader })
    }
}

/// `[kind, text]`, the error value of a completion.
fn error_value(kind: &str, text: &str) -> Value {
    Value::list(vec![Value::str(kind), Value::str(text)])
}

impl Failure {
    /// The completion of `op` that ended this way: a failure before anything could take
    /// effect fails the operation; one after is `info`, except for reads, which change nothing.
    fn completion(self, op: &Invocation) -> Completion {
        match self {
            Failure::NoEffect(kind, why) => Completion::Fail(error_value(&kind, &why)),
            Failure::Unknown(kind, why) if op.f == "read" => {
                Completion::Fail(error_value(&kind, &why))
            }
            Failure::Unknown(kind, why) => Completion::Info(error_value(&kind, &why)),
        }
    }
}
