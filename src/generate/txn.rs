//! Transactional histories recorded from simulated databases (the idea of Jepsen's
//! `history.sim`, our own code), for the transactional checker's tests and benchmarks.
//!
//! A history is Jepsen's: every operation has `f` = `txn` and a value of micro-ops. List-append
//! invokes `[:append k v]` and `[:r k nil]`, and an `ok` completion fills reads in as lists
//! (`[:r k [1 2]]`, `[]` for an empty key); rw-register invokes `[:w k v]` and `[:r k nil]`, and
//! reads complete as `[:r k v]` (`nil` before the first write). In JSON lines the micro-op names
//! are strings: `["append",1,2]`. `fail` and `info` completions repeat the invocation's value.
//!
//! The databases ([`SimDb`]), from strongest to weakest, and what their histories can show:
//!
//! | db | concurrency control | can produce | cannot produce |
//! |---|---|---|---|
//! | `ssi` | snapshot reads; update transactions validated on every key read or written | nothing: every history is strict serializable | any anomaly |
//! | `si` | snapshot isolation, first committer wins | write skew (G2-item); histories serializable but not strictly | G0, G1, lost updates; every history is strong snapshot isolation |
//! | `prefix` | snapshot reads, no conflict check | lost updates; in list-append, lost appends (lists that fork: incompatible orders) | dirty, intermediate or fractured reads; for rw-register every history is causal |
//! | `read-committed` | long write locks (a conflict aborts), reads of the latest committed version | non-repeatable and fractured reads, lost updates, write skew | G0, G1a, G1b, G1c: every history is read committed |
//! | `brat` | none; aborted writes stay | G0, G1a (aborted reads), G1b (intermediate reads), G1c, internal inconsistency | a lost list element: the reads of a key are prefixes of one sequence |
//!
//! The claims are checked against the brute-force reference in the test suite (`tests/txn_reference/`).
//!
//! Map of this module, in reading order:
//! - [`TxnOptions`], [`generate_txn`], [`for_each_txn_event`] (here): the knobs (Elle's
//!   generator's, with its defaults) and the entry points (a whole history, or a stream of events);
//! - `keys.rs`: Elle's generator: which keys, reads or writes, unique values, retiring keys;
//! - `sim.rs`: the clients: invocations, steps, outcomes, crashes, the recorded events;
//! - `datum.rs`: a key's value per workload (a list, a register);
//! - `db.rs` + `db/`: the databases, one concurrency-control scheme a file.

mod datum;
mod db;
mod keys;
mod sim;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::history::{Event, History};
use datum::{List, Register};

pub(crate) use keys::KeyPool;

/// Which micro-ops transactions perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnWorkload {
    /// Elle's list-append: `append` to and read whole lists.
    ListAppend,
    /// Elle's rw-register: write and read registers.
    RwRegister,
}

/// Which simulated database records the history (see the module docs for what each can show).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimDb {
    /// Serializable: snapshot reads, update transactions validated on what they read and wrote.
    Ssi,
    /// Snapshot isolation with first-committer-wins.
    Si,
    /// Snapshot reads, no conflict check at commit: lost updates.
    Prefix,
    /// Long write locks, reads of the latest committed version.
    ReadCommitted,
    /// No concurrency control; aborted writes are not rolled back.
    Brat,
}

impl SimDb {
    /// Every database, strongest first.
    pub const ALL: [SimDb; 5] = [
        SimDb::Ssi,
        SimDb::Si,
        SimDb::Prefix,
        SimDb::ReadCommitted,
        SimDb::Brat,
    ];

    /// The name on the command line: `ssi`, `si`, `prefix`, `read-committed`, `brat`.
    pub fn name(self) -> &'static str {
        match self {
            SimDb::Ssi => "ssi",
            SimDb::Si => "si",
            SimDb::Prefix => "prefix",
            SimDb::ReadCommitted => "read-committed",
            SimDb::Brat => "brat",
        }
    }
}

/// How micro-ops choose among the active keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyDist {
    /// Each key twice as likely as the next (Elle's default, base 2).
    Exponential,
    /// Every active key equally likely.
    Uniform,
}

