//! `read-committed`: long write locks, reads of the latest committed version.
//!
//! This is the locking implementation of Adya's PL-2 (degree 2): a write takes the key's lock
//! until the transaction ends; a key locked by another transaction cannot be written, and the
//! writer aborts at once (no waiting, so no deadlocks). A transaction's writes are private until
//! commit, then installed together. A read sees the transaction's own write of the key if it
//! has one, and otherwise the latest committed version *at the moment of the read*.
//!
//! Because only committed data is read and writers of a key are serialised by its lock (the
//! version order is the commit order, and every read reads from an earlier commit), there is no
//! G0, G1a, G1b or G1c. What PL-2 allows happens: non-repeatable reads, fractured reads (read
//! skew), lost updates and write skew (G-single, G2-item).

use super::{slot_of, Conflict, Datum, Db};

/// The read-committed database.
#[derive(Debug)]
pub(super) struct ReadCommitted<D> {
    committed: Vec<D>,
    /// The slot holding each key's write lock.
    locks: Vec<Option<usize>>,
    /// Per slot: the transaction's own versions of the keys it wrote.
    writes: Vec<Vec<(usize, D)>>,
}

impl<D: Datum> ReadCommitted<D> {
    /// An empty database for `slots` clients.
    pub(super) fn new(slots: usize) -> ReadCommitted<D> {
        ReadCommitted {
            committed: Vec::new(),
            locks: Vec::new(),
            writes: vec![Vec::new(); slots],
        }
    }

    fn release(&mut self, slot: usize) -> Vec<(usize, D)> {
        let writes = std::mem::take(&mut self.writes[slot]);
        for (key, _) in &writes {
            self.locks[*key] = None;
        }
        writes
    }
}

impl<D: Datum> Db<D> for ReadCommitted<D> {
    fn begin(&mut self, slot: usize) {
        self.writes[slot].clear();
    }

    fn read(&mut self, slot: usize, key: usize) -> D {
        match self.writes[slot].iter().find(|(k, _)| *k == key) {
            Some((_, own)) => own.clone(),
            None => self.committed.get(key).cloned().unwrap_or_default(),
        }
    }

    fn write(&mut self, slot: usize, key: usize, element: i64) -> Result<(), Conflict> {
        let lock = slot_of(&mut self.locks, key);
        match *lock {
            Some(holder) if holder != slot => return Err(Conflict),
            _ => *lock = Some(slot),
        }
        let latest = self.read(slot, key).write(element);
        let writes = &mut self.writes[slot];
        match writes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, own)) => *own = latest,
            None => writes.push((key, latest)),
        }
        Ok(())
    }

    fn commit(&mut self, slot: usize) -> Result<(), Conflict> {
        for (key, value) in self.release(slot) {
            *slot_of(&mut self.committed, key) = value;
        }
        Ok(())
    }

    fn abort(&mut self, slot: usize) {
        self.release(slot);
    }
}
