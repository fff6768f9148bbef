//! [`Writes`]: the write index, `pack(key, atom)` → [`Written`] (who wrote the value, where it
//! sits in the key's trace), with the same answers as a hash map of those pairs.
//!
//! Why not a plain hash map: at 10^6 writes its table is ~20 MB read and written at random,
//! and filling it was a third of reading a flat (Plume, AWDIT) file. Histories nearly always
//! write each key's values as a counter (Jepsen's and the flat generators' registers, list
//! appends), so each key keeps a dense vector indexed by the atom, filled in order and read in
//! order; a value far past its key's vector (random values, interned strings) goes to a hash
//! map. A key's vector grows only while it stays at most about twice its filled slots (four
//! times when moved, below), so memory is bounded by the entries whatever the values are.
//!
//! Files in session order (AWDIT's and Plume's generators) show each key's counter values
//! scattered: the first session's writes are spread over the whole range, so they land in the
//! hash map, and every later look-up of a vacant slot asked the map too (nine tenths of the
//! write index's time on AWDIT's 10^6-event files). So when the map has doubled since the last
//! look, the keys whose entries, dense and hashed together, would fill at least a quarter of
//! a vector up to their largest value move into one (amortised: each move pays for the doubling
//! before it), and a key with nothing hashed never asks the map.

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

/// The hash map's size at which keys are first considered for moving into dense vectors.
const MOVE_FIRST: usize = 1024;

/// One key's dense slots.
#[derive(Debug, Default)]
struct Dense {
    slots: Vec<Written>,
    filled: u32,
    /// How many of the key's entries are in the hash map instead.
    hashed: u32,
}

/// The write index (see the module documentation).
#[derive(Debug)]
pub struct Writes {
    dense: Vec<Dense>,
    sparse: HashMap<u64, Written>,
    /// The hash map's size at which keys are next considered for moving into dense vectors.
    move_at: usize,
}

impl Default for Writes {
    fn default() -> Writes {
        Writes {
            dense: Vec::new(),
            sparse: HashMap::new(),
            move_at: MOVE_FIRST,
        }
    }
}

fn unpack(packed: u64) -> (KeyId, AtomId) {
    ((packed >> 32) as KeyId, packed as AtomId)
}

impl Writes {
    /// The entry of `pack(key, atom)`, if any.
    pub fn get(&self, packed: &u64) -> Option<&Written> {
        let (key, atom) = unpack(*packed);
        let d = self.dense.get(key as usize)?;
        if let Some(slot) = d.slots.get(atom as usize) {
            if *slot != VACANT {
                return Some(slot);
            }
        }
        if d.hashed == 0 {
            return None;
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
        let d = &self.dense[key as usize];
        let covered = (atom as usize) < d.slots.len();
        let hashed = d.hashed > 0;
        if covered && d.slots[atom as usize] != VACANT {
            return &mut self.dense[key as usize].slots[atom as usize];
        }
        // A vacant slot may stand for an entry hashed before the vector reached it.
        if hashed && self.sparse.contains_key(&packed) {
            return self.sparse.get_mut(&packed).expect("just found");
        }
        if !covered && (atom as u64) >= 2 * d.filled as u64 + SLACK {
            if self.sparse.len() < self.move_at {
                self.dense[key as usize].hashed += 1;
                return self.sparse.entry(packed).or_insert(fresh);
            }
            self.move_to_dense();
            return self.slot(packed);
        }
        let d = &mut self.dense[key as usize];
        if !covered {
            d.slots.resize(atom as usize + 1, VACANT);
        }
        d.filled += 1;
        let slot = &mut d.slots[atom as usize];
        *slot = fresh;
        slot
    }

    /// Moves into a dense vector every key whose entries would fill at least a quarter of it
    /// (up to its largest hashed value); the next look is when the map has doubled again.
    fn move_to_dense(&mut self) {
        let mut largest = vec![0u32; self.dense.len()];
        for &packed in self.sparse.keys() {
            let (key, atom) = unpack(packed);
            largest[key as usize] = largest[key as usize].max(atom);
        }
        let mut moving = vec![false; self.dense.len()];
        for (k, d) in self.dense.iter_mut().enumerate() {
            let entries = d.filled as u64 + d.hashed as u64;
            // A quarter full at worst: 32 bytes an entry, about what the map takes (16 and its
            // control bytes at 7/8 load), and counters fill the rest as the file goes on.
            if d.hashed > 0 && (largest[k] as u64) < 4 * entries + SLACK {
                moving[k] = true;
                let len = (largest[k] as usize + 1).max(d.slots.len());
                d.slots.resize(len, VACANT);
            }
        }
        let dense = &mut self.dense;
        self.sparse.retain(|&packed, w| {
            let (key, atom) = unpack(packed);
            if !moving[key as usize] {
                return true;
            }
            let d = &mut dense[key as usize];
            d.slots[atom as usize] = *w;
            d.filled += 1;
            d.hashed -= 1;
            false
        });
        self.move_at = 2 * self.sparse.len().max(MOVE_FIRST);
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
            if seed % 2 == 0 {
                writes.move_at = 8; // keys moved from the hash map often
            }
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
    fn counter_values_in_session_order_move_out_of_the_hash_map() {
        // Values 1..=20_000 of one key arriving scattered: every 97th, from each offset in turn.
        let mut writes = Writes::default();
        let order: Vec<u32> = (0..97)
            .flat_map(|o| (1..=20_000).skip(o).step_by(97))
            .collect();
        assert_eq!(order.len(), 20_000);
        for &v in &order {
            writes.slot(pack(2, v)).writer = v;
        }
        assert!(
            writes.sparse.len() < 2 * MOVE_FIRST,
            "{}",
            writes.sparse.len()
        );
        assert_eq!(writes.len(), 20_000);
        for v in [1, 97, 5_000, 20_000] {
            assert_eq!(writes.get(&pack(2, v)).map(|w| w.writer), Some(v));
        }
        assert_eq!(writes.get(&pack(2, 20_001)), None);
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
