//! `broadcast`: `topology` once per node; then `broadcast` of 0, 1, 2, ... mixed with `read`s;
//! final reads on every node. Every acknowledged broadcast must be in every final read.

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value as Json};

use super::{sets, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::CheckError;
use crate::history::{History, Value};
use crate::runner::json::to_json;

/// How the `topology` message connects the nodes (Maelstrom's `--topology`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// A square grid: each node's neighbours are up, down, left and right (Maelstrom's default).
    Grid,
    /// A line: n0 - n1 - n2 ...
    Line,
    /// Everyone is everyone's neighbour.
    Total,
    /// A tree where each node has this many children (2, 3 or 4).
    Tree(usize),
}

impl Topology {
    /// Every topology.
    pub const ALL: [Topology; 6] = [
        Topology::Grid,
        Topology::Line,
        Topology::Total,
        Topology::Tree(2),
        Topology::Tree(3),
        Topology::Tree(4),
    ];

    /// Its name in `--topology`.
    pub fn name(self) -> &'static str {
        match self {
            Topology::Grid => "grid",
            Topology::Line => "line",
            Topology::Total => "total",
            Topology::Tree(3) => "tree3",
            Topology::Tree(4) => "tree4",
            Topology::Tree(_) => "tree2",
        }
    }

    /// The topology named `name`.
    pub fn from_name(name: &str) -> Option<Topology> {
        Topology::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Node `i`'s neighbours among `n` nodes.
    pub fn neighbours(self, i: usize, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = match self {
            Topology::Total => (0..n).filter(|&j| j != i).collect(),
            Topology::Line => [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter(|&j| j < n)
                .collect(),
            Topology::Grid => {
                let width = (n as f64).sqrt().ceil().max(1.0) as usize;
                let mut v = vec![];
                if i % width > 0 {
                    v.push(i - 1);
                }
                if i % width + 1 < width && i + 1 < n {
                    v.push(i + 1);
                }
                if i >= width {
                    v.push(i - width);
                }
                if i + width < n {
                    v.push(i + width);
                }
                v
            }
            Topology::Tree(k) => {
                let mut v: Vec<usize> = (1..=k).map(|c| k * i + c).filter(|&j| j < n).collect();
                if i > 0 {
                    v.push((i - 1) / k);
                }
                v
            }
        };
        out.sort_unstable();
        out
    }
}

/// The broadcast workload.
#[derive(Debug)]
pub(super) struct Broadcast {
    topology: Topology,
    next_message: i64,
}

impl Broadcast {
    pub(super) fn new(topology: Topology) -> Broadcast {
        Broadcast {
            topology,
            next_message: 0,
        }
    }
}

impl Workload for Broadcast {
    fn setup(&self, node_ids: &[String]) -> Vec<(usize, Json)> {
        let n = node_ids.len();
        let topology: Map<String, Json> = (0..n)
            .map(|i| {
                let ns: Vec<&str> = self
                    .topology
                    .neighbours(i, n)
                    .into_iter()
                    .map(|j| node_ids[j].as_str())
                    .collect();
                (node_ids[i].clone(), json!(ns))
            })
            .collect();
        (0..n)
            .map(|i| (i, json!({"type": "topology", "topology": topology})))
            .collect()
    }

    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(sets::add_or_read(rng, &mut self.next_message, "broadcast"))
    }

    fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        Invocation::final_reads(node_count)
    }

    fn request(&self, op: &Invocation) -> Json {
        match op.f {
            "broadcast" => json!({"type": "broadcast", "message": to_json(&op.value)}),
            _ => json!({"type": "read"}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        sets::ok_value(op, body, "messages")
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
        sets::check(history, "broadcast", complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_neighbours_are_up_down_left_right() {
        // 9 nodes, a 3×3 grid: n4 is in the middle.
        assert_eq!(Topology::Grid.neighbours(4, 9), [1, 3, 5, 7]);
        assert_eq!(Topology::Grid.neighbours(0, 9), [1, 3]);
        assert_eq!(Topology::Grid.neighbours(4, 5), [1, 3]);
    }

    #[test]
    fn every_topology_is_symmetric_and_connected() {
        for t in Topology::ALL {
            for n in 1..12 {
                for i in 0..n {
                    for j in t.neighbours(i, n) {
                        assert!(t.neighbours(j, n).contains(&i), "{t:?} n={n} {i}-{j}");
                    }
                }
                let mut seen = vec![false; n];
                let mut stack = vec![0];
                while let Some(i) = stack.pop() {
                    if !std::mem::replace(&mut seen[i], true) {
                        stack.extend(t.neighbours(i, n));
                    }
                }
                assert!(seen.iter().all(|&s| s), "{t:?} n={n}");
            }
        }
    }
}
