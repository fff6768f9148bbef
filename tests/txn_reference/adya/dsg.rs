//! The direct serialization graph of one interpretation, and its cycles.
//!
//! Nodes are transactions (bit `t` of a `u64` set); there is no edge from a transaction to
//! itself. Cycles are found by plain reachability.

use super::versions::{Interpretation, ReadOf};
use crate::txn_reference::txns::Txns;

/// The graph: per transaction, the targets of its `ww`, `wr` and `rw` edges.
#[derive(Clone, Debug)]
pub struct Dsg {
    ww: Vec<u64>,
    wr: Vec<u64>,
    rw: Vec<u64>,
}

impl Dsg {
    /// The DSG of `interpretation` with version orders `orders` (one per key).
    pub fn new(txns: &Txns, interpretation: &Interpretation, orders: &[Vec<usize>]) -> Dsg {
        let n = txns.txns.len();
        let mut dsg = Dsg {
            ww: vec![0; n],
            wr: vec![0; n],
            rw: vec![0; n],
        };
        let writer = |e: usize| txns.writer(e).expect("versions have writers");
        for order in orders {
            for pair in order.windows(2) {
                add(&mut dsg.ww, writer(pair[0]), writer(pair[1]));
            }
        }
        for read in &interpretation.reads {
            let order = &orders[read.key];
            let position = match read.read {
                ReadOf::Prefix(n) => n,
                ReadOf::Initial => 0,
                ReadOf::Version(e) => order.iter().position(|&v| v == e).expect("a version") + 1,
            };
            if let Some(&e) = position.checked_sub(1).and_then(|p| order.get(p)) {
                add(&mut dsg.wr, writer(e), read.reader);
            }
            if let Some(&e) = order.get(position) {
                add(&mut dsg.rw, read.reader, writer(e));
            }
        }
        dsg
    }

    /// G0: a cycle of `ww` edges.
    pub fn g0(&self) -> bool {
        cyclic(&self.ww)
    }

    /// G1c: a cycle of `ww` and `wr` edges.
    pub fn g1c(&self) -> bool {
        let deps: Vec<u64> = self.ww.iter().zip(&self.wr).map(|(a, b)| a | b).collect();
        cyclic(&deps)
    }

    /// G2-item: a cycle through an `rw` edge.
    pub fn g2_item(&self) -> bool {
        let all = self.all();
        (0..all.len()).any(|a| {
            (0..all.len()).any(|b| self.rw[a] & (1 << b) != 0 && reach(&all, b) & (1 << a) != 0)
        })
    }

    /// No cycle at all.
    pub fn acyclic(&self) -> bool {
        !cyclic(&self.all())
    }

    fn all(&self) -> Vec<u64> {
        (0..self.ww.len())
            .map(|t| self.ww[t] | self.wr[t] | self.rw[t])
            .collect()
    }
}

fn add(edges: &mut [u64], from: usize, to: usize) {
    if from != to {
        edges[from] |= 1 << to;
    }
}

/// The nodes reachable from `from` (including `from` itself).
fn reach(edges: &[u64], from: usize) -> u64 {
    let mut seen = 1u64 << from;
    let mut frontier = seen;
    while frontier != 0 {
        let mut next = 0;
        for (t, &targets) in edges.iter().enumerate() {
            if frontier & (1 << t) != 0 {
                next |= targets;
            }
        }
        frontier = next & !seen;
        seen |= next;
    }
    seen
}

/// Whether some node reaches itself through at least one edge.
fn cyclic(edges: &[u64]) -> bool {
    let n = edges.len();
    (0..n).any(|t| (0..n).any(|s| edges[t] & (1 << s) != 0 && reach(edges, s) & (1 << t) != 0))
}
