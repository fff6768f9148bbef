//! List-append anomalies of the version order itself.
//!
//! - **duplicate-elements**: a read returned an element twice (appends are unique, so some
//!   append was applied twice).
//! - **incompatible-order**: a read that is neither a prefix nor an extension of the key's
//!   trace (the longest read): no single order of appends explains both. Implies G1a in Elle's
//!   lattice.
//! - **incompatible-order**, also: a read that shows one transaction's appends out of the order
//!   it made them, or a later one without an earlier one (Elle compares reads only with each
//!   other, and would let such a list define the order).
//! - **dirty-update** (Elle's state machine): walking a key's trace, a committed append that
//!   follows a failed one (through any number of indefinite ones) built on aborted state.

use super::{read_value, Cases};
use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::Case;
use crate::checker::transactional::extract::NONE;
use crate::checker::transactional::infer::list_append::ListAppendOrder;
use crate::checker::transactional::txn::{KeyId, MopKind, OddWhy, TxnHistory, READ_UNKNOWN};
use crate::history::{Outcome, Value};

/// duplicate-elements and incompatible-order, from the reads that fit no trace.
pub fn odd_reads(history: &TxnHistory, cases: &mut Cases) {
    if history.odd.is_empty() {
        return;
    }
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        for (i, mop) in history.mops_of(txn).iter().enumerate() {
            if mop.kind != MopKind::Read || mop.value == READ_UNKNOWN {
                continue;
            }
            let Some(o) = history.reads[mop.value as usize].odd else {
                continue;
            };
            let odd = &history.odd[o as usize];
            let key = history.key(mop.key).clone();
            let case = match odd.why {
                OddWhy::Duplicates => {
                    let mut counts: Vec<(u32, usize)> = Vec::new();
                    for &e in &odd.elements {
                        match counts.iter_mut().find(|(a, _)| *a == e) {
                            Some(c) => c.1 += 1,
                            None => counts.push((e, 1)),
                        }
                    }
                    (
                        Anomaly::DuplicateElements,
                        Case::DuplicateElements {
                            txn: t as u32,
                            mop: i,
                            key,
                            read: read_value(history, mop),
                            duplicates: counts
                                .into_iter()
                                .filter(|c| c.1 > 1)
                                .map(|(a, n)| (history.atoms.value(a), n))
                                .collect(),
                        },
                    )
                }
                OddWhy::Incompatible => {
                    let trace = list(history, &history.traces[mop.key as usize]);
                    let read = read_value(history, mop);
                    let values = if odd.elements.len() <= history.traces[mop.key as usize].len() {
                        [read, trace]
                    } else {
                        [trace, read]
                    };
                    (
                        Anomaly::IncompatibleOrder,
                        Case::IncompatibleOrder {
                            key,
                            values,
                            txn: t as u32,
                            mop: i,
                        },
                    )
                }
            };
            cases.push(case);
        }
    }
}

/// incompatible-order: for each transaction whose appends the trace misorders, the first read
/// that shows it.
pub fn misordered_appends(history: &TxnHistory, order: &ListAppendOrder, cases: &mut Cases) {
    for &(key, writer) in &order.misordered {
        let w = &history.txns[writer as usize];
        let appends: Vec<u32> = (history.mops_of(w).iter())
            .filter(|m| m.kind == MopKind::Append && m.key == key)
            .map(|m| m.value)
            .collect();
        let shows = |mop: &crate::checker::transactional::txn::Mop| {
            mop.kind == MopKind::Read
                && mop.key == key
                && mop.value != READ_UNKNOWN
                && (history
                    .list_elements(key, &history.reads[mop.value as usize])
                    .iter())
                .any(|a| appends.contains(a))
        };
        let reader = (history.txns.iter().enumerate())
            .filter(|(_, t)| t.outcome == Outcome::Ok)
            .find_map(|(t, txn)| {
                let mops = history.mops_of(txn);
                mops.iter().position(shows).map(|i| (t as u32, i, &mops[i]))
            });
        let Some((txn, mop, read)) = reader else {
            continue;
        };
        cases.push((
            Anomaly::IncompatibleOrder,
            Case::AppendOrder {
                key: history.key(key).clone(),
                txn,
                mop,
                read: read_value(history, read),
                writer,
                appends: list(history, &appends),
            },
        ));
    }
}

fn list(history: &TxnHistory, atoms: &[u32]) -> Value {
    Value::list(
        atoms
            .iter()
            .map(|&a| history.atoms.value(a))
            .collect::<Vec<_>>(),
    )
}

/// dirty-update: per key, a committed append after a failed one.
pub fn dirty_updates(history: &TxnHistory, order: &ListAppendOrder, cases: &mut Cases) {
    for key in 0..history.keys.len() {
        if order.tainted[key] {
            continue;
        }
        let trace = &history.traces[key];
        // The transaction the run of versions started with (the initial state is committed).
        let mut t1: Option<u32> = None;
        let mut t1_outcome = Outcome::Ok;
        let mut since = 0usize;
        for (p, &w) in order.writer_at[key].iter().enumerate() {
            let outcome = if w == NONE {
                Outcome::Info
            } else {
                history.txns[w as usize].outcome
            };
            match (t1_outcome, outcome) {
                (Outcome::Fail, Outcome::Ok) => {
                    cases.push((
                        Anomaly::DirtyUpdate,
                        Case::DirtyUpdate {
                            key: history.key(key as KeyId).clone(),
                            values: trace[since..=p]
                                .iter()
                                .map(|&a| history.atoms.value(a))
                                .collect(),
                            txns: t1.into_iter().chain([w]).collect(),
                        },
                    ));
                    (t1, t1_outcome, since) = (Some(w), outcome, p);
                }
                (_, Outcome::Info) | (Outcome::Fail, Outcome::Fail) => {}
                _ => (t1, t1_outcome, since) = (Some(w), outcome, p),
            }
        }
    }
}
