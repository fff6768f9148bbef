//! What the SQL adapters (`postgres.rs`, `mariadb.rs`) share: the transactional workloads
//! (`txn-list-append`, `txn-rw-register`) as SQL transactions, the way Jepsen's PostgreSQL and
//! MySQL tests run them.
//!
//! - Tables (created by [`SystemAdapter::prepare`](super::SystemAdapter::prepare)):
//!   [`APPEND_TABLE`] `(k BIGINT PRIMARY KEY, v TEXT)`, a list as comma-separated decimals, and
//!   [`REGISTER_TABLE`] `(k BIGINT PRIMARY KEY, v BIGINT)`. An append is an upsert that
//!   concatenates (`INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE v = v || ',' || x`), a write an
//!   upsert that replaces, a read a `SELECT` (no row: `nil`).
//! - One operation is one transaction: `BEGIN` at the cluster file's [`Isolation`] level, the
//!   micro-ops in order, `COMMIT` ([`run`], over a [`Session`] each adapter implements), by a
//!   [`SqlClient`] that opens sessions through the adapter's [`Connect`].
//! - Outcomes ([`Failure`]): any error before `COMMIT` is sent fails the operation — the
//!   server commits nothing it was not asked to, and the session is rolled back or dropped —
//!   as does an error the server answers `COMMIT` with when it says the transaction was rolled
//!   back (serialization failure, deadlock); a lost connection at `COMMIT`, and any timeout,
//!   is `info`: it may have committed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::settings::{Kind, Setting};
use super::SystemClient;
use crate::history::Value;
use crate::runner::backend::Reply;
use crate::runner::workload::{Completion, Invocation, WorkloadName};

/// The list-append table.
pub(super) const APPEND_TABLE: &str = "sb_append";
/// The rw-register table.
pub(super) const REGISTER_TABLE: &str = "sb_register";

/// The isolation levels, as settings spell them.
const LEVELS: &[&str] = &[
    "serializable",
    "repeatable-read",
    "read-committed",
    "read-uncommitted",
];

/// The `isolation` setting with default `default`.
pub(super) const fn isolation_setting(default: &'static str) -> Setting {
    Setting {
        name: "isolation",
        kind: Kind::OneOf(LEVELS),
        default,
        help: "the transactions' isolation level: serializable, repeatable-read, \
               read-committed or read-uncommitted",
    }
}

/// An SQL isolation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Isolation {
    Serializable,
    RepeatableRead,
    ReadCommitted,
    ReadUncommitted,
}

impl Isolation {
    /// The level a resolved `isolation` setting names.
    pub(super) fn from_setting(word: &str) -> Isolation {
        match word {
            "repeatable-read" => Isolation::RepeatableRead,
            "read-committed" => Isolation::ReadCommitted,
            "read-uncommitted" => Isolation::ReadUncommitted,
            _ => Isolation::Serializable,
        }
    }

    /// As SQL spells it (`SET TRANSACTION ISOLATION LEVEL ...`).
    pub(super) fn sql(self) -> &'static str {
        match self {
            Isolation::Serializable => "SERIALIZABLE",
            Isolation::RepeatableRead => "REPEATABLE READ",
            Isolation::ReadCommitted => "READ COMMITTED",
            Isolation::ReadUncommitted => "READ UNCOMMITTED",
        }
    }
}

/// Whether a SQL adapter built for `built_for` (its [`Table`]) runs `workload`.
pub(super) fn supports(
    adapter: &str,
    built_for: Option<Table>,
    workload: WorkloadName,
) -> Result<(), String> {
    match (Table::of(workload), built_for) {
        (Some(t), Some(built)) if t == built => Ok(()),
        (Some(_), _) => Err(format!(
            "the {adapter} client adapter was built without the run's workload ({}); it needs \
             it to know which table a read-only transaction reads",
            workload.name()
        )),
        (None, _) => Err(format!(
            "the {adapter} client adapter runs the txn-list-append and txn-rw-register \
             workloads, not {}",
            workload.name()
        )),
    }
}

