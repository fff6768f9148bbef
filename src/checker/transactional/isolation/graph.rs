//! The commit-order constraints as a graph, and the search for a cycle in it.
//!
//! Nodes are transactions (by number) plus [`INIT`], the initial state. Edges: session order
//! (implicit, from the sessions), write-read, list-append version order, and the commit-order
//! edges a level's axiom forces. A commit order exists iff the graph is acyclic (the axioms'
//! premises do not mention the commit order, so the forced edges are all there is). Kahn's
//! algorithm decides; on a cycle, a shortest one through a node on it is returned.

use std::collections::VecDeque;

use super::view::{View, INIT};
use crate::checker::transactional::extract::NONE;

/// What an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Session order: `to` follows `from` in its process.
    So,
    /// `to` reads key `tag` from `from`.
    Wr,
    /// list-append: a read (`via`) shows `from`'s append to key `tag` before `to`'s.
    Version,
    /// The level's axiom forces `from` before `to`: `via` reads key `tag` from `to` and
    /// `from`, which also wrote it, is visible to `via`.
    Co,
    /// The initial state precedes every transaction.
    Init,
}

/// One edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The earlier transaction.
    pub from: u32,
    /// The later one.
    pub to: u32,
    /// The reading transaction that justifies it (`Co`, `Version`), else [`NONE`].
    pub via: u32,
    /// The key (`Wr`, `Version`, `Co`).
    pub tag: u32,
    /// What it is.
    pub kind: Kind,
}

impl Edge {
    /// A commit-order edge.
    pub fn co(from: u32, to: u32, via: u32, key: u32) -> Edge {
        Edge {
            from,
            to,
            via,
            tag: key,
            kind: Kind::Co,
        }
    }
}

/// The write-read and version edges of the view (session order is implicit).
pub fn base_edges(view: &View, out: &mut Vec<Edge>) {
    for t in 0..view.len() as u32 {
        for r in view.reads_of(t) {
            if r.writer != INIT {
                out.push(Edge {
                    from: r.writer,
                    to: t,
                    via: NONE,
                    tag: r.key,
                    kind: Kind::Wr,
                });
            }
        }
    }
    for v in &view.versions {
        out.push(Edge {
            from: v.from,
            to: v.to,
            via: v.reader,
            tag: v.key,
            kind: Kind::Version,
        });
    }
}

/// A shortest cycle through some node of a cycle of `edges` ∪ session order, or `None` when
/// acyclic. An edge into [`INIT`] is a cycle by itself (closed by an `Init` edge).
pub fn find_cycle(view: &View, edges: &[Edge]) -> Option<Vec<Edge>> {
    if let Some(e) = edges.iter().find(|e| e.to == INIT) {
        let back = Edge {
            from: INIT,
            to: e.from,
            via: NONE,
            tag: NONE,
            kind: Kind::Init,
        };
        return Some(vec![*e, back]);
    }
    let n = view.len();
    let so = |t: u32| -> Option<u32> {
        let s = view.session_of[t as usize];
        if s == NONE {
            return None;
        }
        view.sessions[s as usize]
            .get(view.pos[t as usize] as usize + 1)
            .copied()
    };
    // CSR of the explicit edges, by source.
    let mut start = vec![0u32; n + 1];
    for e in edges.iter().filter(|e| e.from != INIT) {
        start[e.from as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    // Filled through `start` itself (each node's start moves to its end), then shifted back:
    // no second table of n entries.
    let mut out = vec![0u32; start[n] as usize];
    for (i, e) in edges.iter().enumerate().filter(|(_, e)| e.from != INIT) {
        out[start[e.from as usize] as usize] = i as u32;
        start[e.from as usize] += 1;
    }
    start.copy_within(0..n, 1);
    start[0] = 0;
    let succ = |t: u32, f: &mut dyn FnMut(u32, Option<u32>)| {
        if let Some(next) = so(t) {
            f(next, None);
        }
        for &i in &out[start[t as usize] as usize..start[t as usize + 1] as usize] {
            f(edges[i as usize].to, Some(i));
        }
    };
    let mut indeg = vec![0u32; n];
    for t in 0..n as u32 {
        succ(t, &mut |to, _| indeg[to as usize] += 1);
    }
    let mut ready: Vec<u32> = (0..n as u32).filter(|&t| indeg[t as usize] == 0).collect();
    let mut done = 0usize;
    while let Some(t) = ready.pop() {
        done += 1;
        succ(t, &mut |to, _| {
            indeg[to as usize] -= 1;
            if indeg[to as usize] == 0 {
                ready.push(to);
            }
        });
    }
    if done == n {
        return None;
    }
    // Every node left has a predecessor left: walk back until a node repeats.
    let remaining = |t: u32| indeg[t as usize] > 0;
    let mut pred: Vec<u32> = vec![NONE; n];
    for t in (0..n as u32).filter(|&t| remaining(t)) {
        succ(t, &mut |to, _| {
            if remaining(to) {
                pred[to as usize] = t;
            }
        });
    }
    let mut seen = vec![false; n];
    let mut at = (0..n as u32).find(|&t| remaining(t))?;
    while !seen[at as usize] {
        seen[at as usize] = true;
        at = pred[at as usize];
    }
    // Shortest cycle through `at`, by breadth-first search among the nodes left.
    let mut via: Vec<(u32, u32)> = vec![(NONE, NONE); n]; // node → (parent, edge or NONE = so)
    let mut queue = VecDeque::from([at]);
    let mut closing = None;
    'bfs: while let Some(t) = queue.pop_front() {
        let mut found = None;
        succ(t, &mut |to, e| {
            if found.is_some() || !remaining(to) {
                return;
            }
            let e = e.unwrap_or(NONE);
            if to == at {
                found = Some((t, e));
            } else if via[to as usize].0 == NONE {
                via[to as usize] = (t, e);
                queue.push_back(to);
            }
        });
        if found.is_some() {
            closing = found;
            break 'bfs;
        }
    }
    let (mut t, mut e) = closing?;
    let mut cycle = Vec::new();
    let mut to = at;
    loop {
        cycle.push(if e == NONE {
            Edge {
                from: t,
                to,
                via: NONE,
                tag: NONE,
                kind: Kind::So,
            }
        } else {
            edges[e as usize]
        });
        if t == at {
            break;
        }
        to = t;
        (t, e) = via[t as usize];
    }
    cycle.reverse();
    Some(cycle)
}
