//! List-append version orders: each key's trace is its order of appends.
//!
//! Every `ok` read is a prefix of the key's trace (or an odd read: incompatible or with
//! duplicates; such a key is *tainted* and gets no ww/rw edges, since no single order explains
//! its reads; its anomalies are reported instead, and a wrong order could invent a `G0`).
//! Version `p` of a key is the state after its first `p` appends; the transaction that appended
//! element `p - 1` wrote it. Edges, per key:
//!
//! - **wr**: a read of `p > 0` elements depends on the writer of element `p - 1`;
//! - **ww**: consecutive writers along the trace, skipping writers that failed (they are not in
//!   the graph; their appends are G1a/dirty-update material) and elements nobody wrote;
//! - **rw**: a read of `p` elements anti-depends on the next writer at or after position `p`;
//! - appends no read shows (by transactions that may have committed) come after the whole
//!   trace: ww from the trace's last writer, rw from every read that returned the whole trace
//!   (a read that showed all of the trace but not the append was taken before it). Their order
//!   among themselves is unknown.
//!
//! Memory is O(history): per key the trace, its writers and a "next writer" index, each one
//! `u32` per appended element; reads are `(key, prefix length)`.

use super::{push_edge, DataEdge, OrderCoverage, RW, WR, WW};
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::txn::{AtomId, KeyId, MopKind, TxnHistory, READ_UNKNOWN};
use crate::history::Outcome;

/// The inferred version order of every key.
#[derive(Debug, Default)]
pub struct ListAppendOrder {
    /// Per key, per trace position: the transaction that appended that element ([`NONE`]: no
    /// transaction did).
    pub writer_at: Vec<Vec<u32>>,
    /// Per key, per version `p` (`0..=trace length`): the first trace position `>= p` whose
    /// writer is a graph vertex, or [`NONE`].
    pub next_writer: Vec<Vec<u32>>,
    /// Per key: appends no read shows, by transactions that may have committed.
    pub unobserved: Vec<Vec<(AtomId, u32)>>,
    /// Per key: whether it has odd reads, or a trace that shows some transaction's appends out
    /// of the order it made them (no ww/rw edges then).
    pub tainted: Vec<bool>,
    /// `(key, transaction)`: the trace shows this transaction's appends to the key out of the
    /// order it made them, or a later one without an earlier one.
    pub misordered: Vec<(KeyId, u32)>,
}

impl ListAppendOrder {
    /// The writer of the version a read of `len` elements of `key` returned (`None` for the
    /// initial state or an element nobody wrote).
    pub fn version_writer(&self, key: KeyId, len: u32) -> Option<u32> {
        let w = *self.writer_at[key as usize].get(len.checked_sub(1)? as usize)?;
        (w != NONE).then_some(w)
    }
}

/// Builds the version orders from the trace and the write index.
pub fn order(history: &TxnHistory, writes: &Writes) -> ListAppendOrder {
    let keys = history.keys.len();
    let mut writer_at: Vec<Vec<u32>> = history.traces.iter().map(|t| vec![NONE; t.len()]).collect();
    let mut unobserved = vec![Vec::new(); keys];
    for (packed, w) in writes.iter() {
        let key = (packed >> 32) as usize;
        let atom = packed as u32;
        if w.pos != NONE {
            writer_at[key][w.pos as usize] = w.writer;
        } else if w.writer != NONE && super::is_vertex(history, w.writer) {
            unobserved[key].push((atom, w.writer));
        }
    }
    for u in &mut unobserved {
        u.sort_unstable();
    }
    let next_writer = writer_at
        .iter()
        .map(|writers| {
            let mut next = vec![NONE; writers.len() + 1];
            for p in (0..writers.len()).rev() {
                next[p] = if writers[p] != NONE && super::is_vertex(history, writers[p]) {
                    p as u32
                } else {
                    next[p + 1]
                };
            }
            next
        })
        .collect();
    let mut tainted = vec![false; keys];
    for odd in &history.odd {
        tainted[odd.key as usize] = true;
    }
    let misordered = misordered(history, writes);
    for &(key, _) in &misordered {
        tainted[key as usize] = true;
    }
    ListAppendOrder {
        writer_at,
        next_writer,
        unobserved,
        tainted,
        misordered,
    }
}

