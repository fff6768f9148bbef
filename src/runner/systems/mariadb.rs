//! The MariaDB adapter (`client = "mariadb"`): `txn-list-append` and `txn-rw-register` as SQL
//! transactions (`sql.rs`) on InnoDB, over the `mysql_async` crate, each client connection
//! driven by a current-thread runtime of its own on the calling (client) thread, so its socket
//! opens in the client namespace.
//!
//! - Settings: `isolation` (`SET SESSION TRANSACTION ISOLATION LEVEL ...`, default
//!   repeatable-read, InnoDB's default) and `snapshot-isolation` (the session's
//!   `innodb_snapshot_isolation`, MariaDB 10.6.18+/10.11.8+: a write to a row changed since the
//!   transaction's read view fails with error 1020 instead of silently applying to the newer
//!   version; off by default before 11.6).
//! - A list is `splitbrain.sb_append.v`, appended to with `INSERT ... ON DUPLICATE KEY UPDATE
//!   v = CONCAT(v, ',', VALUES(v))`; a register is `splitbrain.sb_register.v`.
//! - Errors: SQLSTATE class 40 (1213 deadlock) at `COMMIT` means the server rolled back:
//!   `fail`; any error before `COMMIT` (1205 lock wait timeout, 1020 record changed, ...):
//!   `fail`; a lost connection or a timeout at `COMMIT`: `info`.
//! - The database and tables are created once, in
//!   [`prepare`](super::SystemAdapter::prepare); the cluster file's server runs with
//!   `--skip-grant-tables`, so the client connects as `root` without a password.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};

