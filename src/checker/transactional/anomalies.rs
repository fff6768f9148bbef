//! The anomalies found without cycles, one family a file:
//!
//! - `reads.rs`: G1a (read of a failed write), G1b (read of an intermediate write),
//!   garbage-read (read of a value nobody wrote);
//! - `internal.rs`: internal (a read disagreeing with the transaction's own earlier micro-ops),
//!   lost-own-write (a read missing a write the transaction made before it) and future-read (a
//!   read showing a write the transaction makes later);
//! - `order.rs`: duplicate-elements, incompatible-order and dirty-update (list-append);
//! - `lost_update.rs`: lost-update (committed transactions that read the same version and both
//!   wrote the key).
//!
//! cyclic-versions comes from `infer/rw_register.rs`. Each detector is a linear pass (plus
//! the length of the lists it compares) over the compact history.

mod internal;
mod lost_update;
mod order;
mod reads;

use super::anomaly::Anomaly;
use super::case::Case;
use super::extract::Writes;
use super::infer::list_append::ListAppendOrder;
use super::options::Workload;
use super::txn::{Mop, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN};
use crate::history::Value;

pub use lost_update::lost_updates;

/// Cases found, by anomaly.
pub type Cases = Vec<(Anomaly, Case)>;

/// Every non-cycle anomaly of a list-append history.
pub fn list_append(history: &TxnHistory, writes: &Writes, order: &ListAppendOrder) -> Cases {
    let mut cases = Cases::new();
    reads::aborted_intermediate_garbage(history, writes, Some(order), &mut cases);
    internal::list_append(history, writes, &mut cases);
    order::odd_reads(history, &mut cases);
    order::misordered_appends(history, order, &mut cases);
    order::dirty_updates(history, order, &mut cases);
    lost_updates(history, &mut cases);
    cases
}

/// Every non-cycle anomaly of an rw-register history (cyclic-versions aside).
pub fn rw_register(history: &TxnHistory, writes: &Writes) -> Cases {
    let mut cases = Cases::new();
    reads::aborted_intermediate_garbage(history, writes, None, &mut cases);
    internal::rw_register(history, writes, &mut cases);
    lost_updates(history, &mut cases);
    cases
}

/// The value a known read returned, as in the history.
pub fn read_value(history: &TxnHistory, mop: &Mop) -> Value {
    debug_assert_eq!(mop.kind, MopKind::Read);
    match (history.workload, mop.value) {
        (_, READ_UNKNOWN) => Value::Nil,
        (Some(Workload::ListAppend), r) => {
            let read = &history.reads[r as usize];
            Value::list(
                history
                    .list_elements(mop.key, read)
                    .iter()
                    .map(|&a| history.atoms.value(a))
                    .collect::<Vec<_>>(),
            )
        }
        (_, READ_NIL) => Value::Nil,
        (_, atom) => history.atoms.value(atom),
    }
}
