//! Seeded synthetic histories, for benchmarks and tests. One seed drives every choice: the same
//! options always give the same history.
//!
//! Map of this module, in reading order:
//! - `register.rs`: single-object histories (register, cas-register, per-key kv) recorded from a
//!   simulated correct object, linearizable by construction unless an [`Anomaly`] is injected
//!   ([`generate`], [`GenOptions`]);
//! - `txn.rs` + `txn/`: transactional histories (Elle's list-append and rw-register) recorded
//!   from simulated databases with different concurrency control, from serializable to none at
//!   all ([`generate_txn`], [`TxnOptions`], [`SimDb`]).

mod register;
mod txn;

pub use register::{generate, Anomaly, GenOptions, Values, Workload};
/// Elle's transaction generator (keys, unique writes, retiring keys), for the runner's txn
/// workloads.
pub(crate) use txn::KeyPool;
pub use txn::{
    for_each_txn_event, generate_txn, KeyDist, SimDb, TxnGenError, TxnOptions, TxnWorkload,
};
