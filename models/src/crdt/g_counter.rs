//! [`GCounter`]: a grow-only counter (Shapiro et al. 2011, §3.1.1, Specification 6 in the
//! technical report, INRIA RR-7506).

use serde::{Deserialize, Serialize};

use super::Crdt;

/// One entry per replica; replica `i` only increments entry `i`; merge is the entry-wise
/// maximum; the value is the sum.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GCounter(pub Vec<u64>);

impl GCounter {
    /// Adds `by` to replica `replica`'s entry.
    pub fn increment(&mut self, replica: usize, by: u64) {
        self.0[replica] += by;
    }
}

impl Crdt for GCounter {
    /// The increment performed.
    type Op = u64;
    type Value = u64;

    const SPEC_NAME: &'static str = "g-counter";
    const DESCRIPTION: &'static str =
        "grow-only counter replicas gossiping over a duplicating network must converge to the sum";
    const SOURCE: &'static str = "Shapiro et al., INRIA RR-7506 (2011), §3.1.1, Specification 6";
    const HAS_SUM_MERGE: bool = true;

    fn initial(replicas: usize) -> Self {
        GCounter(vec![0; replicas])
    }

    fn update(&mut self, replica: usize, _seq: u32) -> u64 {
        self.increment(replica, 1);
        1
    }

    fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }

    fn sum_merge(&mut self, other: &Self) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    fn value(&self) -> u64 {
        self.0.iter().sum()
    }

    fn expected(_replicas: usize, ops: &[&u64]) -> u64 {
        ops.iter().copied().sum()
    }

    fn magnitude(&self) -> u64 {
        self.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crdt::merge_law_violation;

    #[test]
    fn g_counter_merge_laws_hold_over_every_small_state() {
        let states: Vec<GCounter> = (0..3)
            .flat_map(|a| (0..3).map(move |b| GCounter(vec![a, b])))
            .collect();
        assert_eq!(merge_law_violation(&states, GCounter::merge), None);
    }

    #[test]
    fn sum_merge_is_not_idempotent() {
        let states = [GCounter(vec![1, 0])];
        let violation = merge_law_violation(&states, GCounter::sum_merge).unwrap();
        assert_eq!(violation.law, "idempotent");
    }
}
