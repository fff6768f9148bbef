//! `si`: snapshot isolation with first-committer-wins.
//!
//! Snapshot reads as in `prefix`, and a transaction may commit only if no key it wrote has a
//! version committed since its snapshot. Its snapshot is taken after its invocation and its
//! commit happens before its completion, so histories are *strong* snapshot isolation.
//! Concurrent transactions that write disjoint keys after reading each other's keys both commit:
//! write skew (G2-item). Never G0, G1 or lost updates; and, SI being Adya's PL-SI, no cycle with a
//! single anti-dependency (G-single) under the database's own version order.

use super::snapshot::{SnapshotDb, Txn, Versions};
use super::Datum;

/// An SI database for `slots` clients.
pub(super) fn new<D: Datum>(slots: usize) -> SnapshotDb<D> {
    SnapshotDb::new(slots, first_committer_wins)
}

/// No key written by `txn` has a version newer than its snapshot.
fn first_committer_wins<D: Datum>(txn: &Txn<D>, store: &Versions<D>) -> bool {
    txn.writes
        .iter()
        .all(|(key, _)| store.last_commit(*key) <= txn.start)
}
