//! The search's memo: configurations already explored, stored exactly.
//!
//! A configuration is (state, set of linearized operations). The set is encoded compactly
//! relative to the first unlinearized required operation (everything before it is linearized),
//! so an entry costs a few words however long the history is. Lookups hash with an incremental
//! (Zobrist) hash maintained by the search, then compare the exact encoding: a hash collision can
//! never make the search skip a configuration it has not seen.

use hashbrown::HashTable;

/// Exact set of explored configurations.
#[derive(Default)]
pub struct Memo {
    table: HashTable<Slot>,
    arena: Vec<u32>,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    start: u32,
    len: u32,
}

/// Bytes one table slot costs, for memory accounting (slot plus control byte and load factor).
const SLOT_BYTES: usize = 24;

impl Memo {
    /// Inserts `key` (with its precomputed `hash`); returns whether it was new. Returns `None`
    /// when the arena would outgrow 32-bit offsets (the caller reports a memory limit).
    pub fn insert(&mut self, hash: u64, key: &[u32]) -> Option<bool> {
        let arena = &self.arena;
        let found = self.table.find(hash, |slot| {
            slot.hash == hash
                && arena[slot.start as usize..(slot.start + slot.len) as usize] == *key
        });
        if found.is_some() {
            return Some(false);
        }
        let start = u32::try_from(self.arena.len()).ok()?;
        let len = u32::try_from(key.len()).ok()?;
        start.checked_add(len)?;
        self.arena.extend_from_slice(key);
        self.table
            .insert_unique(hash, Slot { hash, start, len }, |slot| slot.hash);
        Some(true)
    }

    /// Entries stored.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Approximate heap bytes in use.
    pub fn bytes(&self) -> usize {
        self.table.capacity() * SLOT_BYTES + self.arena.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_hashes_with_different_keys_are_both_new() {
        let mut memo = Memo::default();
        assert_eq!(memo.insert(7, &[1, 2]), Some(true));
        assert_eq!(memo.insert(7, &[1, 3]), Some(true));
        assert_eq!(memo.insert(7, &[1, 2]), Some(false));
        assert_eq!(memo.len(), 2);
    }
}