use super::settings::{Kind, Setting, Settings};
use super::sql::{
    self, Connect, DbError, Isolation, Session, SqlClient, Table, APPEND_TABLE, REGISTER_TABLE,
};
use super::{SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::workload::WorkloadName;

/// The MariaDB adapter's settings.
pub(super) const SETTINGS: &[Setting] = &[
    sql::isolation_setting("repeatable-read"),
    Setting {
        name: "snapshot-isolation",
        kind: Kind::Flag,
        default: "false",
        help: "innodb_snapshot_isolation: a write to a row changed since the transaction's \
               snapshot fails (error 1020) instead of applying to the newer version",
    },
];

/// The database the tables live in.
const DATABASE: &str = "splitbrain";

/// The MariaDB adapter.
#[derive(Clone, Debug)]
pub(super) struct MariaDb {
    /// The table the run's workload uses.
    table: Option<Table>,
    isolation: Isolation,
    snapshot_isolation: bool,
}

/// The adapter with `settings`.
pub(super) fn build(
    settings: &Settings,
    _nodes: &[SocketAddr],
    workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    Box::new(MariaDb {
        table: workload.and_then(Table::of),
        isolation: Isolation::from_setting(settings.word("isolation")),
        snapshot_isolation: settings.flag("snapshot-isolation"),
    })
}

impl MariaDb {
    /// How to connect to the server at `addr`, in `database` (if any).
    fn options(&self, addr: SocketAddr, database: Option<&str>) -> OptsBuilder {
        let on = if self.snapshot_isolation { "ON" } else { "OFF" };
        OptsBuilder::default()
            .ip_or_hostname(addr.ip().to_string())
            .tcp_port(addr.port())
            .prefer_socket(false)
            .user(Some("root"))
            .db_name(database)
            .init(vec![
                format!(
                    "SET SESSION TRANSACTION ISOLATION LEVEL {}",
                    self.isolation.sql()
                ),
                format!("SET SESSION innodb_snapshot_isolation = {on}"),
            ])
    }
}

impl SystemAdapter for MariaDb {
    fn name(&self) -> &'static str {
        "mariadb"
    }

    fn supports(&self, workload: WorkloadName) -> Result<(), String> {
        sql::supports("mariadb", self.table, workload)
    }

    fn prepare(&self, _node: usize, addr: SocketAddr, deadline: Instant) -> Result<(), String> {
        let rt = sql::runtime().map_err(|f| f.text)?;
        let ddl = [
            format!("CREATE DATABASE IF NOT EXISTS {DATABASE}"),
            format!(
                "CREATE TABLE IF NOT EXISTS {DATABASE}.{APPEND_TABLE} \
                 (k BIGINT PRIMARY KEY, v TEXT NOT NULL) ENGINE=InnoDB"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {DATABASE}.{REGISTER_TABLE} \
                 (k BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB"
            ),
        ];
        sql::retry_until(addr, deadline, |timeout| {
            rt.block_on(async {
                let work = async {
                    let mut conn = Conn::new(self.options(addr, None)).await?;
                    for statement in &ddl {
                        conn.query_drop(statement).await?;
                    }
                    conn.disconnect().await
                };
                match tokio::time::timeout(timeout, work).await {
                    Ok(done) => done.map_err(|e| e.to_string()),
                    Err(_) => Err(format!("no answer within {timeout:?}")),
                }
            })
        })
    }

    fn connect(&self, _node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(SqlClient::new(self.clone(), addr))
    }
}

impl Connect for MariaDb {
    type Session = MariaDbSession;

    fn table(&self) -> Option<Table> {
        self.table
    }

    /// `timeout` bounds the whole transaction, connecting included ([`SqlClient`]).
    async fn open(&self, addr: SocketAddr, _timeout: Duration) -> Result<MariaDbSession, String> {
        let conn = Conn::new(self.options(addr, Some(DATABASE))).await;
        conn.map(MariaDbSession).map_err(|e| e.to_string())
    }
}

/// An open connection.
pub(super) struct MariaDbSession(Conn);

/// The [`DbError`] of a `mysql_async` error; `at_commit`: it answered `COMMIT`.
fn db_error(at_commit: bool) -> impl Fn(mysql_async::Error) -> DbError {
    move |e| match &e {
        mysql_async::Error::Server(server) => DbError {
            kind: match server.code {
                1213 => "deadlock",
                1205 => "lock-wait-timeout",
                1020 => "record-changed",
                _ => "sql-error",
            },
            text: format!("{} ({}): {}", server.code, server.state, server.message),
            server_answered: true,
            // Class 40, "transaction rollback" (1213's 40001): the server rolled back.
            rolled_back: at_commit && server.state.starts_with("40"),
        },
        _ => DbError {
            kind: "connection",
            text: e.to_string(),
            server_answered: false,
            rolled_back: false,
        },
    }
}

impl Session for MariaDbSession {
    async fn begin(&mut self) -> Result<(), DbError> {
        (self.0.query_drop("START TRANSACTION").await).map_err(db_error(false))
    }

    async fn read(&mut self, table: Table, k: i64) -> Result<Value, DbError> {
        let malformed = |text: String| DbError {
            kind: "malformed-response",
            text,
            server_answered: true,
            rolled_back: false,
        };
        match table {
            Table::Append => {
                let query = format!("SELECT v FROM {APPEND_TABLE} WHERE k = ?");
                let row: Option<String> =
                    (self.0.exec_first(query, (k,)).await).map_err(db_error(false))?;
                row.map_or(Ok(Value::Nil), |text| {
                    sql::parse_list(&text).map_err(malformed)
                })
            }
            Table::Register => {
                let query = format!("SELECT v FROM {REGISTER_TABLE} WHERE k = ?");
                let row: Option<i64> =
                    (self.0.exec_first(query, (k,)).await).map_err(db_error(false))?;
                Ok(row.map_or(Value::Nil, Value::Int))
            }
        }
    }

    async fn append(&mut self, k: i64, v: i64) -> Result<(), DbError> {
        let query = format!(
            "INSERT INTO {APPEND_TABLE} (k, v) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))"
        );
        (self.0.exec_drop(query, (k, v.to_string())).await).map_err(db_error(false))
    }

    async fn write(&mut self, k: i64, v: i64) -> Result<(), DbError> {
        let query = format!(
            "INSERT INTO {REGISTER_TABLE} (k, v) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE v = VALUES(v)"
        );
        (self.0.exec_drop(query, (k, v)).await).map_err(db_error(false))
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        (self.0.query_drop("COMMIT").await).map_err(db_error(true))
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        (self.0.query_drop("ROLLBACK").await).map_err(db_error(false))
    }
}
