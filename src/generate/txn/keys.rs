//! What transactions do: Elle's generator, over a pool of active keys that retire.
//!
//! `key_count` keys are active at a time, in slots; a micro-op picks a slot (exponentially, slot
//! `i` twice as likely as slot `i + 1`, or uniformly), then reads or writes its key with equal
//! probability. Writes to a key carry `1, 2, 3, ...`, so every write is unique per key. When a
//! key has had `max_writes_per_key` writes it retires, and its slot gets a fresh key: the largest
//! key so far plus one.

use rand::Rng;

use super::KeyDist;

/// One micro-op as invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mop {
    /// A write (append or `w`) rather than a read.
    pub(crate) write: bool,
    /// The key.
    pub(crate) key: usize,
    /// The value written (unused by reads).
    pub(crate) value: i64,
}

/// The active keys and how often each key was written.
#[derive(Debug)]
pub(crate) struct KeyPool {
    active: Vec<usize>,
    writes: Vec<i64>,
    max_writes: i64,
    dist: KeyDist,
}

impl KeyPool {
    /// Keys `0..count` active, none written yet.
    pub(crate) fn new(count: usize, max_writes: usize, dist: KeyDist) -> KeyPool {
        KeyPool {
            active: (0..count).collect(),
            writes: vec![0; count],
            max_writes: i64::try_from(max_writes).unwrap_or(i64::MAX),
            dist,
        }
    }

    /// A slot index in `0..active.len()`.
    fn pick<R: Rng>(&self, rng: &mut R) -> usize {
        let n = self.active.len();
        match self.dist {
            KeyDist::Uniform => rng.gen_range(0..n),
            // Slot i with probability proportional to 2^-i: the number of trailing zeros of a
            // random word is geometric with ratio 1/2; values past the last slot are redrawn.
            KeyDist::Exponential => loop {
                let i = rng.gen::<u64>().trailing_zeros() as usize;
                if i < n {
                    break i;
                }
            },
        }
    }

    /// The next micro-op.
    pub(crate) fn mop<R: Rng>(&mut self, rng: &mut R) -> Mop {
        let slot = self.pick(rng);
        let key = self.active[slot];
        if !rng.gen_bool(0.5) {
            return Mop {
                write: false,
                key,
                value: 0,
            };
        }
        self.writes[key] += 1;
        let value = self.writes[key];
        if value >= self.max_writes {
            self.active[slot] = self.writes.len();
            self.writes.push(0);
        }
        Mop {
            write: true,
            key,
            value,
        }
    }

    /// A transaction of `min..=max` micro-ops.
    pub(crate) fn txn<R: Rng>(&mut self, rng: &mut R, min: usize, max: usize) -> Vec<Mop> {
        let len = rng.gen_range(min..=max);
        (0..len).map(|_| self.mop(rng)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn writes_count_up_per_key_and_keys_retire_after_their_budget() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut pool = KeyPool::new(3, 4, KeyDist::Uniform);
        let mut last = std::collections::HashMap::new();
        for _ in 0..1000 {
            let mop = pool.mop(&mut rng);
            if mop.write {
                let previous = last.insert(mop.key, mop.value).unwrap_or(0);
                assert_eq!(mop.value, previous + 1);
                assert!(mop.value <= 4);
            }
        }
        assert!(pool.writes.len() > 50, "keys retire and fresh ones appear");
        assert_eq!(pool.active.len(), 3);
    }

    #[test]
    fn exponential_keys_halve_in_frequency() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let pool = KeyPool::new(4, 1000, KeyDist::Exponential);
        let mut counts = [0u32; 4];
        for _ in 0..80_000 {
            counts[pool.pick(&mut rng)] += 1;
        }
        for i in 0..3 {
            let ratio = f64::from(counts[i]) / f64::from(counts[i + 1]);
            assert!((1.8..2.2).contains(&ratio), "{counts:?}");
        }
    }
}
