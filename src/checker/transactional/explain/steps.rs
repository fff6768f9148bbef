//! Justifying one edge `a → b`: the micro-ops and versions that make it.

use hashbrown::HashMap;

use super::{step, Analysis};
use crate::checker::transactional::case::{Evidence, Step};
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::infer::list_append::ListAppendOrder;
use crate::checker::transactional::infer::rw_register::{
    version_value, Access, RegisterOrder, Source,
};
use crate::checker::transactional::infer::{is_vertex, PROCESS, REALTIME, RW, WR, WW};
use crate::checker::transactional::txn::{KeyId, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN};
use crate::history::Outcome;

/// Per key, a committed read that returned the whole trace.
pub fn longest_readers(history: &TxnHistory) -> Vec<Option<(u32, usize)>> {
    let mut out = vec![None; history.keys.len()];
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        for (i, mop) in history.mops_of(txn).iter().enumerate() {
            if mop.kind != MopKind::Read || mop.value == READ_UNKNOWN {
                continue;
            }
            let read = &history.reads[mop.value as usize];
            let k = mop.key as usize;
            if out[k].is_none()
                && read.odd.is_none()
                && read.len as usize == history.traces[k].len()
            {
                out[k] = Some((t as u32, i));
            }
        }
    }
    out
}

/// The justification of `a → b` by an edge of kind `kind`, if the history has one.
pub fn justify(
    history: &TxnHistory,
    analysis: &Analysis<'_>,
    a: u32,
    b: u32,
    kind: u8,
) -> Option<Step> {
    let (ta, tb) = (&history.txns[a as usize], &history.txns[b as usize]);
    match kind {
        PROCESS => (ta.process == tb.process && ta.outcome == Outcome::Ok && ta.ret < tb.call)
            .then(|| step("process", a, b)),
        REALTIME => (ta.outcome == Outcome::Ok && ta.ret < tb.call).then(|| step("realtime", a, b)),
        _ => match analysis {
            Analysis::ListAppend {
                order,
                writes,
                longest,
            } => list_append(history, order, writes, longest, a, b, kind),
            Analysis::RwRegister {
                order,
                access,
                edges,
            } => register(history, order, access, edges, a, b, kind),
        },
    }
}

/// Index of `kind(key, value)` among `t`'s micro-ops.
fn mop_index(history: &TxnHistory, t: u32, kind: MopKind, key: KeyId, value: u32) -> Option<usize> {
    history
        .mops_of(&history.txns[t as usize])
        .iter()
        .position(|m| m.kind == kind && m.key == key && m.value == value)
}

