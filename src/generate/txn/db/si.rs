//! `si`: snapshot isolation with first-committer-wins.
//!
//! Snapshot reads as in `prefix`, and a transaction may commit only if no key it wrote has a
//! version committed since its snapshot. Its snapshot is taken after its invocation and its
//! commit happens before its completion, so histories are *strong* snapshot isolation.
//! Concurrent transactions that write disjoint keys after reading each other's keys both commit:
//! write skew (G2-item), and at scale other cycles with two or more anti-dependencies. Never G0,
//! G1 or lost updates, never a cycle with a single anti-dependency (G-single).

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
