//! The ZooKeeper adapter (`client = "zookeeper"`): `lin-kv` over znodes, on the
//! `zookeeper-client` crate, each client connection driven by a current-thread tokio runtime
//! of its own on the calling (client) thread, so its sockets open in the client namespace.
//!
//! - Key `k` is the znode `/sb-k`; values are decimal strings.
//! - `read` → `sync` (unless `sync-reads = false`), then `getData`; no node reads `nil`.
//!   ZooKeeper serves reads from the connected server's local state, which may lag the
//!   quorum; `sync` first makes it catch up with the leader.
//! - `write` → `setData` with any version; `create` when the node does not exist yet.
//! - `cas [from to]` → (`sync`,) `getData` for the value and its version; a different value
//!   fails at once; otherwise `setData` at that version, where `BadVersion` (a write came in
//!   between) is a definite failure.
//! - Each client talks to one server (its node), as `zkCli -server` would; a refused connection
//!   fails the operation. A connection loss, session expiry or timeout after a request may have
//!   been sent is `info` for writes and `fail` for reads; ZooKeeper's own refusals (no node,
//!   bad version, node exists) are definite.
//! - Leader reports come from the four-letter word `srvr` (`Mode: leader`): the leader names
//!   itself; `srvr` tells a follower nothing of its leader, so a follower reports none.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value as Json;
use zookeeper_client as zk;

use super::settings::{Kind, Setting, Settings};
use super::{member_id, plain, LeaderStatus, SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::backend::Reply;
use crate::runner::workload::{Completion, Invocation, WorkloadName};

/// The ZooKeeper adapter's settings.
pub(super) const SETTINGS: &[Setting] = &[Setting {
    name: "sync-reads",
    kind: Kind::Flag,
    default: "true",
    help: "sync with the leader before each read (false: plain reads from the server's local \
           state)",
}];

/// The session timeout clients ask for (the servers clamp it to their own bounds).
const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The ZooKeeper adapter.
#[derive(Clone, Copy, Debug)]
pub(super) struct ZooKeeper {
    sync_reads: bool,
}

/// The adapter with `settings`.
pub(super) fn build(
    settings: &Settings,
    _nodes: &[SocketAddr],
    _workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    Box::new(ZooKeeper {
        sync_reads: settings.flag("sync-reads"),
    })
}

impl SystemAdapter for ZooKeeper {
    fn name(&self) -> &'static str {
        "zookeeper"
    }

    fn supports(&self, workload: WorkloadName) -> Result<(), String> {
        match workload {
            WorkloadName::LinKv => Ok(()),
            other => Err(format!(
                "the zookeeper client adapter runs the lin-kv workload, not {}",
                other.name()
            )),
        }
    }

    fn connect(&self, _node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(ZkClient {
            addr,
            sync_reads: self.sync_reads,
            runtime: None,
            session: None,
        })
    }

    fn reports_leaders(&self) -> bool {
        true
    }
}

/// A client of one server: a session, opened on first use, on a runtime of its own.
struct ZkClient {
    addr: SocketAddr,
    sync_reads: bool,
    runtime: Option<tokio::runtime::Runtime>,
    session: Option<zk::Client>,
}

/// Why an operation has no answer: `(kind, text)`, and whether it may have taken effect.
struct Failure {
    kind: String,
    text: String,
    maybe_applied: bool,
}

impl Failure {
    fn of(e: &zk::Error, maybe_applied: bool) -> Failure {
        Failure {
            kind: "zookeeper".into(),
            text: e.to_string(),
            maybe_applied: maybe_applied && !is_refusal(e),
        }
    }
}

/// Whether ZooKeeper refused the request, so that it changed nothing.
fn is_refusal(e: &zk::Error) -> bool {
    use zk::Error::*;
    matches!(
        e,
        NoNode
            | NoAuth
            | BadVersion
            | NodeExists
            | NotEmpty
            | InvalidAcl
            | BadArguments(_)
            | NotReadOnly
            | NoChildrenForEphemerals
            | QuotaExceeded
            | Throttled
            | Unimplemented
    )
}

fn path(op: &Invocation) -> String {
    format!(
        "/sb-{}",
        op.key.as_ref().map_or(0, |k| k.as_int().unwrap_or(0))
    )
}

fn parse(data: &[u8]) -> Option<Value> {
    std::str::from_utf8(data).ok()?.parse().ok().map(Value::Int)
}

/// The value at `path` and its version (`None`: no node), after a `sync` when `sync`.
async fn read(
    client: &zk::Client,
    path: &str,
    sync: bool,
) -> Result<(Value, Option<i32>), Failure> {
    if sync {
        client
            .sync(path)
            .await
            .map_err(|e| Failure::of(&e, false))?;
    }
    match client.get_data(path).await {
        Ok((data, stat)) => match parse(&data) {
            Some(v) => Ok((v, Some(stat.version))),
            None => Err(Failure {
                kind: "malformed-response".into(),
                text: String::from_utf8_lossy(&data).into_owned(),
                maybe_applied: false,
            }),
        },
        Err(zk::Error::NoNode) => Ok((Value::Nil, None)),
        Err(e) => Err(Failure::of(&e, false)),
    }
}

