//! The hash of each durable value a replayed node persists, exactly as its host computes it
//! over the bytes it writes ([`durable_hash`]), at a cost that follows what changed.
//!
//! The model hands over its whole durable value at every persist (Raft: the term, the vote and
//! the whole log) and the host hashes the whole file it writes. Serializing straight into the
//! hasher at every persist made validation quadratic in the run's length, with the hasher fed
//! a few bytes at a time (a 20 s Raft run: ~85 % of the time). [`DurableHashes`] keeps, per node:
//! - the last value it hashed: an equal one (`Eq`; a grown log differs at its length, at once)
//!   has its hash, with no serialization;
//! - the bytes the last value serialized to, with the hasher's state after every [`BLOCK`]
//!   bytes of them: a new value is serialized into a reused buffer and hashed only from the
//!   first block where its bytes differ (a log that grew by an entry re-hashes its tail).
//!
//! No shortcut changes the answer: every persist is hashed, the hash is the host's (a test
//! compares it with [`durable_hash`] of the whole bytes), and nothing is compared by anything
//! weaker than equality.

use serde::Serialize;

use super::DurableHashing;

#[cfg(doc)]
use crate::node::durable_hash;
use crate::node::DurableHasher;

/// The bytes between two saved hasher states.
pub(crate) const BLOCK: usize = 256;

/// One node's durable hashes (see the module docs).
pub(crate) struct DurableHashes<D> {
    /// The last value hashed, and its hash.
    last: Option<(D, u64)>,
    /// The bytes of the last value serialized.
    bytes: Vec<u8>,
    /// The buffer the next value is serialized into.
    next: Vec<u8>,
    /// `states[i]`: the hasher after the first `i` blocks of `bytes` (`states[0]`: empty).
    states: Vec<DurableHasher>,
    /// How (the old way is kept for the bench's before/after figure).
    how: DurableHashing,
}

impl<D> Default for DurableHashes<D> {
    fn default() -> Self {
        DurableHashes::new(DurableHashing::Incremental)
    }
}

impl<D> DurableHashes<D> {
    /// Hashes the way `how` says.
    pub(crate) fn new(how: DurableHashing) -> Self {
        DurableHashes {
            how,
            last: None,
            bytes: Vec::new(),
            next: Vec::new(),
            states: vec![DurableHasher::default()],
        }
    }
}

impl<D: Eq + Serialize> DurableHashes<D> {
    /// The [`durable_hash`] of `durable`'s JSON, as the host writes it.
    pub(crate) fn hash(&mut self, durable: D) -> u64 {
        if self.how == DurableHashing::Whole {
            return super::compare::hash_durable(&durable);
        }
        if let Some((last, hash)) = &self.last {
            if *last == durable {
                return *hash;
            }
        }
        self.next.clear();
        // The protocol's own types always serialize; were one not to, the hash would differ
        // from the node's and the step would diverge, never pass.
        let _ = serde_json::to_writer(&mut self.next, &durable);
        let same = self
            .bytes
            .chunks_exact(BLOCK)
            .zip(self.next.chunks_exact(BLOCK))
            .take_while(|(old, new)| old == new)
            .count();
        self.states.truncate(same + 1);
        let mut hasher = self.states[same].clone();
        for block in self.next[same * BLOCK..].chunks(BLOCK) {
            hasher.feed(block);
            if block.len() == BLOCK {
                self.states.push(hasher.clone());
            }
        }
        let hash = hasher.finish();
        std::mem::swap(&mut self.bytes, &mut self.next);
        self.last = Some((durable, hash));
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::durable_hash;

    #[test]
    fn every_value_hashes_as_the_host_hashes_its_whole_bytes() {
        let mut hashes = DurableHashes::default();
        let mut whole = DurableHashes::new(DurableHashing::Whole);
        let mut log: Vec<(u64, String)> = Vec::new();
        let mut values = Vec::new();
        for i in 0..300u64 {
            log.push((i, format!("entry {i}")));
            values.push((1u64, log.clone()));
            if i % 50 == 7 {
                log.truncate(log.len() / 2);
                values.push((2 + i, log.clone()));
            }
            values.push((2 + i, log.clone()));
        }
        for value in values {
            let expected = durable_hash(&serde_json::to_vec(&value).unwrap());
            assert_eq!(whole.hash(value.clone()), expected, "{value:?}");
            assert_eq!(hashes.hash(value.clone()), expected, "{value:?}");
        }
    }
}
