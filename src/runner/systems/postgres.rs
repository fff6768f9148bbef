//! The PostgreSQL adapter (`client = "postgres"`): `txn-list-append` and `txn-rw-register` as
//! SQL transactions (`sql.rs`) on the `tokio-postgres` crate, each client connection driven by
//! a current-thread runtime of its own on the calling (client) thread, so its socket opens in
//! the client namespace.
//!
//! - Settings: `isolation` (`BEGIN ISOLATION LEVEL ...`, default serializable) and
//!   `synchronous-commit` (`false`: the session runs with `synchronous_commit = off`, so
//!   `COMMIT` returns before its WAL record is flushed, and a crash can lose acknowledged
//!   transactions).
//! - A list is `sb_append.v`, appended to with `INSERT ... ON CONFLICT (k) DO UPDATE SET
//!   v = t.v || ',' || $2`; a register is `sb_register.v`.
//! - Errors: SQLSTATE class 40 (40001 serialization failure, 40P01 deadlock) at `COMMIT` means
//!   the server rolled back: `fail`; any error before `COMMIT`: `fail`; a lost connection or a
//!   timeout at `COMMIT`: `info`.
//! - The tables are created once, in [`prepare`](super::SystemAdapter::prepare), as user
//!   `postgres` in database `postgres` (the cluster file's server trusts the client network).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls, Statement};

use super::settings::{Kind, Setting, Settings};
use super::sql::{
    self, Connect, DbError, Isolation, Session, SqlClient, Table, APPEND_TABLE, REGISTER_TABLE,
};
use super::{SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::workload::WorkloadName;

/// The PostgreSQL adapter's settings.
pub(super) const SETTINGS: &[Setting] = &[
    sql::isolation_setting("serializable"),
    Setting {
        name: "synchronous-commit",
        kind: Kind::Flag,
        default: "true",
        help: "false: sessions run with synchronous_commit = off (COMMIT returns before the WAL \
               is flushed)",
    },
];

/// The PostgreSQL adapter.
#[derive(Clone, Debug)]
pub(super) struct Postgres {
    /// The table the run's workload uses.
    table: Option<Table>,
    isolation: Isolation,
    synchronous_commit: bool,
}

/// The adapter with `settings`.
pub(super) fn build(
    settings: &Settings,
    _nodes: &[SocketAddr],
    workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    Box::new(Postgres {
        table: workload.and_then(Table::of),
        isolation: Isolation::from_setting(settings.word("isolation")),
        synchronous_commit: settings.flag("synchronous-commit"),
    })
}

impl Postgres {
    /// How to connect to the server at `addr`.
    fn config(&self, addr: SocketAddr, timeout: Duration) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(addr.ip().to_string())
            .port(addr.port())
            .user("postgres")
            .dbname("postgres")
            .application_name("splitbrain")
            .connect_timeout(timeout);
        if !self.synchronous_commit {
            config.options("-c synchronous_commit=off");
        }
        config
    }
}

impl SystemAdapter for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn supports(&self, workload: WorkloadName) -> Result<(), String> {
        sql::supports("postgres", self.table, workload)
    }

    fn prepare(&self, _node: usize, addr: SocketAddr, deadline: Instant) -> Result<(), String> {
        let rt = sql::runtime().map_err(|f| f.text)?;
        sql::retry_until(addr, deadline, |timeout| {
            rt.block_on(async {
                let client = connect(&self.config(addr, timeout)).await.map_err(|e| e.text)?;
                let ddl = format!(
                    "CREATE TABLE IF NOT EXISTS {APPEND_TABLE} (k BIGINT PRIMARY KEY, v TEXT NOT NULL);
                     CREATE TABLE IF NOT EXISTS {REGISTER_TABLE} (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)"
                );
                client.batch_execute(&ddl).await.map_err(|e| e.to_string())
            })
        })
    }

    fn connect(&self, _node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(SqlClient::new(self.clone(), addr))
    }
}

impl Connect for Postgres {
    type Session = PgSession;

    fn table(&self) -> Option<Table> {
        self.table
    }

