//! [`Pool`]: hash-consing of the values many states hold equal copies of.
//!
//! A breadth-first search keeps its whole frontier, and every successor used to get a fresh
//! allocation for the node state its transition rewrote, for each message it sent and for the
//! history a client event extended, although the same ones recur across thousands of global
//! states (Paxos with 3 clients: about 1,600 distinct node states, 110 messages and 250
//! histories among a million global states). In a breadth-first search a successor looks them
//! up in the search's pools (`step.rs`) and shares the copy already there, so a queued state
//! pays a pointer for each instead of an allocation. A pool keeps what it holds for the whole
//! search: distinct node states, messages and histories are few next to global states.
//! Equality and hashing are by content, as before, so the states visited, and so every count
//! and verdict, do not change.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::Mutex;

/// Shards, so that checker threads seldom wait on one another.
const SHARDS: usize = 16;

/// A pool of shared values (see the [module docs](self)). `T` is a shared pointer (`Arc`) whose
/// `Hash` and `PartialEq` look at the contents.
pub(crate) struct Pool<T> {
    shards: Box<[Mutex<Shard<T>>]>,
    hasher: BuildHasherDefault<Fold>,
}

/// One shard's entries.
type Shard<T> = HashSet<Entry<T>, BuildHasherDefault<Prehashed>>;

/// A pooled value with its hash, computed once per lookup (it also picks the shard). Model
/// states and messages compare equal to themselves (stateright's traits only ask for
/// `PartialEq`), so the pool may treat their equality as an equivalence.
struct Entry<T> {
    hash: u64,
    value: T,
}

impl<T: PartialEq> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.value == other.value
    }
}

impl<T: PartialEq> Eq for Entry<T> {}

impl<T> Hash for Entry<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hash that picks a value's entry: a multiply-and-rotate fold (a lookup costs a lookup's
/// worth, where SipHash would cost a tenth of a successor). Node states and histories hash as
/// their digests, one word; messages are a few words.
#[derive(Default)]
struct Fold(u64);

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        // Mix the high bits down: tables index buckets with the low ones.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The hasher of the pool's tables: an [`Entry`] is hashed already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is ever called (`Entry::hash`); fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: BuildHasherDefault::default(),
        }
    }
}

impl<T: Hash + PartialEq + Clone> Pool<T> {
    /// The pooled value equal to `value`: the one already in the pool (and `value` is dropped),
    /// or `value` itself, now pooled.
    pub(crate) fn intern(&self, value: T) -> T {
        let hash = self.hasher.hash_one(&value);
        // A table uses the low bits of a hash for its buckets and the top 7 for its control
        // bytes; the shard takes bits from the middle.
        let shard = (hash >> 32) as usize % SHARDS;
        // A poisoned shard only means another thread panicked mid-insert; the set is intact.
        let mut set = self.shards[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = Entry { hash, value };
        if let Some(pooled) = set.get(&entry) {
            return pooled.value.clone();
        }
        let value = entry.value.clone();
        set.insert(entry);
        value
    }

    /// How many distinct values the pool holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |set| set.len()))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn equal_values_interned_share_one_allocation() {
        let pool = Pool::default();
        let a = pool.intern(Arc::new(vec![1, 2, 3]));
        let b = pool.intern(Arc::new(vec![1, 2, 3]));
        let c = pool.intern(Arc::new(vec![4]));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(pool.len(), 2);
    }
}
