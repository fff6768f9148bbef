//! The multiversion store and snapshot transactions behind `prefix`, `si` and `ssi`.
//!
//! Every commit gets the next timestamp and installs, for each key it wrote, a new version
//! stamped with it. A transaction's snapshot is the store as of the latest timestamp when it
//! began: a read returns the transaction's own write of the key if it has one, and otherwise the
//! newest version no younger than the snapshot. A write computes the new value from what the
//! transaction sees (its snapshot plus its own writes) and keeps it private until commit. The
//! three databases differ only in [`Validate`]: what a commit checks before it installs.

use super::{slot_of, Conflict, Datum, Db};

/// A transaction's snapshot, reads and writes.
#[derive(Debug, Default)]
pub(super) struct Txn<D> {
    /// The timestamp of the snapshot.
    pub(super) start: u64,
    /// Keys read from the snapshot (not from the transaction's own writes).
    pub(super) reads: Vec<usize>,
    /// The transaction's own version of each key it wrote.
    pub(super) writes: Vec<(usize, D)>,
}

/// Per key, its committed versions as `(commit timestamp, value)`, oldest first.
#[derive(Debug, Default)]
pub(super) struct Versions<D> {
    keys: Vec<Vec<(u64, D)>>,
    clock: u64,
}

impl<D: Datum> Versions<D> {
    /// The value of `key` as of timestamp `at`.
    fn at(&self, key: usize, at: u64) -> D {
        let Some(versions) = self.keys.get(key) else {
            return D::default();
        };
        versions
            .iter()
            .rev()
            .find(|(ts, _)| *ts <= at)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    /// The timestamp of the newest version of `key` (0 when it has none).
    pub(super) fn last_commit(&self, key: usize) -> u64 {
        self.keys
            .get(key)
            .and_then(|versions| versions.last())
            .map_or(0, |(ts, _)| *ts)
    }
}

/// A commit check: `true` lets the transaction install its writes.
pub(super) type Validate<D> = fn(&Txn<D>, &Versions<D>) -> bool;

/// A snapshot database with commit check `validate`.
#[derive(Debug)]
pub(super) struct SnapshotDb<D> {
    store: Versions<D>,
    txns: Vec<Txn<D>>,
    validate: Validate<D>,
}

impl<D: Datum> SnapshotDb<D> {
    /// An empty database for `slots` clients.
    pub(super) fn new(slots: usize, validate: Validate<D>) -> SnapshotDb<D> {
        SnapshotDb {
            store: Versions {
                keys: Vec::new(),
                clock: 0,
            },
            txns: (0..slots).map(|_| Txn::default()).collect(),
            validate,
        }
    }

    fn sees(&self, slot: usize, key: usize) -> (D, bool) {
        let txn = &self.txns[slot];
        match txn.writes.iter().find(|(k, _)| *k == key) {
            Some((_, own)) => (own.clone(), true),
            None => (self.store.at(key, txn.start), false),
        }
    }
}

impl<D: Datum> Db<D> for SnapshotDb<D> {
    fn begin(&mut self, slot: usize) {
        let txn = &mut self.txns[slot];
        txn.start = self.store.clock;
        txn.reads.clear();
        txn.writes.clear();
    }

    fn read(&mut self, slot: usize, key: usize) -> D {
        let (value, own) = self.sees(slot, key);
        if !own {
            self.txns[slot].reads.push(key);
        }
        value
    }

    fn write(&mut self, slot: usize, key: usize, element: i64) -> Result<(), Conflict> {
        let (value, own) = self.sees(slot, key);
        let value = value.write(element);
        let writes = &mut self.txns[slot].writes;
        if own {
            if let Some((_, mine)) = writes.iter_mut().find(|(k, _)| *k == key) {
                *mine = value;
            }
        } else {
            writes.push((key, value));
        }
        Ok(())
    }

    fn commit(&mut self, slot: usize) -> Result<(), Conflict> {
        let txn = &mut self.txns[slot];
        if !(self.validate)(txn, &self.store) {
            return Err(Conflict);
        }
        if txn.writes.is_empty() {
            return Ok(());
        }
        self.store.clock += 1;
        let ts = self.store.clock;
        for (key, value) in txn.writes.drain(..) {
            slot_of(&mut self.store.keys, key).push((ts, value));
        }
        Ok(())
    }

    fn abort(&mut self, slot: usize) {
        let txn = &mut self.txns[slot];
        txn.reads.clear();
        txn.writes.clear();
    }
}