/// One micro-op of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MicroOp {
    /// `["r", k, nil]`; which table it reads depends on the workload.
    Read(i64),
    /// `["append", k, v]`.
    Append(i64, i64),
    /// `["w", k, v]`.
    Write(i64, i64),
}

/// Whether the transactions' keys are lists (list-append) or registers (rw-register): which
/// table they use. A run's workload says; a read-only transaction could be either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Table {
    Append,
    Register,
}

impl Table {
    /// The table `workload`'s transactions use, if it is transactional.
    pub(super) fn of(workload: WorkloadName) -> Option<Table> {
        match workload {
            WorkloadName::TxnListAppend => Some(Table::Append),
            WorkloadName::TxnRwRegister => Some(Table::Register),
            _ => None,
        }
    }
}

/// The micro-ops of `op` (a `txn` whose value is `[[f, k, v], ...]`).
pub(super) fn micro_ops(op: &Invocation) -> Result<Vec<MicroOp>, String> {
    let mops = op.value.as_list().ok_or("a txn's value should be a list")?;
    let mut out = Vec::with_capacity(mops.len());
    for m in mops {
        let bad = || format!("malformed micro-op {m}");
        let parts = m.as_list().filter(|p| p.len() == 3).ok_or_else(bad)?;
        let key = parts[1].as_int().ok_or_else(bad)?;
        out.push(match parts[0].as_text() {
            Some("r") => MicroOp::Read(key),
            Some("append") => MicroOp::Append(key, parts[2].as_int().ok_or_else(bad)?),
            Some("w") => MicroOp::Write(key, parts[2].as_int().ok_or_else(bad)?),
            _ => return Err(bad()),
        });
    }
    Ok(out)
}

/// A list as the append table stores it (`"1,2,3"`), as a history value.
pub(super) fn parse_list(text: &str) -> Result<Value, String> {
    (text.split(','))
        .map(|x| x.trim().parse::<i64>().map(Value::Int))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::list)
        .map_err(|_| format!("the stored list {text:?} is not comma-separated integers"))
}

/// Why an operation has no `ok`: `(kind, text)`, and whether it may have taken effect.
#[derive(Debug)]
pub(super) struct Failure {
    pub kind: &'static str,
    pub text: String,
    pub maybe_committed: bool,
    /// The server answered with an error (the session is still usable after a rollback).
    pub server_answered: bool,
}

impl Failure {
    /// A failure that changed nothing.
    pub(super) fn definite(kind: &'static str, text: impl Into<String>) -> Failure {
        Failure {
            kind,
            text: text.into(),
            maybe_committed: false,
            server_answered: false,
        }
    }

    /// The operation's completion.
    pub(super) fn completion(self) -> Completion {
        let error = Value::list(vec![Value::str(self.kind), Value::str(self.text)]);
        if self.maybe_committed {
            Completion::Info(error)
        } else {
            Completion::Fail(error)
        }
    }
}

/// An error from the database client: what kind, and whether the server answered it (an error
/// response) or the connection failed (lost, refused, timed out).
#[derive(Debug)]
pub(super) struct DbError {
    pub kind: &'static str,
    pub text: String,
    /// The server answered (an error response), rather than the connection failing.
    pub server_answered: bool,
    /// The server answered `COMMIT` with this error and rolled the transaction back.
    pub rolled_back: bool,
}

/// One session (a connection) of a SQL adapter, in the dialect of its server.
pub(super) trait Session {
    /// Starts a transaction.
    async fn begin(&mut self) -> Result<(), DbError>;
    /// Key `k`'s value in `table` (`nil` if it has no row).
    async fn read(&mut self, table: Table, k: i64) -> Result<Value, DbError>;
    /// Appends `v` to key `k`'s list.
    async fn append(&mut self, k: i64, v: i64) -> Result<(), DbError>;
    /// Sets register `k` to `v`.
    async fn write(&mut self, k: i64, v: i64) -> Result<(), DbError>;
    /// Commits.
    async fn commit(&mut self) -> Result<(), DbError>;
    /// Rolls back (after an error the server answered).
    async fn rollback(&mut self) -> Result<(), DbError>;
}

