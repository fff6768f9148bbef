//! The dependency graph: transactions as vertices, ww/wr/rw/process/realtime edges, stored as
//! a petgraph [`Csr`] (one `u32` target and one kind bitmask per edge).
//!
//! - Data edges (ww, wr, rw) come from `infer/`.
//! - **process**: each committed transaction → the next transaction of its process (failed ones
//!   are skipped; an `info` transaction has no outgoing process edge, since it may take effect
//!   after its process moved on).
//! - **realtime**: `a → b` whenever `a` committed before `b` was invoked. Materialised pairwise
//!   that is O(n²) edges (O(n · concurrency) even after transitive reduction), so instead every
//!   committed transaction gets an auxiliary *completion* vertex; completion vertices form a
//!   chain in completion order, `a → completion(a)`, and the last completion before `b`'s
//!   invocation → `b`. `a` reaches `b` through the chain exactly when `a` completed before `b`
//!   started: 3 edges per transaction. Cycle search walks the chain at no cost and reports the
//!   hop as one realtime step.
//!
//! Parallel edges are merged into one edge whose kind is the union of their kinds.

use petgraph::csr::Csr;
use petgraph::Directed;

use super::infer::{DataEdge, PROCESS, REALTIME};
use super::txn::TxnHistory;
use crate::history::Outcome;

/// The dependency graph.
pub struct DepGraph {
    csr: Csr<(), u8, Directed, u32>,
    /// Vertices `0..txns` are transactions (by number); the rest are completion vertices.
    pub txns: u32,
    /// Completion vertex `txns + i` marks the completion of transaction `completed[i]`.
    pub completed: Vec<u32>,
    /// Edges, after merging parallel ones.
    pub edge_count: usize,
}

impl DepGraph {
    /// Number of vertices, completion vertices included.
    pub fn vertex_count(&self) -> usize {
        self.txns as usize + self.completed.len()
    }

    /// Whether `v` is a transaction (not a completion vertex).
    pub fn is_txn(&self, v: u32) -> bool {
        v < self.txns
    }

    /// The successors of `v` with the kinds of each edge.
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, u8)> + '_ {
        let (targets, kinds): (&[u32], &[u8]) = if (v as usize) < self.csr.node_count() {
            (self.csr.neighbors_slice(v), self.csr.edges_slice(v))
        } else {
            (&[], &[])
        };
        targets.iter().copied().zip(kinds.iter().copied())
    }

    /// The petgraph graph, for petgraph's algorithms (the tests check the completion chain
    /// with petgraph's `has_path_connecting`).
    #[cfg(test)]
    pub fn csr(&self) -> &Csr<(), u8, Directed, u32> {
        &self.csr
    }
}

/// Bytes one edge costs while the graph is built (the peak).
pub const BYTES_PER_EDGE: u64 = 24;

/// Which order edges to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Orders {
    /// Process order edges.
    pub process: bool,
    /// Real-time order (completion vertices).
    pub realtime: bool,
}

/// Builds the graph from data edges plus the requested order edges.
pub fn build(history: &TxnHistory, data: Vec<DataEdge>, orders: Orders) -> DepGraph {
    let txns = history.txns.len() as u32;
    let mut edges: Vec<(u32, u32, u8)> = data.into_iter().map(|e| (e.from, e.to, e.kind)).collect();
    if orders.process {
        process_edges(history, &mut edges);
    }
    let completed = if orders.realtime {
        realtime_edges(history, &mut edges)
    } else {
        Vec::new()
    };
    let n = txns as usize + completed.len();
    let merged = sort_and_merge(n, edges);
    let edge_count = merged.len();
    let mut csr = Csr::from_sorted_edges(&merged).unwrap_or_else(|_| Csr::new());
    drop(merged);
    while csr.node_count() < n {
        csr.add_node(());
    }
    DepGraph {
        csr,
        txns,
        completed,
        edge_count,
    }
}

fn process_edges(history: &TxnHistory, edges: &mut Vec<(u32, u32, u8)>) {
    let mut last_ok: hashbrown::HashMap<u64, u32> = hashbrown::HashMap::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome == Outcome::Fail {
            continue;
        }
        if let Some(&prev) = last_ok.get(&txn.process) {
            edges.push((prev, t as u32, PROCESS));
        }
        if txn.outcome == Outcome::Ok {
            last_ok.insert(txn.process, t as u32);
        }
    }
}

