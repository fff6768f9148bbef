//! [`LwwRegister`]: the last-writer-wins register (Shapiro et al. 2011, §3.2.1, Specification 8
//! in INRIA RR-7506), with Lamport-clock timestamps and the replica index as tie-break.

use serde::{Deserialize, Serialize};

use super::Crdt;

/// A write as performed: its timestamp `(counter, replica)` and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LwwWrite {
    /// `(Lamport counter, replica)`: unique per write, totally ordered.
    pub stamp: (u64, u32),
    /// The value written.
    pub value: u64,
}

/// The latest write by timestamp; `None` before any. Merge keeps the later write.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LwwRegister(pub Option<LwwWrite>);

impl LwwRegister {
    /// Writes `value` at `replica` with a timestamp later than any this replica has seen.
    pub fn write(&mut self, replica: usize, value: u64) -> LwwWrite {
        let counter = self.0.map_or(0, |w| w.stamp.0) + 1;
        let write = LwwWrite {
            stamp: (counter, replica as u32),
            value,
        };
        self.0 = Some(write);
        write
    }
}

impl Crdt for LwwRegister {
    type Op = LwwWrite;
    type Value = Option<u64>;

    const SPEC_NAME: &'static str = "lww-register";
    const DESCRIPTION: &'static str =
        "last-writer-wins register replicas over a duplicating network must converge to the latest write";
    const SOURCE: &'static str = "Shapiro et al., INRIA RR-7506 (2011), §3.2.1, Specification 8";

    fn initial(_replicas: usize) -> Self {
        LwwRegister(None)
    }

    /// Replica `r`'s `k`-th write stores `10 r + k + 1`.
    fn update(&mut self, replica: usize, seq: u32) -> LwwWrite {
        self.write(replica, 10 * replica as u64 + u64::from(seq) + 1)
    }

    fn merge(&mut self, other: &Self) {
        if other.0.map(|w| w.stamp) > self.0.map(|w| w.stamp) {
            self.0 = other.0;
        }
    }

    fn value(&self) -> Option<u64> {
        self.0.map(|w| w.value)
    }

    fn expected(_replicas: usize, ops: &[&LwwWrite]) -> Option<u64> {
        ops.iter().max_by_key(|w| w.stamp).map(|w| w.value)
    }

    fn magnitude(&self) -> u64 {
        self.0.map_or(0, |w| w.stamp.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crdt::merge_law_violation;

    #[test]
    fn lww_merge_laws_hold_over_every_small_state() {
        // Timestamps are unique per write, so a stamp determines its value.
        let states: Vec<LwwRegister> = std::iter::once(LwwRegister(None))
            .chain((1..4).flat_map(|counter| {
                (0..2).map(move |replica| {
                    LwwRegister(Some(LwwWrite {
                        stamp: (counter, replica),
                        value: counter * 10 + u64::from(replica),
                    }))
                })
            }))
            .collect();
        assert_eq!(merge_law_violation(&states, LwwRegister::merge), None);
    }

    #[test]
    fn the_later_write_wins_whatever_the_merge_order() {
        let (mut a, mut b) = (LwwRegister(None), LwwRegister(None));
        a.update(0, 0);
        b.update(1, 0); // same counter: the replica index breaks the tie
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(&b);
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.value(), Some(11));
    }
}
