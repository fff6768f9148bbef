//! The commit-order constraints as a graph, and the search for a cycle in it.
//!
//! Nodes are transactions (by number) plus [`INIT`], the initial state. Edges: session order
//! and write-read (implicit, read from the view's sessions and reads), list-append version
//! order, and the commit-order edges a level's axiom forces. A commit order exists iff the graph is acyclic (the axioms'
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

/// The version edges of the view (session order and write-read are implicit: the search
/// reads them from the view).
pub fn base_edges(view: &View, out: &mut Vec<Edge>) {
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

/// An entry of the search's adjacency lists: a reader of the node (write-read), or, with this
/// bit set, the index of an explicit edge.
const EXPLICIT: u32 = 1 << 31;

/// The write-read edge into `reader` from `writer`: the first read of `reader` from it, as
/// the edge list once held them (one edge per read, readers in order).
fn wr_edge(view: &View, writer: u32, reader: u32) -> Edge {
    let r = (view.reads_of(reader).iter())
        .find(|r| r.writer == writer)
        .expect("an adjacency entry is a read");
    Edge {
        from: writer,
        to: reader,
        via: NONE,
        tag: r.key,
        kind: Kind::Wr,
    }
}

/// A shortest cycle through some node of a cycle of `edges` ∪ write-read ∪ session order,
/// or `None` when acyclic. An edge into [`INIT`] is a cycle by itself (closed by an `Init`
/// edge).
///
/// Write-read is not an edge list: at one edge per read (20 bytes each) it was most of the
/// memory a read-committed check held at its peak. Each node's successors are its session
/// successor, its readers (one entry per read, in the order of the reads) and then its
/// explicit edges in the order given, so the cycle found is the one an edge list of
/// write-read edges followed by `edges` gives.
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
    // Transaction numbers and edge indices below 2^31 - 1 (NONE stays apart from every entry).
    assert!(n < EXPLICIT as usize && edges.len() < EXPLICIT as usize - 1);
    let so = |t: u32| -> Option<u32> {
        let s = view.session_of[t as usize];
        if s == NONE {
            return None;
        }
        view.sessions[s as usize]
            .get(view.pos[t as usize] as usize + 1)
            .copied()
    };
    let explicit = || edges.iter().enumerate().filter(|(_, e)| e.from != INIT);
    // CSR by source: readers first, then explicit edges.
    let mut start = vec![0u32; n + 1];
    for r in view.reads.iter().filter(|r| r.writer != INIT) {
        start[r.writer as usize + 1] += 1;
    }
    for (_, e) in explicit() {
        start[e.from as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    // Filled through `start` itself (each node's start moves to its end), then shifted back:
    // no second table of n entries.
    let mut out = vec![0u32; start[n] as usize];
    for t in 0..n as u32 {
        for r in view.reads_of(t).iter().filter(|r| r.writer != INIT) {
            out[start[r.writer as usize] as usize] = t;
            start[r.writer as usize] += 1;
        }
    }
    for (i, e) in explicit() {
        out[start[e.from as usize] as usize] = EXPLICIT | i as u32;
        start[e.from as usize] += 1;
    }
    start.copy_within(0..n, 1);
    start[0] = 0;
    // Successors of `t`: (node, NONE for session order, else the entry).
    let succ = |t: u32, f: &mut dyn FnMut(u32, u32)| {
        if let Some(next) = so(t) {
            f(next, NONE);
        }
        for &o in &out[start[t as usize] as usize..start[t as usize + 1] as usize] {
            if o & EXPLICIT == 0 {
                f(o, o);
            } else {
                f(edges[(o & !EXPLICIT) as usize].to, o);
            }
        }
    };
    // The edge an entry stands for.
    let edge = |from: u32, o: u32| -> Edge {
        if o & EXPLICIT == 0 {
            wr_edge(view, from, o)
        } else {
            edges[(o & !EXPLICIT) as usize]
        }
    };
    let mut indeg = vec![0u32; n];
    for t in 0..n as u32 {
        succ(t, &mut |to, _| indeg[to as usize] += 1);
    }
    // Sources are taken as a scan reaches them, not listed first: most of a history's
    // transactions may be sources (aborted ones, with no edges), and a list of them was a
    // tenth of a read-committed check's peak memory.
    let mut taken = vec![0u64; n.div_ceil(64)];
    let mut ready: Vec<u32> = Vec::new();
    let mut done = 0usize;
    for source in 0..n as u32 {
        if indeg[source as usize] != 0 || taken[source as usize / 64] & (1 << (source % 64)) != 0 {
            continue;
        }
        ready.push(source);
        while let Some(t) = ready.pop() {
            taken[t as usize / 64] |= 1 << (t % 64);
            done += 1;
            succ(t, &mut |to, _| {
                indeg[to as usize] -= 1;
                if indeg[to as usize] == 0 {
                    ready.push(to);
                }
            });
        }
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
    let mut via: Vec<(u32, u32)> = vec![(NONE, NONE); n]; // node → (parent, entry or NONE = so)
    let mut queue = VecDeque::from([at]);
    let mut closing = None;
    'bfs: while let Some(t) = queue.pop_front() {
        let mut found = None;
        succ(t, &mut |to, e| {
            if found.is_some() || !remaining(to) {
                return;
            }
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
            edge(t, e)
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
