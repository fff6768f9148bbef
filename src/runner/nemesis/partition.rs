//! Partition shapes (Jepsen's grudge builders) and the [`Grudge`] they produce. Pure.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::runner::protocol::node_id;

/// How the nodes are split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartitionShape {
    /// One random node is cut off from all others.
    One,
    /// A random third of the nodes (at least one) is cut off from the rest.
    Minority,
    /// Random halves: a random majority and the minority, cut from each other.
    Majority,
    /// Every node sees a majority, and no two nodes see the same majority (a ring).
    MajoritiesRing,
    /// Two halves cut from each other, plus one node that sees both.
    Bridge,
    /// The nodes in order split into a first and a second half (`n0 n1 | n2 n3 n4`).
    Halves,
}

impl PartitionShape {
    /// Every shape.
    pub const ALL: [PartitionShape; 6] = [
        PartitionShape::One,
        PartitionShape::Minority,
        PartitionShape::Majority,
        PartitionShape::MajoritiesRing,
        PartitionShape::Bridge,
        PartitionShape::Halves,
    ];

    /// The shapes that cut at least one link among `n` nodes: on two nodes a ring of majorities
    /// is both nodes and a bridge has no halves, so drawing them would be a partition that
    /// cannot drop anything (and a run whose only partition it was could only be `unknown`).
    pub fn cutting(n: usize) -> Vec<PartitionShape> {
        let least = |shape: PartitionShape| match shape {
            PartitionShape::MajoritiesRing | PartitionShape::Bridge => 3,
            _ => 2,
        };
        let shapes: Vec<_> = Self::ALL.into_iter().filter(|&s| n >= least(s)).collect();
        if shapes.is_empty() {
            Self::ALL.to_vec()
        } else {
            shapes
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            PartitionShape::One => "one",
            PartitionShape::Minority => "minority",
            PartitionShape::Majority => "majority",
            PartitionShape::MajoritiesRing => "majorities-ring",
            PartitionShape::Bridge => "bridge",
            PartitionShape::Halves => "halves",
        }
    }

    /// A grudge of this shape over `n` nodes, drawing from `rng`.
    pub fn grudge(self, n: usize, rng: &mut impl Rng) -> Grudge {
        let mut order: Vec<usize> = (0..n).collect();
        if self != PartitionShape::Halves {
            order.shuffle(rng);
        }
        let split = |side_a: &[usize]| {
            let mut g = Grudge::none(n);
            for a in 0..n {
                for b in 0..n {
                    if side_a.contains(&a) != side_a.contains(&b) {
                        g.block(a, b);
                    }
                }
            }
            g
        };
        match self {
            PartitionShape::One => split(&order[..n.min(1)]),
            PartitionShape::Minority => split(&order[..(n / 3).max(1).min(n)]),
            PartitionShape::Majority | PartitionShape::Halves => split(&order[..n / 2]),
            PartitionShape::Bridge => {
                // order = [a..., bridge, b...]: the bridge sees everyone.
                let mut g = Grudge::none(n);
                if n >= 3 {
                    let mid = n / 2;
                    for &a in &order[..mid] {
                        for &b in &order[mid + 1..] {
                            g.block(a, b);
                            g.block(b, a);
                        }
                    }
                }
                g
            }
            PartitionShape::MajoritiesRing => {
                let majority = n / 2 + 1;
                // Node at ring position i sees positions i-back ..= i+ahead.
                let back = (majority - 1) / 2;
                let ahead = majority - 1 - back;
                let mut g = Grudge::none(n);
                for i in 0..n {
                    for j in 0..n {
                        let d = (j + n - i) % n;
                        let visible = d <= ahead || n - d <= back;
                        if !visible {
                            g.block(order[i], order[j]);
                        }
                    }
                }
                g
            }
        }
    }
}

/// Who drops messages from whom: `blocked(dest, src)` means `dest` drops what `src` sends (on
/// delivery, so messages already in flight are lost too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grudge {
    n: usize,
    blocked: Vec<bool>,
}

impl Grudge {
    /// No one drops anything.
    pub fn none(n: usize) -> Grudge {
        Grudge {
            n,
            blocked: vec![false; n * n],
        }
    }