/// How an adapter opens a [`Session`] to one server: all [`SqlClient`] needs of it.
pub(super) trait Connect: Send + 'static {
    /// The session it opens.
    type Session: Session + Send;
    /// The table the run's workload uses (`None`: the adapter was built without one).
    fn table(&self) -> Option<Table>;
    /// A session to the server at `addr`, opened within `timeout`; why not, in words.
    async fn open(&self, addr: SocketAddr, timeout: Duration) -> Result<Self::Session, String>;
}

/// A client of one server: a session, opened on first use and kept while it stays usable, on
/// a current-thread runtime of its own on the calling (client) thread, so its socket opens in
/// the client's namespace.
pub(super) struct SqlClient<C: Connect> {
    connector: C,
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    session: Option<C::Session>,
}

impl<C: Connect> SqlClient<C> {
    /// A client of the server at `addr`; nothing is opened yet.
    pub(super) fn new(connector: C, addr: SocketAddr) -> SqlClient<C> {
        SqlClient {
            connector,
            addr,
            runtime: None,
            session: None,
        }
    }

    /// Runs `op` as one transaction within `timeout`.
    fn transact(&mut self, op: &Invocation, timeout: Duration) -> Result<Value, Failure> {
        let mops = micro_ops(op).map_err(|e| Failure::definite("malformed-op", e))?;
        let table = (self.connector.table()).ok_or_else(|| Failure::definite("no-workload", ""))?;
        if self.runtime.is_none() {
            self.runtime = Some(runtime()?);
        }
        let rt = self.runtime.as_ref().expect("built above");
        let session = self.session.take();
        let (connector, addr) = (&self.connector, self.addr);
        let (result, kept) = rt.block_on(within(timeout, async {
            let mut session = match session {
                Some(s) => s,
                None => (connector.open(addr, timeout).await)
                    .map_err(|e| Failure::definite("connect", e))?,
            };
            let (result, reusable) = run(&mut session, &mops, table).await;
            Ok((result, reusable.then_some(session)))
        }))?;
        self.session = kept;
        result
    }
}

impl<C: Connect> SystemClient for SqlClient<C> {
    fn invoke(&mut self, op: &Invocation, _request: &Json, timeout: Duration) -> Reply {
        Reply::Done(match self.transact(op, timeout) {
            Ok(done) => Completion::Ok(done),
            Err(failure) => failure.completion(),
        })
    }
}

/// Runs `mops` as one transaction on `session`: the micro-ops with reads filled in, or why not,
/// and whether the session can be used again (after a definite failure it is rolled back; after
/// a lost connection or an unknown commit it is dropped).
pub(super) async fn run<S: Session>(
    session: &mut S,
    mops: &[MicroOp],
    table: Table,
) -> (Result<Value, Failure>, bool) {
    let result = transaction(session, mops, table).await;
    let reusable = match &result {
        Ok(_) => true,
        Err(f) if f.server_answered && !f.maybe_committed => session.rollback().await.is_ok(),
        Err(_) => false,
    };
    (result, reusable)
}

/// [`run`]'s transaction: a failure before `COMMIT` is definite; at `COMMIT`, only when the
/// server says it rolled back.
async fn transaction<S: Session>(
    session: &mut S,
    mops: &[MicroOp],
    table: Table,
) -> Result<Value, Failure> {
    let before = |e: DbError| Failure {
        kind: e.kind,
        text: e.text,
        maybe_committed: false,
        server_answered: e.server_answered,
    };
    session.begin().await.map_err(before)?;
    let mut done = Vec::with_capacity(mops.len());
    for m in mops {
        done.push(match *m {
            MicroOp::Read(k) => {
                let v = session.read(table, k).await.map_err(before)?;
                Value::list(vec![Value::str("r"), Value::Int(k), v])
            }
            MicroOp::Append(k, v) => {
                session.append(k, v).await.map_err(before)?;
                Value::list(vec![Value::str("append"), Value::Int(k), Value::Int(v)])
            }
            MicroOp::Write(k, v) => {
                session.write(k, v).await.map_err(before)?;
                Value::list(vec![Value::str("w"), Value::Int(k), Value::Int(v)])
            }
        });
    }
    session.commit().await.map_err(|e| Failure {
        maybe_committed: !e.rolled_back,
        kind: e.kind,
        text: e.text,
        server_answered: e.server_answered,
    })?;
    Ok(Value::list(done))
}