fn list_append(
    history: &TxnHistory,
    order: &ListAppendOrder,
    writes: &Writes,
    longest: &[Option<(u32, usize)>],
    a: u32,
    b: u32,
    kind: u8,
) -> Option<Step> {
    let atom = |x: u32| history.atoms.value(x);
    let mops_b = history.mops_of(&history.txns[b as usize]);
    let mops_a = history.mops_of(&history.txns[a as usize]);
    // The last position before `p` whose writer is a graph vertex.
    let previous = |k: usize, p: usize| {
        (0..p)
            .rev()
            .find(|&q| order.writer_at[k][q] != NONE && is_vertex(history, order.writer_at[k][q]))
    };
    match kind {
        WR => mops_b.iter().enumerate().find_map(|(j, m)| {
            if m.kind != MopKind::Read || m.value == READ_UNKNOWN {
                return None;
            }
            let read = &history.reads[m.value as usize];
            let &last = history.list_elements(m.key, read).last()?;
            let w = writes.get(&pack(m.key, last))?;
            (w.writer == a).then(|| Step {
                key: Some(history.key(m.key).clone()),
                value: Some(atom(last)),
                a_mop_index: mop_index(history, a, MopKind::Append, m.key, last),
                b_mop_index: Some(j),
                ..step("wr", a, b)
            })
        }),
        WW => mops_b.iter().enumerate().find_map(|(j, m)| {
            let k = m.key as usize;
            if m.kind != MopKind::Append || order.tainted[k] {
                return None;
            }
            let w = writes.get(&pack(m.key, m.value))?;
            let trace = &history.traces[k];
            let (p, evidence) = if w.pos != NONE {
                let (t, i) = longest[k]?;
                (
                    previous(k, w.pos as usize)?,
                    Evidence::Read { txn: t, mop: i },
                )
            } else {
                let (t, i) = longest[k]?;
                (
                    previous(k, trace.len())?,
                    Evidence::Unobserved { txn: t, mop: i },
                )
            };
            (order.writer_at[k][p] == a).then(|| Step {
                key: Some(history.key(m.key).clone()),
                value: Some(atom(trace[p])),
                value2: Some(atom(m.value)),
                a_mop_index: mop_index(history, a, MopKind::Append, m.key, trace[p]),
                b_mop_index: Some(j),
                evidence: Some(evidence),
                ..step("ww", a, b)
            })
        }),
        RW => mops_a.iter().enumerate().find_map(|(i, m)| {
            let k = m.key as usize;
            if m.kind != MopKind::Read || m.value == READ_UNKNOWN || order.tainted[k] {
                return None;
            }
            let read = &history.reads[m.value as usize];
            if read.odd.is_some() {
                return None;
            }
            let trace = &history.traces[k];
            let (t, r) = longest[k].unwrap_or((a, i));
            let (value2, evidence) = match order.next_writer[k][read.len as usize] {
                NONE => {
                    let &(v, _) = order.unobserved[k].iter().find(|(_, w)| *w == b)?;
                    (v, Evidence::Unobserved { txn: t, mop: r })
                }
                p => {
                    if order.writer_at[k][p as usize] != b {
                        return None;
                    }
                    (trace[p as usize], Evidence::Read { txn: t, mop: r })
                }
            };
            Some(Step {
                key: Some(history.key(m.key).clone()),
                value: read.len.checked_sub(1).map(|p| atom(trace[p as usize])),
                value2: Some(atom(value2)),
                a_mop_index: Some(i),
                b_mop_index: mop_index(history, b, MopKind::Append, m.key, value2),
                evidence: Some(evidence),
                ..step("rw", a, b)
            })
        }),
        _ => None,
    }
}

fn register(
    history: &TxnHistory,
    order: &RegisterOrder,
    access: &Access,
    edges: &HashMap<(u32, u32), Source>,
    a: u32,
    b: u32,
    kind: u8,
) -> Option<Step> {
    let mops_a = history.mops_of(&history.txns[a as usize]);
    let mops_b = history.mops_of(&history.txns[b as usize]);
    let committed = history.txns[a as usize].outcome == Outcome::Ok;
    let evidence = |s: Source| match s {
        Source::Initial => Evidence::Initial,
        Source::WithinTxn(t) => Evidence::WithinTxn { txn: t },
        Source::Process(x, y) => Evidence::SequentialKeys { from: x, to: y },
        Source::Realtime(x, y) => Evidence::LinearizableKeys { from: x, to: y },
    };
    if kind == WR {
        return mops_b.iter().enumerate().find_map(|(j, m)| {
            if m.kind != MopKind::Read || m.value == READ_UNKNOWN || m.value == READ_NIL {
                return None;
            }
            let node = order.node(m.key, m.value)?;
            (access.writer[node as usize] == a).then(|| Step {
                key: Some(history.key(m.key).clone()),
                value: Some(history.atoms.value(m.value)),
                a_mop_index: mop_index(history, a, MopKind::Write, m.key, m.value),
                b_mop_index: Some(j),
                ..step("wr", a, b)
            })
        });
    }
    let want = match kind {
        WW => MopKind::Write,
        RW => MopKind::Read,
        _ => return None,
    };
    for (i, ma) in mops_a.iter().enumerate() {
        if ma.kind != want || ma.value == READ_UNKNOWN || (want == MopKind::Read && !committed) {
            continue;
        }
        let Some(na) = order.node(ma.key, ma.value) else {
            continue;
        };
        for (j, mb) in mops_b.iter().enumerate() {
            if mb.kind != MopKind::Write || mb.key != ma.key {
                continue;
            }
            let Some(nb) = order.node(mb.key, mb.value) else {
                continue;
            };
            if let Some(&source) = edges.get(&(na, nb)) {
                return Some(Step {
                    key: Some(history.key(ma.key).clone()),
                    value: Some(version_value(history, ma.value)),
                    value2: Some(history.atoms.value(mb.value)),
                    a_mop_index: Some(i),
                    b_mop_index: Some(j),
                    evidence: Some(evidence(source)),
                    ..step(if kind == WW { "ww" } else { "rw" }, a, b)
                });
            }
        }
    }
    None
}