/// Transactions whose appends to a key the trace shows out of order: a later append at a
/// position before an earlier one's, or without the earlier one. A transaction's appends are
/// applied in the order it makes them, so no database (however weak its isolation) produces
/// such a list.
fn misordered(history: &TxnHistory, writes: &Writes) -> Vec<(KeyId, u32)> {
    let mut out = Vec::new();
    let mut last: Vec<(KeyId, u32)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        last.clear();
        let mut bad: Vec<KeyId> = Vec::new();
        for mop in history.mops_of(txn) {
            if mop.kind != MopKind::Append {
                continue;
            }
            let pos = writes
                .get(&pack(mop.key, mop.value))
                .map_or(NONE, |w| w.pos);
            match last.iter_mut().find(|(k, _)| *k == mop.key) {
                // An earlier append of this transaction's: this one must follow it in the trace
                // (unseen after unseen is fine; seen after unseen or before is not).
                Some((_, prev)) => {
                    let in_order = pos == NONE || (*prev != NONE && *prev < pos);
                    if !in_order && !bad.contains(&mop.key) {
                        bad.push(mop.key);
                    }
                    *prev = pos;
                }
                None => last.push((mop.key, pos)),
            }
        }
        out.extend(bad.into_iter().map(|k| (k, t as u32)));
    }
    out
}

/// The ww, wr and rw edges of the history.
pub fn edges(history: &TxnHistory, order: &ListAppendOrder) -> Vec<DataEdge> {
    let mut edges = Vec::with_capacity(history.mops.len() * 2);
    for key in 0..history.keys.len() {
        if order.tainted[key] {
            continue;
        }
        let writers = &order.writer_at[key];
        let mut last = NONE;
        let mut p = order.next_writer[key][0];
        while p != NONE {
            let w = writers[p as usize];
            if last != NONE {
                push_edge(history, &mut edges, last, w, WW);
            }
            last = w;
            p = order.next_writer[key][p as usize + 1];
        }
        if last != NONE {
            for &(_, u) in &order.unobserved[key] {
                push_edge(history, &mut edges, last, u, WW);
            }
        }
    }
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        let t = t as u32;
        for mop in history.mops_of(txn) {
            if mop.kind != MopKind::Read || mop.value == READ_UNKNOWN {
                continue;
            }
            let read = &history.reads[mop.value as usize];
            let key = mop.key as usize;
            let elements = history.list_elements(mop.key, read);
            if let Some(&last) = elements.last() {
                if let Some(w) =
                    writer_of(history, order, mop.key, last, read.odd.is_none(), read.len)
                {
                    push_edge(history, &mut edges, w, t, WR);
                }
            }
            if read.odd.is_some() || order.tainted[key] {
                continue;
            }
            match order.next_writer[key][read.len as usize] {
                NONE => {
                    for &(_, u) in &order.unobserved[key] {
                        push_edge(history, &mut edges, t, u, RW);
                    }
                }
                p => push_edge(history, &mut edges, t, order.writer_at[key][p as usize], RW),
            }
        }
    }
    edges
}

/// The writer of `element` of `key`; for trace reads its position gives it directly.
fn writer_of(
    history: &TxnHistory,
    order: &ListAppendOrder,
    key: KeyId,
    element: AtomId,
    in_trace: bool,
    len: u32,
) -> Option<u32> {
    if in_trace {
        return order.version_writer(key, len);
    }
    // An odd read's last element: find its writer among the trace or the unobserved appends.
    let trace = &history.traces[key as usize];
    if let Some(p) = trace.iter().position(|&a| a == element) {
        let w = order.writer_at[key as usize][p];
        return (w != NONE).then_some(w);
    }
    order.unobserved[key as usize]
        .iter()
        .find(|(a, _)| *a == element)
        .map(|&(_, w)| w)
}

/// Whether the inferred orders are total, key by key.
pub fn coverage(history: &TxnHistory, order: &ListAppendOrder) -> OrderCoverage {
    // An info transaction happened for sure once one of its appends was read.
    let mut observed = vec![false; history.txns.len()];
    for writers in &order.writer_at {
        for &w in writers {
            if w != NONE {
                observed[w as usize] = true;
            }
        }
    }
    let happened = |t: u32| {
        let txn = &history.txns[t as usize];
        txn.outcome == Outcome::Ok || observed[t as usize]
    };
    let mut coverage = OrderCoverage {
        total: true,
        ..OrderCoverage::default()
    };
    for key in 0..history.keys.len() {
        let name = history.key(key as KeyId);
        if order.tainted[key] {
            coverage.gap(|| format!("key {name}: its reads fit no single order"));
            continue;
        }
        let dirty = order.writer_at[key]
            .iter()
            .any(|&w| w == NONE || !super::is_vertex(history, w));
        if dirty {
            coverage.gap(|| {
                format!("key {name}: its reads show an element no committed transaction wrote")
            });
            continue;
        }
        let hidden = order.unobserved[key]
            .iter()
            .filter(|&&(_, w)| happened(w))
            .count();
        if hidden >= 2 {
            coverage.gap(|| {
                format!(
                    "key {name}: {hidden} committed appends no read shows; their order is unknown"
                )
            });
        }
    }
    coverage
}