/// The outcome of `work` within `timeout`; a timeout is a [`Failure`] whose effect is unknown
/// (the transaction may have been committing).
pub(super) async fn within<T>(
    timeout: Duration,
    work: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(Failure {
            kind: "net-timeout",
            text: format!("no answer within {timeout:?}"),
            // Without knowing where the transaction was, assume COMMIT may have been sent.
            maybe_committed: true,
            server_answered: false,
        }),
    }
}

/// A current-thread runtime for one client thread (its sockets open in that thread's network
/// namespace).
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::definite("runtime", e.to_string()))
}

/// Tries `attempt` against the server at `addr` until it succeeds or `deadline` passes (a
/// server that just opened its port may still be starting up): the last error, if it never did.
pub(super) fn retry_until(
    addr: SocketAddr,
    deadline: Instant,
    mut attempt: impl FnMut(Duration) -> Result<(), String>,
) -> Result<(), String> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let why = match attempt(left.clamp(Duration::from_millis(100), Duration::from_secs(5))) {
            Ok(()) => return Ok(()),
            Err(why) => why,
        };
        if Instant::now() >= deadline {
            return Err(format!("could not create the tables on {addr}: {why}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(mops: &[(&str, i64, Option<i64>)]) -> Invocation {
        let mops = mops.iter().map(|(f, k, v)| {
            Value::list(vec![
                Value::str(*f),
                Value::Int(*k),
                v.map_or(Value::Nil, Value::Int),
            ])
        });
        Invocation::new("txn", Value::list(mops.collect::<Vec<_>>()))
    }

    #[test]
    fn micro_ops_decode_and_malformed_ones_are_refused() {
        let m = micro_ops(&txn(&[("r", 1, None), ("append", 2, Some(5))])).unwrap();
        assert_eq!(m, vec![MicroOp::Read(1), MicroOp::Append(2, 5)]);
        let m = micro_ops(&txn(&[("w", 3, Some(1))])).unwrap();
        assert_eq!(m, vec![MicroOp::Write(3, 1)]);
        assert!(micro_ops(&txn(&[("append", 1, None)])).is_err());
        assert!(micro_ops(&txn(&[("cas", 1, Some(1))])).is_err());
    }

    #[test]
    fn the_table_comes_from_the_workload_since_a_read_only_transaction_could_be_either() {
        let la = WorkloadName::TxnListAppend;
        assert_eq!(Table::of(la), Some(Table::Append));
        assert!(supports("postgres", Some(Table::Append), la).is_ok());
        let e = supports("postgres", None, la).unwrap_err();
        assert!(e.contains("without the run's workload"), "{e}");
        let e = supports("postgres", None, WorkloadName::LinKv).unwrap_err();
        assert!(e.contains("not lin-kv"), "{e}");
    }

    #[test]
    fn stored_lists_parse_and_garbage_is_an_error() {
        let v = parse_list("1,2,30").unwrap();
        assert_eq!(
            v,
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(30)])
        );
        assert!(parse_list("1,,2").is_err());
    }

    #[test]
    fn a_rolled_back_commit_fails_and_a_lost_one_is_info() {
        let f = Failure::definite("serialization-failure", "40001");
        assert!(matches!(f.completion(), Completion::Fail(_)));
        let f = Failure {
            kind: "connection-lost",
            text: String::new(),
            maybe_committed: true,
            server_answered: false,
        };
        assert!(matches!(f.completion(), Completion::Info(_)));
    }
}
