//! Read atomic (Biswas–Enea): if `t2` reads `x` from `t1` and `t3`, a writer of `x`, precedes
//! `t2` in its session or `t2` read anything from `t3`, then `t3` commits before `t1`.
//!
//! The forced edges (AWDIT's saturation, O(n^{3/2})): per session, the last earlier writer
//! of each key (earlier ones precede it in session order); per reading transaction, each
//! writer it read from, for each key it wrote that the transaction reads (the smaller of the
//! two sets is walked). A key read from two writers in one transaction is a non-repeatable
//! read: both edges are added and the cycle is found like any other.
//!
//! [`non_repeatable`] finds the first such read before any of that: its two edges are a cycle
//! on their own, at read atomic and at causal consistency, so the level is decided there in
//! one pass over the reads (AWDIT's `-r first` stops there too, before saturating).

use super::graph::{Edge, Kind};
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

/// The first non-repeatable read, in transaction order: a transaction reading one key from two
/// writers, each of which the axiom orders before the other. Returned as that cycle, in the
/// shape the cycle search gives it (an edge into [`INIT`] closed by an `Init` edge).
pub fn non_repeatable(view: &View) -> Option<Vec<Edge>> {
    let mut src = vec![NONE; view.keys]; // key → writer this transaction read it from
    let mut keys: Vec<u32> = Vec::new();
    for t2 in 0..view.len() as u32 {
        let mut found = None;
        for r in view.reads_of(t2) {
            let s = src[r.key as usize];
            if s == NONE {
                keys.push(r.key);
                src[r.key as usize] = r.writer;
            } else if s != r.writer {
                found = Some((s, r.writer, r.key));
                break;
            }
        }
        for k in keys.drain(..) {
            src[k as usize] = NONE;
        }
        let Some((a, b, key)) = found else { continue };
        return Some(match (a, b) {
            (INIT, w) | (w, INIT) => vec![
                Edge::co(w, INIT, t2, key),
                Edge {
                    from: INIT,
                    to: w,
                    via: NONE,
                    tag: NONE,
                    kind: Kind::Init,
                },
            ],
            _ => vec![Edge::co(a, b, t2, key), Edge::co(b, a, t2, key)],
        });
    }
    None
}
