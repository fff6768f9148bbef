//! [`Sub`]: one strongly connected component of the dependency graph, copied out with local
//! vertex numbers, and [`Parts`]: its components under a spec's edge kinds.
//!
//! A cycle the spec allows lies inside one component of the graph restricted to the spec's
//! kinds (for non-adjacent rw, of the product graph whose state is "the last edge was rw"), so
//! searches stay inside one part, and a part without an edge of every required kind cannot hold
//! such a cycle. Both checks are linear-time and exact, and they are what turns most searches
//! into no search at all.

use super::super::graph::DepGraph;
use super::super::infer::RW;
use super::super::scc;
use super::spec::Spec;

/// A strongly connected component with local vertex numbers `0..len`.
pub struct Sub {
    /// Local → global vertex.
    pub global: Vec<u32>,
    /// Whether each local vertex is a transaction (not a completion vertex).
    pub txn: Vec<bool>,
    start: Vec<u32>,
    targets: Vec<u32>,
    kinds: Vec<u8>,
}

impl Sub {
    /// Copies the component `members` of `graph`; `local` is scratch of the graph's size,
    /// filled with [`scc::NONE`] and left that way.
    pub fn extract(graph: &DepGraph, members: &[u32], local: &mut [u32]) -> Sub {
        for (i, &v) in members.iter().enumerate() {
            local[v as usize] = i as u32;
        }
        let mut start = Vec::with_capacity(members.len() + 1);
        let mut targets = Vec::new();
        let mut kinds = Vec::new();
        start.push(0);
        for &v in members {
            for (w, k) in graph.out(v) {
                let lw = local[w as usize];
                if lw != scc::NONE {
                    targets.push(lw);
                    kinds.push(k);
                }
            }
            start.push(targets.len() as u32);
        }
        for &v in members {
            local[v as usize] = scc::NONE;
        }
        Sub {
            txn: members.iter().map(|&v| graph.is_txn(v)).collect(),
            global: members.to_vec(),
            start,
            targets,
            kinds,
        }
    }

    /// Local vertices.
    pub fn len(&self) -> usize {
        self.global.len()
    }

    /// Transactions in it.
    pub fn txn_count(&self) -> usize {
        self.txn.iter().filter(|&&t| t).count()
    }

    /// Successors of `v` with edge kinds.
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, u8)> + '_ {
        let r = self.start[v as usize] as usize..self.start[v as usize + 1] as usize;
        self.targets[r.clone()]
            .iter()
            .copied()
            .zip(self.kinds[r].iter().copied())
    }
}

/// The components of a [`Sub`] under a spec's kinds. For non-adjacent specs, vertex `v` in
/// state `s` (last edge rw: 1) is product vertex `2v + s`.
pub struct Parts {
    /// Component per (product) vertex.
    pub comp: Vec<u32>,
    /// Edge kinds inside each component.
    pub kinds: Vec<u8>,
    /// Whether vertices are product vertices.
    pub product: bool,
}

impl Parts {
    /// Components of `sub` restricted to `spec.allow`.
    pub fn of(sub: &Sub, spec: &Spec) -> Parts {
        let allow = spec.allow;
        if spec.nonadjacent() {
            let succ = |pv: u32| {
                let (v, s) = (pv / 2, pv % 2);
                let mut out = Vec::new();
                for (w, k) in sub.out(v) {
                    if k & allow & !RW != 0 {
                        out.push(2 * w);
                    }
                    if k & allow & RW != 0 && s == 0 {
                        out.push(2 * w + 1);
                    }
                }
                out.into_iter()
            };
            let sccs = scc::tarjan(2 * sub.len(), 0..2 * sub.len() as u32, succ);
            let mut kinds = vec![0u8; sccs.count as usize];
            for v in 0..sub.len() as u32 {
                for (w, k) in sub.out(v) {
                    for s in 0..2 {
                        let c = sccs.comp[(2 * v + s) as usize];
                        if k & allow & !RW != 0 && sccs.comp[(2 * w) as usize] == c {
                            kinds[c as usize] |= k & allow & !RW;
                        }
                        if k & allow & RW != 0 && s == 0 && sccs.comp[(2 * w + 1) as usize] == c {
                            kinds[c as usize] |= RW;
                        }
                    }
                }
            }
            Parts {
                comp: sccs.comp,
                kinds,
                product: true,
            }
        } else {
            let sccs = scc::tarjan(sub.len(), 0..sub.len() as u32, |v| {
                sub.out(v)
                    .filter(move |&(_, k)| k & allow != 0)
                    .map(|(w, _)| w)
            });
            let mut kinds = vec![0u8; sccs.count as usize];
            for v in 0..sub.len() as u32 {
                for (w, k) in sub.out(v) {
                    let c = sccs.comp[v as usize];
                    if sccs.comp[w as usize] == c {
                        kinds[c as usize] |= k & allow;
                    }
                }
            }
            Parts {
                comp: sccs.comp,
                kinds,
                product: false,
            }
        }
    }

    /// The component of vertex `v` entered in state "last edge rw" = `last_rw`.
    pub fn comp_of(&self, v: u32, last_rw: bool) -> u32 {
        if self.product {
            self.comp[(2 * v + last_rw as u32) as usize]
        } else {
            self.comp[v as usize]
        }
    }

    /// The component holding the seed edge `u → v` of kind `kind`, if the edge lies inside one
    /// component that also has every kind `spec` requires.
    pub fn seed_comp(&self, spec: &Spec, u: u32, v: u32, kind: u8) -> Option<u32> {
        let head = self.comp_of(v, kind == RW);
        // The walk returns to `u` by an edge that may itself be rw, unless the seed is rw.
        let tail_ok = self.comp_of(u, false) == head
            || (self.product && kind != RW && self.comp_of(u, true) == head);
        if !tail_ok {
            return None;
        }
        let have = self.kinds[head as usize];
        let complete = (spec.need == 0 || have & spec.need != 0)
            && (!spec.need_wr || have & super::super::infer::WR != 0);
        complete.then_some(head)
    }
}
