//! Read committed (Biswas–Enea): if `t2` reads `x` from `t1` and, earlier in `t2`, read
//! anything from `t3`, a writer of `x`, then `t3` commits before `t1`.
//!
//! The forced edges, without the quadratic blow-up (AWDIT's saturation, O(n^{3/2})): within
//! one reading transaction, for the reads of each key `x` in program order, the writer of
//! each read precedes the writer of the next (that is an instance of the axiom); and each
//! writer `t3`, at the first read from it, precedes the writer of the next read of every key
//! it wrote. Every instance of the axiom then follows by transitivity: `t3`'s first read is
//! before the read of `x` concerned, so a path of such edges leads from `t3` to its writer.
//! The work per (writer, reader) pair is the smaller of the writer's write set and the
//! reader's read keys, which sums to O(n^{3/2}).

use super::graph::Edge;
use super::view::{View, INIT};
use crate::checker::transactional::extract::NONE;

/// Appends the edges read committed forces.
pub fn edges(view: &View, out: &mut Vec<Edge>) {
    let mut next = vec![NONE; view.keys]; // key → writer of the next read of it
    let mut touched: Vec<u32> = Vec::new();
    let mut first = vec![NONE; view.len()]; // writer → its first read's index, for this reader
    for t2 in 0..view.len() as u32 {
        let reads = view.reads_of(t2);
        if reads.len() < 2 {
            continue;
        }
        for (i, r) in reads.iter().enumerate().rev() {
            if r.writer != INIT {
                first[r.writer as usize] = i as u32;
            }
        }
        for (i, r) in reads.iter().enumerate().rev() {
            let w = r.writer;
            let n = next[r.key as usize];
            if n != NONE && n != w && w != INIT {
                out.push(Edge::co(w, n, t2, r.key));
            }
            if w != INIT && first[w as usize] == i as u32 {
                let wk = view.wkeys_of(w);
                let mut edge = |key: u32| {
                    let n = next[key as usize];
                    if n != NONE && n != w {
                        out.push(Edge::co(w, n, t2, key));
                    }
                };
                if wk.len() <= touched.len() {
                    wk.iter().for_each(|&k| edge(k));
                } else {
                    for &k in &touched {
                        if wk.binary_search(&k).is_ok() {
                            edge(k);
                        }
                    }
                }
            }
            if next[r.key as usize] == NONE {
                touched.push(r.key);
            }
            next[r.key as usize] = w;
        }
        for k in touched.drain(..) {
            next[k as usize] = NONE;
        }
        for r in reads {
            if r.writer != INIT {
                first[r.writer as usize] = NONE;
            }
        }
    }
}
