//! Read atomic (Biswas–Enea): if `t2` reads `x` from `t1` and `t3`, a writer of `x`, precedes
//! `t2` in its session or `t2` read anything from `t3`, then `t3` commits before `t1`.
//!
//! The forced edges (AWDIT's saturation, O(n^{3/2})): per session, the last earlier writer
//! of each key (earlier ones precede it in session order); per reading transaction, each
//! writer it read from, for each key it wrote that the transaction reads (the smaller of the
//! two sets is walked). A key read from two writers in one transaction is a non-repeatable
//! read: both edges are added and the cycle is found like any other.

use super::graph::Edge;
use super::view::{View, INIT};
use crate::checker::transactional::extract::NONE;

/// Appends the edges read atomic forces.
pub fn edges(view: &View, out: &mut Vec<Edge>) {
    let mut last = vec![NONE; view.keys]; // key → last writer so far in this session
    let mut src = vec![NONE; view.keys]; // key → writer this transaction read it from
    let mut keys: Vec<u32> = Vec::new(); // keys read by this transaction
    let mut seen = vec![false; view.len()];
    let mut writers: Vec<u32> = Vec::new();
    for session in &view.sessions {
        let mut written: Vec<u32> = Vec::new();
        for &t2 in session {
            let reads = view.reads_of(t2);
            for r in reads {
                let s = src[r.key as usize];
                if s == NONE {
                    keys.push(r.key);
                    src[r.key as usize] = r.writer;
                } else if s != r.writer {
                    // Non-repeatable read: each writer precedes the other.
                    push(out, s, r.writer, t2, r.key);
                    push(out, r.writer, s, t2, r.key);
                }
                let l = last[r.key as usize];
                if l != NONE && l != r.writer {
                    push(out, l, r.writer, t2, r.key);
                }
                if r.writer != INIT && !seen[r.writer as usize] {
                    seen[r.writer as usize] = true;
                    writers.push(r.writer);
                }
            }
            for &t3 in &writers {
                let wk = view.wkeys_of(t3);
                let mut edge = |k: u32| {
                    let t1 = src[k as usize];
                    if t1 != NONE && t1 != t3 {
                        push(out, t3, t1, t2, k);
                    }
                };
                if wk.len() <= keys.len() {
                    wk.iter().for_each(|&k| edge(k));
                } else {
                    for &k in &keys {
                        if wk.binary_search(&k).is_ok() {
                            edge(k);
                        }
                    }
                }
            }
            for t3 in writers.drain(..) {
                seen[t3 as usize] = false;
            }
            for k in keys.drain(..) {
                src[k as usize] = NONE;
            }
            for &k in view.wkeys_of(t2) {
                if last[k as usize] == NONE {
                    written.push(k);
                }
                last[k as usize] = t2;
            }
        }
        for k in written {
            last[k as usize] = NONE;
        }
    }
}

fn push(out: &mut Vec<Edge>, from: u32, to: u32, via: u32, key: u32) {
    out.push(Edge::co(from, to, via, key));
}
