//! Frontiers: per transaction and key, the happens-before-maximal writers of the key in the
//! transaction's strict past (at most one per session, as a session's writers are ordered).
//!
//! A transaction's past is the union of its sources' pasts, each taken with the source itself
//! (its session predecessor and the transactions it reads from). So its frontier of `x` is
//! made of the sources' sets — the source itself when it writes `x`, else its own frontier —
//! keeping an element unless it lies in another source's past without being in that source's
//! set: then it happens before an element of that set, which dominates it. One clock
//! comparison per element and other source, against clocks at hand.

use std::rc::Rc;

use super::super::view::View;

/// A writer in a frontier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Writer {
    /// Its session (first: frontiers are sorted by session).
    pub session: u32,
    /// Its position in the session.
    pub pos: u32,
    /// The transaction.
    pub txn: u32,
}

/// One transaction's frontiers, every key's.
#[derive(Debug, Default)]
pub struct Frontier {
    /// Per key: range into `writers`.
    at: Vec<u32>,
    writers: Vec<Writer>,
}

impl Frontier {
    /// The frontier of `key`, sorted by session.
    pub fn of(&self, key: u32) -> &[Writer] {
        &self.writers[self.at[key as usize] as usize..self.at[key as usize + 1] as usize]
    }

    /// The frontiers of a transaction whose sources are `sources` (visited: their clocks and
    /// frontiers present).
    pub fn merge(
        view: &View,
        sources: &[u32],
        clocks: &[Option<Rc<[u32]>>],
        fronts: &[Option<Rc<Frontier>>],
        scratch: &mut Vec<Writer>,
    ) -> Frontier {
        let mut out = Frontier {
            at: Vec::with_capacity(view.keys + 1),
            writers: Vec::new(),
        };
        out.at.push(0);
        let me: Vec<Writer> = (sources.iter())
            .map(|&j| Writer {
                session: view.session_of[j as usize],
                pos: view.pos[j as usize],
                txn: j,
            })
            .collect();
        // How far source `b`'s past, itself included, reaches into session `s`.
        let reach = |b: usize, s: u32| -> u32 {
            if s == me[b].session {
                me[b].pos + 1
            } else {
                clocks[sources[b] as usize]
                    .as_deref()
                    .expect("a source is alive")[s as usize]
            }
        };
        for x in 0..view.keys as u32 {
            let set = |a: usize| set(view, x, &me[a], fronts);
            scratch.clear();
            for a in 0..sources.len() {
                for &e in set(a) {
                    let dominated = (0..sources.len()).any(|b| {
                        b != a && reach(b, e.session) > e.pos && {
                            // In b's past: kept if in b's set too, and then from the first.
                            let other = set(b);
                            let shared = other
                                .binary_search_by_key(&e.session, |w| w.session)
                                .is_ok_and(|i| other[i].txn == e.txn);
                            !shared || b < a
                        }
                    });
                    if !dominated {
                        scratch.push(e);
                    }
                }
            }
            scratch.sort_unstable();
            out.writers.extend_from_slice(scratch);
            out.at.push(out.writers.len() as u32);
        }
        out
    }
}

/// A source's set for `x`: the source itself when it writes `x`, else its frontier of `x`.
fn set<'a>(
    view: &View,
    x: u32,
    source: &'a Writer,
    fronts: &'a [Option<Rc<Frontier>>],
) -> &'a [Writer] {
    if view.wkeys_of(source.txn).binary_search(&x).is_ok() {
        std::slice::from_ref(source)
    } else {
        (fronts[source.txn as usize].as_deref())
            .expect("a source is alive")
            .of(x)
    }
}
