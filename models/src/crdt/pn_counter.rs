//! [`PnCounter`]: a counter that also decrements, as two grow-only counters (Shapiro et al.
//! 2011, §3.1.2, Specification 7 in INRIA RR-7506).

use serde::{Deserialize, Serialize};

use super::{Crdt, GCounter};

/// Increments in `p`, decrements in `n`; the value is `sum(p) - sum(n)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PnCounter {
    /// The increments.
    pub p: GCounter,
    /// The decrements.
    pub n: GCounter,
}

impl PnCounter {
    /// Adds `delta` (either sign) at `replica`.
    pub fn add(&mut self, replica: usize, delta: i64) {
        if delta >= 0 {
            self.p.increment(replica, delta.unsigned_abs());
        } else {
            self.n.increment(replica, delta.unsigned_abs());
        }
    }
}

impl Crdt for PnCounter {
    /// The delta added.
    type Op = i64;
    type Value = i64;

    const SPEC_NAME: &'static str = "pn-counter";
    const DESCRIPTION: &'static str =
        "increment/decrement counter replicas over a duplicating network must converge to the sum";
    const SOURCE: &'static str = "Shapiro et al., INRIA RR-7506 (2011), §3.1.2, Specification 7";
    const HAS_SUM_MERGE: bool = true;

    fn initial(replicas: usize) -> Self {
        PnCounter {
            p: GCounter::initial(replicas),
            n: GCounter::initial(replicas),
        }
    }

    /// Replica `r` adds `r + 1`, then `-1`, alternately.
    fn update(&mut self, replica: usize, seq: u32) -> i64 {
        let delta = if seq % 2 == 0 { replica as i64 + 1 } else { -1 };
        self.add(replica, delta);
        delta
    }

    fn merge(&mut self, other: &Self) {
        self.p.merge(&other.p);
        self.n.merge(&other.n);
    }

    fn sum_merge(&mut self, other: &Self) {
        self.p.sum_merge(&other.p);
        self.n.sum_merge(&other.n);
    }

    fn value(&self) -> i64 {
        self.p.value() as i64 - self.n.value() as i64
    }

    fn expected(_replicas: usize, ops: &[&i64]) -> i64 {
        ops.iter().copied().sum()
    }

    fn magnitude(&self) -> u64 {
        self.p.value() + self.n.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crdt::merge_law_violation;

    #[test]
    fn pn_counter_merge_laws_hold_over_every_small_state() {
        let entries = |bits: u8| GCounter(vec![u64::from(bits & 1), u64::from(bits >> 1 & 1)]);
        let states: Vec<PnCounter> = (0..4)
            .flat_map(|p| {
                (0..4).map(move |n| PnCounter {
                    p: entries(p),
                    n: entries(n),
                })
            })
            .collect();
        assert_eq!(states.len(), 16);
        assert_eq!(merge_law_violation(&states, PnCounter::merge), None);
        assert_eq!(
            merge_law_violation(&states, PnCounter::sum_merge).map(|v| v.law),
            Some("idempotent")
        );
    }

    #[test]
    fn decrements_lower_the_value() {
        let mut counter = PnCounter::initial(2);
        assert_eq!(counter.update(1, 0), 2);
        assert_eq!(counter.update(1, 1), -1);
        assert_eq!(counter.value(), 1);
    }
}
