//! [`VectorClock`]: one counter per process, compared entry by entry.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A vector timestamp: entry `i` counts the events of process `n{i}` that the stamped event
/// knows of (Mattern 1989, §3).
///
/// `Ord` is only there so clocks can sit in ordered collections; the causal order is
/// [`VectorClock::causal_cmp`] / [`VectorClock::before`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VectorClock(Vec<u64>);

impl VectorClock {
    /// All zeros, for `processes` processes.
    pub fn zero(processes: usize) -> VectorClock {
        VectorClock(vec![0; processes])
    }

    /// The clock with the given entries.
    pub fn from_entries(entries: Vec<u64>) -> VectorClock {
        VectorClock(entries)
    }

    /// The entries.
    pub fn entries(&self) -> &[u64] {
        &self.0
    }

    /// Counts one more event of process `index` (Mattern's rule 1).
    pub fn tick(&mut self, index: usize) {
        self.0[index] += 1;
    }

    /// Takes the element-wise maximum with `other` (Mattern's rule 2, on receipt).
    pub fn merge(&mut self, other: &VectorClock) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The causal order of two clocks: `Less` when every entry is ≤ and one is <, `Equal` when
    /// all are equal, `None` when they are concurrent.
    pub fn causal_cmp(&self, other: &VectorClock) -> Option<Ordering> {
        let (mut less, mut greater) = (false, false);
        for (a, b) in self.0.iter().zip(&other.0) {
            match a.cmp(b) {
                Ordering::Less => less = true,
                Ordering::Greater => greater = true,
                Ordering::Equal => {}
            }
        }
        match (less, greater) {
            (false, false) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (true, true) => None,
        }
    }

    /// `self < other` in the causal order.
    pub fn before(&self, other: &VectorClock) -> bool {
        self.causal_cmp(other) == Some(Ordering::Less)
    }
}

impl fmt::Debug for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(entries: &[u64]) -> VectorClock {
        VectorClock::from_entries(entries.to_vec())
    }

    #[test]
    fn clocks_order_entry_by_entry() {
        assert!(vc(&[1, 0]).before(&vc(&[1, 1])));
        assert!(!vc(&[1, 1]).before(&vc(&[1, 1])));
        assert_eq!(vc(&[2, 0]).causal_cmp(&vc(&[0, 1])), None);
        assert_eq!(
            vc(&[2, 1]).causal_cmp(&vc(&[1, 1])),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn merge_takes_the_elementwise_maximum() {
        let mut a = vc(&[3, 0, 1]);
        a.merge(&vc(&[1, 2, 1]));
        assert_eq!(a, vc(&[3, 2, 1]));
    }
}
