//! [`OrSet`]: the observed-remove set (Shapiro et al. 2011, §3.3.5, Specification 15 in INRIA
//! RR-7506): an add wins over a concurrent remove.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Crdt, UpdateId};

/// The unique tag of one add: the id of the update that made it.
pub type Tag = UpdateId;

/// Every `(element, tag)` ever added, and the tags removed (tombstones); an element is in the set
/// while one of its tags is not removed. Merge is the union of both.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrSet {
    /// Added elements with their tags.
    pub adds: BTreeSet<(u64, Tag)>,
    /// Removed tags.
    pub removed: BTreeSet<Tag>,
}

/// An OR-Set update as performed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrSetOp {
    /// `element` added with a fresh `tag`.
    Add {
        /// The element.
        element: u64,
        /// Its new tag.
        tag: Tag,
    },
    /// `element` removed: the tags of it the remover had observed.
    Remove {
        /// The element.
        element: u64,
        /// The observed tags it tombstoned.
        tags: BTreeSet<Tag>,
    },
}

impl OrSet {
    /// Adds `element` with `tag`.
    pub fn add(&mut self, element: u64, tag: Tag) {
        self.adds.insert((element, tag));
    }

    /// Removes `element` as observed here; returns the tags removed.
    pub fn remove(&mut self, element: u64) -> BTreeSet<Tag> {
        let tags: BTreeSet<Tag> = self
            .adds
            .iter()
            .filter(|(e, _)| *e == element)
            .map(|(_, tag)| *tag)
            .collect();
        self.removed.extend(tags.iter().copied());
        tags
    }

    /// The element every scripted update works on: one element makes every add and remove
    /// conflict.
    pub const ELEMENT: u64 = 1;
}

impl Crdt for OrSet {
    type Op = OrSetOp;
    type Value = BTreeSet<u64>;

    const SPEC_NAME: &'static str = "or-set";
    const DESCRIPTION: &'static str =
        "observed-remove set replicas (concurrent add wins) over a duplicating network must converge";
    const SOURCE: &'static str = "Shapiro et al., INRIA RR-7506 (2011), §3.3.5, Specification 15";

    fn initial(_replicas: usize) -> Self {
        OrSet {
            adds: BTreeSet::new(),
            removed: BTreeSet::new(),
        }
    }

    /// Even updates add [`OrSet::ELEMENT`], odd ones remove it.
    fn update(&mut self, replica: usize, seq: u32) -> OrSetOp {
        let element = OrSet::ELEMENT;
        if seq % 2 == 0 {
            let tag = UpdateId {
                replica: replica as u32,
                seq,
            };
            self.add(element, tag);
            OrSetOp::Add { element, tag }
        } else {
            OrSetOp::Remove {
                element,
                tags: self.remove(element),
            }
        }
    }

    fn merge(&mut self, other: &Self) {
        self.adds.extend(other.adds.iter().copied());
        self.removed.extend(other.removed.iter().copied());
    }

    fn value(&self) -> BTreeSet<u64> {
        self.adds
            .iter()
            .filter(|(_, tag)| !self.removed.contains(tag))
            .map(|(element, _)| *element)
            .collect()
    }

    /// An element is in the set when some applied add of it was not observed by any applied
    /// remove.
    fn expected(_replicas: usize, ops: &[&OrSetOp]) -> BTreeSet<u64> {
        let removed: BTreeSet<Tag> = ops
            .iter()
            .flat_map(|op| match op {
                OrSetOp::Remove { tags, .. } => tags.iter().copied().collect(),
                OrSetOp::Add { .. } => Vec::new(),
            })
            .collect();
        ops.iter()
            .filter_map(|op| match op {
                OrSetOp::Add { element, tag } if !removed.contains(tag) => Some(*element),
                _ => None,
            })
            .collect()
    }

    fn magnitude(&self) -> u64 {
        (self.adds.len() + self.removed.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crdt::merge_law_violation;

    fn tag(replica: u32) -> Tag {
        UpdateId { replica, seq: 0 }
    }

    #[test]
    fn or_set_merge_laws_hold_over_every_small_state() {
        let subsets = |bits: u8| (0..2).filter(move |i| bits >> i & 1 == 1).map(tag);
        let states: Vec<OrSet> = (0..4)
            .flat_map(|a| {
                (0..4).map(move |r| OrSet {
                    adds: subsets(a).map(|t| (OrSet::ELEMENT, t)).collect(),
                    removed: subsets(r).collect(),
                })
            })
            .collect();
        assert_eq!(states.len(), 16);
        assert_eq!(merge_law_violation(&states, OrSet::merge), None);
    }

    #[test]
    fn a_concurrent_add_wins_over_a_remove() {
        let mut a = OrSet::initial(2);
        a.update(0, 0);
        let mut b = a.clone();
        a.update(0, 1); // a removes the element it saw
        b.update(1, 0); // b adds it again, concurrently
        a.merge(&b);
        assert_eq!(a.value(), BTreeSet::from([OrSet::ELEMENT]));
    }
}
