//! The search for one cycle: a 0-1 breadth-first search over (vertex, automaton state), from a
//! seed edge's head back to its tail, inside the seed's component.
//!
//! Entering a transaction costs 1 and entering a completion vertex 0, so the walk found has the
//! fewest transactions of all walks through that seed the spec accepts (a realtime hop along
//! the completion chain counts once, however long the chain). Vertices are settled when popped
//! (correct for 0-1 weights); the visited set is a bitset over `vertex × 64 states`, cleared
//! word by word after each search, and the walk is rebuilt from a log of pushes.

use std::collections::VecDeque;

use super::spec::{Spec, STATES};
use super::sub::{Parts, Sub};

/// Work ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfWork;

/// A closed walk: `(vertex, kind of the edge to the next vertex)`, local vertex numbers; the
/// last entry's edge leads back to the first.
pub type Walk = Vec<(u32, u8)>;

struct Entry {
    vertex: u32,
    state: u8,
    /// Kind of the edge taken to get here.
    kind: u8,
    parent: u32,
}

/// Reusable search state for one [`Sub`].
pub struct Bfs {
    settled: Vec<u64>,
    touched: Vec<usize>,
    log: Vec<Entry>,
    queue: VecDeque<u32>,
}

impl Bfs {
    /// A search for `sub`.
    pub fn new(sub: &Sub) -> Bfs {
        Bfs {
            settled: vec![0; (sub.len() * STATES).div_ceil(64)],
            touched: Vec::new(),
            log: Vec::new(),
            queue: VecDeque::new(),
        }
    }

    fn settle(&mut self, vertex: u32, state: u8) -> bool {
        let bit = vertex as usize * STATES + state as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        if self.settled[word] & mask != 0 {
            return false;
        }
        if self.settled[word] == 0 {
            self.touched.push(word);
        }
        self.settled[word] |= mask;
        true
    }

    fn reset(&mut self) {
        for &w in &self.touched {
            self.settled[w] = 0;
        }
        self.touched.clear();
        self.log.clear();
        self.queue.clear();
    }

    /// The shortest closed walk through the seed edge `u → v` (kind `kind`) that `spec` accepts,
    /// staying in component `comp` of `parts`; `work` is decremented per edge looked at.
    pub fn search(
        &mut self,
        sub: &Sub,
        parts: &Parts,
        comp: u32,
        spec: &Spec,
        (u, v, kind): (u32, u32, u8),
        work: &mut u64,
    ) -> Result<Option<Walk>, OutOfWork> {
        self.reset();
        let Some(start) = spec.step(0, kind) else {
            return Ok(None);
        };
        let seed_rw = kind == super::super::infer::RW;
        self.log.push(Entry {
            vertex: v,
            state: start,
            kind,
            parent: u32::MAX,
        });
        self.queue.push_back(0);
        let found = loop {
            let Some(e) = self.queue.pop_front() else {
                break None;
            };
            let (x, s) = (self.log[e as usize].vertex, self.log[e as usize].state);
            if !self.settle(x, s) {
                continue;
            }
            if x == u && e != 0 && spec.accepts(s, seed_rw) {
                break Some(e);
            }
            for (y, kinds) in sub.out(x) {
                if *work == 0 {
                    self.reset();
                    return Err(OutOfWork);
                }
                *work -= 1;
                let mut bits = kinds & spec.allow;
                while bits != 0 {
                    let k = bits & bits.wrapping_neg();
                    bits &= !k;
                    let Some(t) = spec.step(s, k) else { continue };
                    if parts.comp_of(y, Spec::last_rw(t)) != comp {
                        continue;
                    }
                    self.log.push(Entry {
                        vertex: y,
                        state: t,
                        kind: k,
                        parent: e,
                    });
                    let id = self.log.len() as u32 - 1;
                    if sub.txn[y as usize] {
                        self.queue.push_back(id);
                    } else {
                        self.queue.push_front(id);
                    }
                }
            }
        };
        let walk = found.map(|mut e| {
            // Entries from the arrival at `u` back to `v`; each knows the kind that led to it.
            let mut rev: Vec<(u32, u8)> = Vec::new();
            while e != u32::MAX {
                let entry = &self.log[e as usize];
                rev.push((entry.vertex, entry.kind));
                e = entry.parent;
            }
            // rev = [(u, k_last), ..., (v, seed kind)]: vertex i is entered by kind i.
            rev.reverse();
            let n = rev.len();
            let mut walk: Walk = Vec::with_capacity(n);
            walk.push((u, kind));
            for i in 0..n - 1 {
                walk.push((rev[i].0, rev[i + 1].1));
            }
            walk
        });
        self.reset();
        Ok(walk)
    }
}