/// Adds the completion chain; returns the transaction of each completion vertex.
fn realtime_edges(history: &TxnHistory, edges: &mut Vec<(u32, u32, u8)>) -> Vec<u32> {
    let base = history.txns.len() as u32;
    let mut completed: Vec<u32> = (0..base)
        .filter(|&t| history.txns[t as usize].outcome == Outcome::Ok)
        .collect();
    completed.sort_unstable_by_key(|&t| history.txns[t as usize].ret);
    for (i, &t) in completed.iter().enumerate() {
        edges.push((t, base + i as u32, REALTIME));
        if i + 1 < completed.len() {
            edges.push((base + i as u32, base + i as u32 + 1, REALTIME));
        }
    }
    // Transactions are in invocation order, so the last completion before each invocation
    // only moves forward.
    let mut done = 0usize;
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome == Outcome::Fail {
            continue;
        }
        while done < completed.len() && history.txns[completed[done] as usize].ret < txn.call {
            done += 1;
        }
        if done > 0 {
            edges.push((base + done as u32 - 1, t as u32, REALTIME));
        }
    }
    completed
}

/// Sorts edges by source then target (counting sort on the source), merging parallel edges.
fn sort_and_merge(n: usize, edges: Vec<(u32, u32, u8)>) -> Vec<(u32, u32, u8)> {
    let mut start = vec![0usize; n + 1];
    for &(a, _, _) in &edges {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut row: Vec<(u32, u8)> = vec![(0, 0); edges.len()];
    let mut fill = start.clone();
    for &(a, b, k) in &edges {
        row[fill[a as usize]] = (b, k);
        fill[a as usize] += 1;
    }
    drop(edges);
    let mut out: Vec<(u32, u32, u8)> = Vec::with_capacity(row.len());
    for a in 0..n {
        let slice = &mut row[start[a]..start[a + 1]];
        slice.sort_unstable_by_key(|&(b, _)| b);
        for &(b, k) in slice.iter() {
            match out.last_mut() {
                Some(last) if last.0 == a as u32 && last.1 == b => last.2 |= k,
                _ => out.push((a as u32, b, k)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::transactional::txn::Txn;
    use rand::{Rng, SeedableRng};

    /// Random intervals `(call, ret)` in one history order; `ret == NEVER` for info.
    fn random_history(seed: u64) -> TxnHistory {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut events: Vec<(u64, usize, bool)> = Vec::new();
        let n = rng.gen_range(1..25);
        let mut open: Vec<usize> = Vec::new();
        let mut txns: Vec<Txn> = Vec::new();
        let mut position = 0u64;
        while txns.len() < n || !open.is_empty() {
            if txns.len() < n && (open.is_empty() || rng.gen_bool(0.5)) {
                open.push(txns.len());
                txns.push(Txn {
                    process: txns.len() as u64,
                    outcome: Outcome::Info,
                    call: position,
                    ret: crate::history::NEVER,
                    mops: 0..0,
                    lines: (0, 0),
                });
            } else {
                let i = open.swap_remove(rng.gen_range(0..open.len()));
                if rng.gen_bool(0.8) {
                    txns[i].outcome = Outcome::Ok;
                    txns[i].ret = position;
                }
            }
            events.push((position, 0, false));
            position += 1;
        }
        TxnHistory {
            txns,
            ..TxnHistory::default()
        }
    }

    #[test]
    fn completion_chain_reaches_exactly_the_transactions_invoked_after_a_completion() {
        for seed in 0..200 {
            let history = random_history(seed);
            let graph = build(
                &history,
                Vec::new(),
                Orders {
                    process: false,
                    realtime: true,
                },
            );
            let n = history.txns.len();
            for a in 0..n {
                for b in 0..n {
                    let (ta, tb) = (&history.txns[a], &history.txns[b]);
                    let expected = a != b && ta.outcome == Outcome::Ok && ta.ret < tb.call;
                    let reached = a != b
                        && petgraph::algo::has_path_connecting(
                            graph.csr(),
                            a as u32,
                            b as u32,
                            None,
                        );
                    assert_eq!(reached, expected, "seed {seed}: {a} → {b}");
                }
            }
            assert!(graph.edge_count <= 3 * n, "O(n) edges");
        }
    }

    #[test]
    fn parallel_edges_merge_their_kinds() {
        let merged = sort_and_merge(3, vec![(2, 0, 1), (0, 1, 2), (0, 1, 4), (0, 2, 1)]);
        assert_eq!(merged, vec![(0, 1, 6), (0, 2, 1), (2, 0, 1)]);
    }
}
