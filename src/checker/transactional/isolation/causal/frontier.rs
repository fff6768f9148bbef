//! Frontiers: per transaction and key, the happens-before-maximal writers of the key in the
//! transaction's strict past (at most one per session, as a session's writers are ordered).
//!
//! A transaction's past is the union of its sources' pasts, each taken with the source itself
//! (its session predecessor and the transactions it reads from). So its frontier of `x` is
//! made of the sources' sets — the source itself when it writes `x`, else its own frontier —
//! keeping an element unless it lies in another source's past without being in that source's
//! set: then it happens before an element of that set, which dominates it. One clock
//! comparison per element and other source, against clocks at hand, and a walk of the other
//! source's set alongside (both sorted by session) when it lies in that source's past. A source in another
//! source's past is dropped first (one comparison per pair), and a key only one source's set
//! speaks for takes that set as it is, shared.

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

/// One transaction's frontiers, every key's, and the transaction as a one-writer set.
///
/// Sets are shared (`Rc`) with the sources they came from whenever the merge leaves one
/// source's set as it is: most transactions add nothing to most keys' frontiers (they write
/// one key or none, and what they read from is often already in their session's past), so
/// copying every key's set per transaction was most of the memory and the allocation.
#[derive(Debug)]
pub struct Frontier {
    /// Per key.
    sets: Box<[Rc<[Writer]>]>,
    /// `[the transaction]`, the set it is to a reader of a key it writes.
    itself: Rc<[Writer]>,
}

/// What [`Frontier::merge`] reuses from one transaction to the next.
#[derive(Debug)]
pub struct Scratch {
    me: Vec<Writer>,
    kept: Vec<usize>,
    cursors: Vec<usize>,
    writers: Vec<Writer>,
    empty: Rc<[Writer]>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            me: Vec::new(),
            kept: Vec::new(),
            cursors: Vec::new(),
            writers: Vec::new(),
            empty: Rc::from(Vec::new()),
        }
    }
}

impl Frontier {
    /// The frontier of `key`, sorted by session.
    pub fn of(&self, key: u32) -> &[Writer] {
        &self.sets[key as usize]
    }

    /// The frontier of `key`, shared.
    pub fn set(&self, key: u32) -> &Rc<[Writer]> {
        &self.sets[key as usize]
    }

    /// The frontiers of `t`, whose sources are `sources` (visited: their clocks and frontiers
    /// present).
    pub fn merge(
        view: &View,
        t: u32,
        sources: &[u32],
        clocks: &[Option<Rc<[u32]>>],
        fronts: &[Option<Rc<Frontier>>],
        scratch: &mut Scratch,
    ) -> Frontier {
        let Scratch {
            me,
            kept,
            cursors,
            writers,
            empty,
        } = scratch;
        me.clear();
        me.extend(sources.iter().map(|&j| Writer {
            session: view.session_of[j as usize],
            pos: view.pos[j as usize],
            txn: j,
        }));
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
        // A source in another's past adds nothing to the union of the pasts (nor does a
        // source listed twice): every element of its sets lies in the other's past, in the
        // other's set or under it.
        kept.clear();
        kept.extend((0..sources.len()).filter(|&a| {
            !(0..sources.len()).any(|b| {
                b != a
                    && if me[b].txn == me[a].txn {
                        b < a
                    } else {
                        reach(b, me[a].session) > me[a].pos
                    }
            })
        }));
        let set = |a: usize, x: u32| -> &Rc<[Writer]> {
            let front = (fronts[sources[a] as usize].as_deref()).expect("a source is alive");
            if view.wkeys_of(sources[a]).binary_search(&x).is_ok() {
                &front.itself
            } else {
                &front.sets[x as usize]
            }
        };
        let mut sets = Vec::with_capacity(view.keys);
        for x in 0..view.keys as u32 {
            let mut nonempty = kept.iter().filter(|&&a| !set(a, x).is_empty());
            let (Some(&first), second) = (nonempty.next(), nonempty.next()) else {
                sets.push(empty.clone());
                continue;
            };
            if second.is_none() {
                // One source's set, unchanged: nothing else in the past writes `x`.
                sets.push(set(first, x).clone());
                continue;
            }
            writers.clear();
            for &a in kept.iter() {
                // Per other source, how far its set (sorted by session, as `a`'s) is walked:
                // a merge, not a binary search per element (that was a third of the time on
                // histories where the sets are long).
                cursors.clear();
                cursors.resize(kept.len(), 0);
                for &e in set(a, x).iter() {
                    let mut dominated = false;
                    for (i, &b) in kept.iter().enumerate() {
                        if b == a || reach(b, e.session) <= e.pos {
                            continue;
                        }
                        // In b's past: kept if in b's set too, and then from the first.
                        let other = set(b, x);
                        let c = &mut cursors[i];
                        while *c < other.len() && other[*c].session < e.session {
                            *c += 1;
                        }
                        let shared = *c < other.len() && other[*c].txn == e.txn;
                        if !shared || b < a {
                            dominated = true;
                            break;
                        }
                    }
                    if !dominated {
                        writers.push(e);
                    }
                }
            }
            writers.sort_unstable();
            sets.push(Rc::from(&writers[..]));
        }
        let itself = Writer {
            session: view.session_of[t as usize],
            pos: view.pos[t as usize],
            txn: t,
        };
        Frontier {
            sets: sets.into_boxed_slice(),
            itself: Rc::from([itself]),
        }
    }
}