    async fn open(&self, addr: SocketAddr, timeout: Duration) -> Result<PgSession, String> {
        PgSession::open(self, addr, timeout)
            .await
            .map_err(|e| e.text)
    }
}

/// A connection, its connection task spawned on the current runtime.
async fn connect(config: &tokio_postgres::Config) -> Result<Client, DbError> {
    let (client, connection) = config.connect(NoTls).await.map_err(db_error(false))?;
    // Ends when the client is dropped or the connection breaks.
    tokio::spawn(connection);
    Ok(client)
}

/// An open connection with its statements prepared.
pub(super) struct PgSession {
    client: Client,
    begin: String,
    read_list: Statement,
    read_register: Statement,
    append: Statement,
    write: Statement,
}

impl PgSession {
    async fn open(
        adapter: &Postgres,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<Self, DbError> {
        let client = connect(&adapter.config(addr, timeout)).await?;
        let prepare = |sql: String| {
            let client = &client;
            async move { client.prepare(&sql).await.map_err(db_error(false)) }
        };
        let read_list = prepare(format!("SELECT v FROM {APPEND_TABLE} WHERE k = $1")).await?;
        let read_register = prepare(format!("SELECT v FROM {REGISTER_TABLE} WHERE k = $1")).await?;
        let append = prepare(format!(
            "INSERT INTO {APPEND_TABLE} AS t (k, v) VALUES ($1, $2) \
             ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || $2"
        ))
        .await?;
        let write = prepare(format!(
            "INSERT INTO {REGISTER_TABLE} AS t (k, v) VALUES ($1, $2) \
             ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
        ))
        .await?;
        Ok(PgSession {
            client,
            begin: format!("BEGIN ISOLATION LEVEL {}", adapter.isolation.sql()),
            read_list,
            read_register,
            append,
            write,
        })
    }
}

/// The [`DbError`] of a `tokio-postgres` error; `at_commit`: it answered `COMMIT`.
fn db_error(at_commit: bool) -> impl Fn(tokio_postgres::Error) -> DbError {
    move |e| {
        let Some(db) = e.as_db_error() else {
            return DbError {
                kind: "connection",
                text: e.to_string(),
                server_answered: false,
                rolled_back: false,
            };
        };
        let code = db.code().code();
        DbError {
            kind: match code {
                "40001" => "serialization-failure",
                "40P01" => "deadlock",
                _ => "sql-error",
            },
            text: format!("{code}: {}", db.message()),
            server_answered: true,
            // Class 40, "transaction rollback": the server rolled the transaction back.
            rolled_back: at_commit && code.starts_with("40"),
        }
    }
}

impl Session for PgSession {
    async fn begin(&mut self) -> Result<(), DbError> {
        self.client
            .batch_execute(&self.begin)
            .await
            .map_err(db_error(false))
    }

    async fn read(&mut self, table: Table, k: i64) -> Result<Value, DbError> {
        let statement = match table {
            Table::Append => &self.read_list,
            Table::Register => &self.read_register,
        };
        let row = (self.client.query_opt(statement, &[&k]).await).map_err(db_error(false))?;
        let Some(row) = row else {
            return Ok(Value::Nil);
        };
        let malformed = |text: String| DbError {
            kind: "malformed-response",
            text,
            server_answered: true,
            rolled_back: false,
        };
        match table {
            Table::Append => {
                let text: String = row.try_get(0).map_err(|e| malformed(e.to_string()))?;
                sql::parse_list(&text).map_err(malformed)
            }
            Table::Register => row
                .try_get::<_, i64>(0)
                .map(Value::Int)
                .map_err(|e| malformed(e.to_string())),
        }
    }

    async fn append(&mut self, k: i64, v: i64) -> Result<(), DbError> {
        let v = v.to_string();
        (self.client.execute(&self.append, &[&k, &v]).await)
            .map(drop)
            .map_err(db_error(false))
    }

    async fn write(&mut self, k: i64, v: i64) -> Result<(), DbError> {
        (self.client.execute(&self.write, &[&k, &v]).await)
            .map(drop)
            .map_err(db_error(false))
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(db_error(true))
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.client
            .batch_execute("ROLLBACK")
            .await
            .map_err(db_error(false))
    }
}