    /// `dest` drops messages from `src`.
    pub fn block(&mut self, dest: usize, src: usize) {
        if dest != src {
            self.blocked[dest * self.n + src] = true;
        }
    }

    /// Whether `dest` drops messages from `src`.
    pub fn blocks(&self, dest: usize, src: usize) -> bool {
        dest < self.n && src < self.n && self.blocked[dest * self.n + src]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether it covers no nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// For each node that drops anything, the nodes it drops from (Jepsen's
    /// `[:isolated {node #{...}}]`).
    pub fn describe(&self) -> Vec<(String, Vec<String>)> {
        (0..self.n)
            .filter_map(|d| {
                let from: Vec<String> = (0..self.n)
                    .filter(|&s| self.blocks(d, s))
                    .map(node_id)
                    .collect();
                (!from.is_empty()).then(|| (node_id(d), from))
            })
            .collect()
    }

    /// The nodes `node` can hear from, itself included.
    pub fn visible_from(&self, node: usize) -> Vec<usize> {
        (0..self.n).filter(|&s| !self.blocks(node, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn grudge(shape: PartitionShape, n: usize, seed: u64) -> Grudge {
        shape.grudge(n, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn one_isolates_exactly_one_node() {
        let g = grudge(PartitionShape::One, 5, 1);
        let alone: Vec<usize> = (0..5).filter(|&i| g.visible_from(i).len() == 1).collect();
        assert_eq!(alone.len(), 1);
        for i in (0..5).filter(|i| !alone.contains(i)) {
            assert_eq!(g.visible_from(i).len(), 4);
        }
    }

    #[test]
    fn majority_splits_into_a_majority_and_a_minority_that_cannot_talk() {
        for seed in 0..20 {
            let g = grudge(PartitionShape::Majority, 5, seed);
            let mut sizes: Vec<usize> = (0..5).map(|i| g.visible_from(i).len()).collect();
            sizes.sort();
            assert_eq!(sizes, [2, 2, 3, 3, 3]);
        }
    }

    #[test]
    fn every_shape_drawn_cuts_a_link_on_two_nodes_and_more() {
        for n in 2..8 {
            for shape in PartitionShape::cutting(n) {
                for seed in 0..10 {
                    let g = grudge(shape, n, seed);
                    let cut = (0..n).any(|i| g.visible_from(i).len() < n);
                    assert!(cut, "{} on {n} nodes cuts nothing", shape.name());
                }
            }
        }
        assert_eq!(PartitionShape::cutting(3).len(), PartitionShape::ALL.len());
    }

    #[test]
    fn halves_split_in_node_order() {
        let g = grudge(PartitionShape::Halves, 5, 9);
        assert_eq!(g.visible_from(0), [0, 1]);
        assert_eq!(g.visible_from(4), [2, 3, 4]);
    }

    #[test]
    fn majorities_ring_gives_every_node_a_different_majority() {
        for n in [3, 4, 5, 7] {
            let g = grudge(PartitionShape::MajoritiesRing, n, n as u64);
            let views: Vec<Vec<usize>> = (0..n).map(|i| g.visible_from(i)).collect();
            for v in &views {
                assert_eq!(v.len(), n / 2 + 1, "n={n}: {views:?}");
            }
            let mut distinct = views.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), n, "n={n}: {views:?}");
        }
    }

    #[test]
    fn bridge_node_sees_everyone_and_the_sides_do_not_see_each_other() {
        let g = grudge(PartitionShape::Bridge, 5, 3);
        let sizes: Vec<usize> = (0..5).map(|i| g.visible_from(i).len()).collect();
        assert_eq!(sizes.iter().filter(|&&s| s == 5).count(), 1, "{sizes:?}");
        assert_eq!(sizes.iter().filter(|&&s| s == 3).count(), 4, "{sizes:?}");
    }

    #[test]
    fn minority_cuts_off_a_third() {
        let g = grudge(PartitionShape::Minority, 6, 0);
        let mut sizes: Vec<usize> = (0..6).map(|i| g.visible_from(i).len()).collect();
        sizes.sort();
        assert_eq!(sizes, [2, 2, 4, 4, 4, 4]);
    }
}
