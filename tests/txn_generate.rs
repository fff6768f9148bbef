//! `splitbrain gen --workload list-append|rw-register --db ...`: what the transactional generator
//! promises, checked on the histories it writes.
//!
//! Map of this module, in reading order:
//! - helpers (here): a history per workload and database, its operations paired, its micro-ops;
//! - `shapes.rs`: Jepsen's conventions (one operation in flight per process, a fresh process
//!   after `info`, `fail`/`info` repeat the invocation), Elle's generator (lengths, unique
//!   values per key, keys retiring), and what each database's reads can look like;
//! - `formats.rs`: determinism (same seed, same bytes), JSON lines and EDN read back by the
//!   repository's own readers, option errors, and the command line.

mod formats;
mod shapes;

use splitbrain::generate::{generate_txn, SimDb, TxnOptions, TxnWorkload};
use splitbrain::history::{History, Op, Value};

/// Both workloads.
const WORKLOADS: [TxnWorkload; 2] = [TxnWorkload::ListAppend, TxnWorkload::RwRegister];

/// A history of `txns` transactions on `db`, with defaults otherwise.
fn history(workload: TxnWorkload, db: SimDb, txns: usize, seed: u64) -> History {
    generate_txn(&TxnOptions {
        workload,
        db,
        txns,
        seed,
        ..TxnOptions::default()
    })
    .expect("valid options")
}

/// The operations of `history`, paired.
fn ops(history: &History) -> Vec<Op> {
    history.ops(None).expect("generated histories pair")
}

/// A micro-op `[f k v]` as (name, key, value).
fn mop(value: &Value) -> (&str, i64, &Value) {
    match value.as_list() {
        Some([f, k, v]) => (
            f.as_text().expect("a micro-op name"),
            k.as_int().expect("an integer key"),
            v,
        ),
        _ => panic!("not a micro-op: {value}"),
    }
}

/// The micro-ops of an operation's value.
fn mops(value: &Value) -> impl Iterator<Item = (&str, i64, &Value)> {
    value
        .as_list()
        .expect("a list of micro-ops")
        .iter()
        .map(mop)
}
