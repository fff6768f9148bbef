//! [`Writes`]: the write index, `pack(key, atom)` → [`Written`] (who wrote the value, where it
//! sits in the key's trace), with the same answers as a hash map of those pairs.
//!
//! Why not a plain hash map: at 10^6 writes its table is ~20 MB read and written at random,
//! and filling it was a third of reading a flat (Plume, AWDIT) file. Histories nearly always
//! write each key's values as a counter (Jepsen's and the flat generators' registers, list
//! appends), so each key keeps a dense vector indexed by the atom, filled in order and read in
//! order; a value far past its key's vector (random values, interned strings) goes to a hash
//! map. A key's vector grows only while it stays at most about twice its filled slots, so
//! memory is bounded by the entries whatever the values are.

use hashbrown::HashMap;

use super::{Written, NONE};
use crate::checker::transactional::txn::{AtomId, KeyId};

/// A free slot of a dense vector (`pos` is a trace position otherwise, never this large).
const VACANT: Written = Written {
    writer: NONE,
    pos: NONE - 1,
};

/// A dense vector may grow to cover an atom below `2 × filled + SLACK`.
const SLACK: u64 = 4;

/// One key's dense slots.
#[derive(Debug, Default)]
struct Dense {
    slots: Vec<Written>,
    filled: u32,
}

/// The write index (see the module documentation).
#[derive(Debug, Default)]
pub struct Writes {
    dense: Vec<Dense>,
    sparse: HashMap<u64, Written>,
}

fn unpack(packed: u64) -> (KeyId, AtomId) {
    ((packed >> 32) as KeyId, packed as AtomId)
}

impl Writes {
    /// The entry of `pack(key, atom)`, if any.
    pub fn get(&self, packed: &u64) -> Option<&Written> {
        let (key, atom) = unpack(*packed);
        if let Some(slot) = (self.dense.get(key as usize)).and_then(|d| d.slots.get(atom as usize))
        {
            if *slot != VACANT {
                return Some(slot);
            }
        }
        self.sparse.get(packed)
    }

    /// The entry of `pack(key, atom)`, made (no writer, no position) if absent.
    pub fn slot(&mut self, packed: u64) -> &mut Written {
        let (key, atom) = unpack(packed);
        let fresh = Written {
            writer: NONE,
            pos: NONE,
        };
        if self.dense.len() <= key as usize {
            self.dense.resize_with(key as usize + 1, Dense::default);
        }
        let d = &mut self.dense[key as usize];
        let covered = (atom as usize) < d.slots.len();
        if covered && d.slots[atom as usize] != VACANT {
            return &mut d.slots[atom as usize];
        }
        // A vacant slot may stand for an entry made sparse before the vector reached it.
        if self.sparse.contains_key(&packed) {
            return self.sparse.get_mut(&packed).expect("just found");
        }
        if !covered && (atom as u64) < 2 * d.filled as u64 + SLACK {
            d.slots.resize(atom as usize + 1, VACANT);
        } else if !covered {
            return self.sparse.entry(packed).or_insert(fresh);
        }
        d.filled += 1;
        let slot = &mut d.slots[atom as usize];
        *slot = fresh;
        slot
    }

    /// Every entry, as `(pack(key, atom), entry)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Written)> + '_ {
        let dense = self.dense.iter().enumerate().flat_map(|(k, d)| {
            (d.slots.iter().enumerate())
                .filter(|(_, w)| **w != VACANT)
                .map(move |(a, w)| (super::pack(k as KeyId, a as AtomId), w))
        });
        dense.chain(self.sparse.iter().map(|(&p, w)| (p, w)))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.dense.iter().map(|d| d.filled as usize).sum::<usize>() + self.sparse.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Equal when they hold the same entries (however they are laid out).
impl PartialEq for Writes {
    fn eq(&self, other: &Writes) -> bool {
        self.len() == other.len() && self.iter().all(|(p, w)| other.get(&p) == Some(w))
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::checker::transactional::extract::pack;

    /// Random slots made and changed, counters and scattered values mixed, against a map.
    #[test]
    fn writes_answer_as_a_hash_map_of_the_same_entries() {
        for seed in 0..50u64 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut writes = Writes::default();
            let mut map: HashMap<u64, Written> = HashMap::new();
            let mut counter = [0u32; 5];
            for i in 0..2_000u32 {
                let key = rng.gen_range(0..5);
                let atom = match rng.gen_range(0..4) {
                    0 => rng.gen_range(0..1 << 31),
                    1 => rng.gen_range(0..40),
                    _ => {
                        counter[key as usize] += 1;
                        counter[key as usize]
                    }
                };
                let p = pack(key, atom);
                let fresh = Written {
                    writer: NONE,
                    pos: NONE,
                };
                let expected = map.entry(p).or_insert(fresh);
                let got = writes.slot(p);
                assert_eq!(*got, *expected, "seed {seed}, step {i}");
                if rng.gen_bool(0.5) {
                    got.writer = i;
                    expected.writer = i;
                }
                let probe = pack(rng.gen_range(0..6), rng.gen_range(0..60));
                assert_eq!(writes.get(&probe), map.get(&probe), "seed {seed}, step {i}");
            }
            assert_eq!(writes.len(), map.len());
            let mut all: Vec<(u64, Written)> = writes.iter().map(|(p, w)| (p, *w)).collect();
            let mut want: Vec<(u64, Written)> = map.iter().map(|(&p, &w)| (p, w)).collect();
            all.sort_unstable_by_key(|e| e.0);
            want.sort_unstable_by_key(|e| e.0);
            assert_eq!(all, want);
        }
    }

    #[test]
    fn counter_values_stay_out_of_the_hash_map() {
        let mut writes = Writes::default();
        for v in 1..1_000 {
            writes.slot(pack(3, v)).writer = v;
        }
        assert!(writes.sparse.is_empty());
        assert_eq!(writes.get(&pack(3, 500)).map(|w| w.writer), Some(500));
        assert_eq!(writes.get(&pack(3, 0)), None);
    }
}
