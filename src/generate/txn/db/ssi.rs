//! `ssi`: serializable, by validating update transactions on everything they touched.
//!
//! Snapshot reads as in `si`. An update transaction commits only if no key it read or wrote has
//! a version committed since its snapshot (backward validation, as in optimistic concurrency
//! control); it then behaves as if it ran entirely at its commit. A read-only transaction always
//! commits and behaves as if it ran at its snapshot. Both points lie between the transaction's
//! invocation and completion, so histories are *strict* serializable: no anomaly at all.

use super::snapshot::{SnapshotDb, Txn, Versions};
use super::Datum;

/// An SSI database for `slots` clients.
pub(super) fn new<D: Datum>(slots: usize) -> SnapshotDb<D> {
    SnapshotDb::new(slots, unchanged_since_snapshot)
}

/// A read-only transaction, or one whose keys read and written are unchanged since its snapshot.
fn unchanged_since_snapshot<D: Datum>(txn: &Txn<D>, store: &Versions<D>) -> bool {
    let touched = txn
        .reads
        .iter()
        .chain(txn.writes.iter().map(|(key, _)| key));
    txn.writes.is_empty()
        || touched
            .into_iter()
            .all(|&key| store.last_commit(key) <= txn.start)
}