/// Generator settings. [`Default`] gives Elle's generator defaults (10 keys, exponential, 1–4
/// micro-ops, 32 writes per key) on `ssi`, 1000 transactions by 10 clients.
#[derive(Clone, Debug, PartialEq)]
pub struct TxnOptions {
    /// Micro-ops: list-append or rw-register.
    pub workload: TxnWorkload,
    /// The simulated database.
    pub db: SimDb,
    /// Transactions to invoke (Jepsen's `--limit`).
    pub txns: usize,
    /// Concurrent clients (at least 1).
    pub concurrency: usize,
    /// Keys active at a time (at least 1).
    pub key_count: usize,
    /// How micro-ops choose keys.
    pub key_dist: KeyDist,
    /// Fewest micro-ops in a transaction (at least 1).
    pub min_txn_length: usize,
    /// Most micro-ops in a transaction (at least `min_txn_length`).
    pub max_txn_length: usize,
    /// Writes a key gets before it retires and a fresh key takes its place (at least 1).
    pub max_writes_per_key: usize,
    /// Fraction of transactions whose client crashes: they complete `info`, and committed or not
    /// at random.
    pub crash_rate: f64,
    /// Fraction of transactions the client aborts instead of committing (`fail`).
    pub abort_rate: f64,
    /// The seed: the same options always give the same history.
    pub seed: u64,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            workload: TxnWorkload::ListAppend,
            db: SimDb::Ssi,
            txns: 1000,
            concurrency: 10,
            key_count: 10,
            key_dist: KeyDist::Exponential,
            min_txn_length: 1,
            max_txn_length: 4,
            max_writes_per_key: 32,
            crash_rate: 0.01,
            abort_rate: 0.05,
            seed: 0,
        }
    }
}

/// Settings that cannot generate a history.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TxnGenError {
    /// `concurrency` was 0.
    #[error("concurrency must be at least 1")]
    NoClients,
    /// `key_count` was 0.
    #[error("key count must be at least 1")]
    NoKeys,
    /// `max_writes_per_key` was 0.
    #[error("max writes per key must be at least 1")]
    NoWritesPerKey,
    /// The transaction lengths were not `1 <= min <= max`.
    #[error("transaction lengths must satisfy 1 <= min <= max, found min {min} and max {max}")]
    TxnLength {
        /// `min_txn_length`.
        min: usize,
        /// `max_txn_length`.
        max: usize,
    },
    /// A rate outside `0..=1`.
    #[error("{name} must be between 0 and 1, found {value}")]
    Rate {
        /// Which rate.
        name: &'static str,
        /// Its value.
        value: f64,
    },
}

impl TxnOptions {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), TxnGenError> {
        if self.concurrency == 0 {
            return Err(TxnGenError::NoClients);
        }
        if self.key_count == 0 {
            return Err(TxnGenError::NoKeys);
        }
        if self.max_writes_per_key == 0 {
            return Err(TxnGenError::NoWritesPerKey);
        }
        if self.min_txn_length == 0 || self.min_txn_length > self.max_txn_length {
            return Err(TxnGenError::TxnLength {
                min: self.min_txn_length,
                max: self.max_txn_length,
            });
        }
        for (name, value) in [
            ("crash rate", self.crash_rate),
            ("abort rate", self.abort_rate),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(TxnGenError::Rate { name, value });
            }
        }
        Ok(())
    }
}

/// Generates a transactional history: `options.txns` transactions recorded from the simulated
/// database, every invocation completed.
pub fn generate_txn(options: &TxnOptions) -> Result<History, TxnGenError> {
    let mut events = Vec::with_capacity(options.txns.saturating_mul(2).min(1 << 24));
    for_each_txn_event(options, &mut |event| events.push(event))?;
    Ok(History::new(events))
}

/// Like [`generate_txn`], but hands each event to `sink` as it is recorded instead of holding
/// the history: memory stays proportional to the keys, not the history.
pub fn for_each_txn_event(
    options: &TxnOptions,
    sink: &mut dyn FnMut(Event),
) -> Result<(), TxnGenError> {
    options.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    match options.workload {
        TxnWorkload::ListAppend => {
            let mut db = db::new::<List>(options.db, options.concurrency);
            sim::simulate(options, &mut *db, &mut rng, sink);
        }
        TxnWorkload::RwRegister => {
            let mut db = db::new::<Register>(options.db, options.concurrency);
            sim::simulate(options, &mut *db, &mut rng, sink);
        }
    }
    Ok(())
}