impl ZkClient {
    /// Runs `op` on the session: its completion, or why there is none.
    async fn run(client: &zk::Client, op: &Invocation, sync: bool) -> Result<Completion, Failure> {
        let path = path(op);
        match (op.f, op.value.as_pair()) {
            ("write", _) => {
                let data = op.value.to_string().into_bytes();
                let mut created = false;
                loop {
                    match client.set_data(&path, &data, None).await {
                        Ok(_) => return Ok(Completion::Ok(op.value.clone())),
                        Err(zk::Error::NoNode) if !created => {}
                        Err(e) => return Err(Failure::of(&e, true)),
                    }
                    let acls = zk::Acls::anyone_all();
                    let options = zk::CreateMode::Persistent.with_acls(acls);
                    match client.create(&path, &data, &options).await {
                        Ok(_) => return Ok(Completion::Ok(op.value.clone())),
                        // Created by another client in between: set it.
                        Err(zk::Error::NodeExists) => created = true,
                        Err(e) => return Err(Failure::of(&e, true)),
                    }
                }
            }
            ("cas", Some((from, to))) => {
                let (current, version) = read(client, &path, sync).await?;
                let version = match version {
                    Some(v) if current == *from => v,
                    _ => return Ok(refused("precondition-failed", &current.to_string())),
                };
                let data = to.to_string().into_bytes();
                match client.set_data(&path, &data, Some(version)).await {
                    Ok(_) => Ok(Completion::Ok(op.value.clone())),
                    Err(zk::Error::BadVersion) => Ok(refused(
                        "cas-conflict",
                        "the node changed after it was read",
                    )),
                    Err(e) => Err(Failure::of(&e, true)),
                }
            }
            _ => read(client, &path, sync)
                .await
                .map(|(v, _)| Completion::Ok(v)),
        }
    }

    fn invoke_within(&mut self, op: &Invocation, timeout: Duration) -> Result<Completion, Failure> {
        if self.runtime.is_none() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure {
                    kind: "runtime".into(),
                    text: e.to_string(),
                    maybe_applied: false,
                })?;
            self.runtime = Some(rt);
        }
        let rt = self.runtime.as_ref().expect("built above");
        let (addr, sync) = (self.addr.to_string(), self.sync_reads);
        let session = self.session.take();
        let outcome = rt.block_on(async {
            tokio::time::timeout(timeout, async {
                let client = match session {
                    Some(c) => c,
                    None => zk::Client::connector()
                        .with_session_timeout(SESSION_TIMEOUT)
                        .with_connection_timeout(timeout)
                        .with_fail_eagerly()
                        .connect(&addr)
                        .await
                        .map_err(|e| Failure::of(&e, false))?,
                };
                let result = ZkClient::run(&client, op, sync).await;
                Ok((result, client))
            })
            .await
        });
        match outcome {
            Ok(Ok((result, client))) => {
                // After a failure the session may be broken or carry a late answer.
                if result.is_ok() {
                    self.session = Some(client);
                }
                result
            }
            Ok(Err(failure)) => Err(failure),
            Err(_elapsed) => Err(Failure {
                kind: "net-timeout".into(),
                text: format!("no answer within {timeout:?}"),
                maybe_applied: true,
            }),
        }
    }
}

fn refused(kind: &str, why: &str) -> Completion {
    Completion::Fail(Value::list(vec![Value::str(kind), Value::str(why)]))
}

impl SystemClient for ZkClient {
    fn leader(&mut self, timeout: Duration) -> Option<LeaderStatus> {
        let answer = plain::ask(self.addr, b"srvr", b"", timeout)?;
        let answer = String::from_utf8_lossy(&answer);
        let mode = answer.lines().find_map(|l| l.strip_prefix("Mode: "))?;
        let member = member_id(self.addr.ip());
        let leader = if mode.trim() == "leader" { member } else { 0 };
        Some(LeaderStatus { member, leader })
    }

    fn invoke(&mut self, op: &Invocation, _request: &Json, timeout: Duration) -> Reply {
        let completion = match self.invoke_within(op, timeout) {
            Ok(done) => done,
            Err(f) => {
                let error = Value::list(vec![Value::str(f.kind), Value::str(f.text)]);
                if f.maybe_applied && op.f != "read" {
                    Completion::Info(error)
                } else {
                    Completion::Fail(error)
                }
            }
        };
        Reply::Done(completion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_znodes_and_values_decimal_strings() {
        let op = Invocation {
            f: "read",
            key: Some(Value::Int(3)),
            value: Value::Nil,
            final_read: false,
            body: None,
        };
        assert_eq!(path(&op), "/sb-3");
        assert_eq!(parse(b"42"), Some(Value::Int(42)));
        assert_eq!(parse(b"x"), None);
    }

    #[test]
    fn zookeepers_refusals_change_nothing_and_lost_connections_may_have() {
        assert!(is_refusal(&zk::Error::BadVersion));
        assert!(is_refusal(&zk::Error::NoNode));
        assert!(!is_refusal(&zk::Error::ConnectionLoss));
        assert!(!is_refusal(&zk::Error::SessionExpired));
        assert!(Failure::of(&zk::Error::ConnectionLoss, true).maybe_applied);
        assert!(!Failure::of(&zk::Error::BadVersion, true).maybe_applied);
    }
}
