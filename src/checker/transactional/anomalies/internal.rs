//! internal and future-read: anomalies visible inside one committed transaction.
//!
//! **internal** (Cerone et al.'s INT, as Elle checks it): each key's state is tracked through the
//! transaction; a read must return it. For list-append, after appends to a key the transaction
//! has not read, the state is "some unknown prefix, then these elements" (`[... 3]`); after a
//! read it is that read's list, plus any later appends. For rw-register it is the last value
//! written or read. One case per transaction (the first disagreement).
//!
//! **lost-own-write** (stronger than Elle, which calls this internal too): a read that does not
//! show a write the same transaction made to the key before it — an append missing from the
//! list, or a register read after the transaction's own write returning another value. No
//! execution of the transaction as written produces it, at any isolation level (Adya's histories
//! have every transaction read its own writes), so every model forbids it; the rest of
//! `internal` (a read disagreeing with the transaction's earlier *reads*: a non-repeatable read
//! inside a transaction) stays where Elle puts it, from read-atomic up.
//!
//! **future-read**: a read shows a write the same transaction makes only later (list-append, as
//! Elle; rw-register too: values are unique, so only this transaction wrote it).

use super::{read_value, Cases};
use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::Case;
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::txn::{
    AtomId, KeyId, Mop, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN,
};
use crate::history::{Outcome, Value};

/// What a list-append transaction knows a key holds.
#[derive(Clone)]
enum Expected {
    /// Exactly this list.
    Known(Vec<AtomId>),
    /// Some prefix, then these elements.
    Suffix(Vec<AtomId>),
}

impl Expected {
    fn matches(&self, read: &[AtomId]) -> bool {
        match self {
            Expected::Known(list) => list == read,
            Expected::Suffix(s) => read.len() >= s.len() && read[read.len() - s.len()..] == s[..],
        }
    }

    fn render(&self, history: &TxnHistory) -> String {
        let items = |list: &[AtomId]| {
            list.iter()
                .map(|&a| history.atoms.value(a).to_string())
                .collect::<Vec<_>>()
        };
        match self {
            Expected::Known(list) => format!("[{}]", items(list).join(", ")),
            Expected::Suffix(s) => format!("[..., {}]", items(s).join(", ")),
        }
    }
}

/// internal and future-read for list-append.
pub fn list_append(history: &TxnHistory, writes: &Writes, cases: &mut Cases) {
    let mut state: Vec<(KeyId, Expected)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        let mops = history.mops_of(txn);
        state.clear();
        let mut internal_found = false;
        for (i, mop) in mops.iter().enumerate() {
            let slot = state.iter().position(|(k, _)| *k == mop.key);
            match mop.kind {
                MopKind::Append => match slot {
                    Some(s) => match &mut state[s].1 {
                        Expected::Known(l) | Expected::Suffix(l) => l.push(mop.value),
                    },
                    None => state.push((mop.key, Expected::Suffix(vec![mop.value]))),
                },
                MopKind::Read if mop.value != READ_UNKNOWN => {
                    let read = &history.reads[mop.value as usize];
                    let elements = history.list_elements(mop.key, read);
                    if let Some(s) = slot {
                        if !internal_found && !state[s].1.matches(elements) {
                            internal_found = true;
                            let lost =
                                own_appends(mops, i, mop.key).any(|a| !elements.contains(&a));
                            let anomaly = if lost {
                                Anomaly::LostOwnWrite
                            } else {
                                Anomaly::Internal
                            };
                            cases.push((
                                anomaly,
                                Case::Internal {
                                    txn: t as u32,
                                    mop: i,
                                    key: history.key(mop.key).clone(),
                                    read: read_value(history, mop),
                                    expected: state[s].1.render(history),
                                },
                            ));
                        }
                        state[s].1 = Expected::Known(elements.to_vec());
                    } else {
                        state.push((mop.key, Expected::Known(elements.to_vec())));
                    }
                }
                _ => {}
            }
        }
        future_read(history, writes, t as u32, cases);
    }
}

/// The elements the transaction appended to `key` before micro-op `before`.
fn own_appends(mops: &[Mop], before: usize, key: KeyId) -> impl Iterator<Item = AtomId> + '_ {
    (mops[..before].iter())
        .filter(move |m| m.kind == MopKind::Append && m.key == key)
        .map(|m| m.value)
}

/// A read that shows an element the transaction appends later (the first such read).
fn future_read(history: &TxnHistory, writes: &Writes, t: u32, cases: &mut Cases) {
    let mops = history.mops_of(&history.txns[t as usize]);
    for (j, append) in mops.iter().enumerate() {
        if append.kind != MopKind::Append {
            continue;
        }
        for (i, mop) in mops[..j].iter().enumerate() {
            if mop.kind != MopKind::Read || mop.key != append.key || mop.value == READ_UNKNOWN {
                continue;
            }
            let read = &history.reads[mop.value as usize];
            let shows = match read.odd {
                Some(_) => history.list_elements(mop.key, read).contains(&append.value),
                None => writes
                    .get(&pack(append.key, append.value))
                    .is_some_and(|w| w.pos != NONE && w.pos < read.len),
            };
            if shows {
                cases.push((
                    Anomaly::FutureRead,
                    Case::FutureRead {
                        txn: t,
                        mop: i,
                        key: history.key(mop.key).clone(),
                        read: read_value(history, mop),
                        element: history.atoms.value(append.value),
                    },
                ));
                return;
            }
        }
    }
}

/// internal, lost-own-write and future-read for rw-register: a read must return the key's last
/// value written or read, and cannot return a value the transaction writes only later.
pub fn rw_register(history: &TxnHistory, writes: &Writes, cases: &mut Cases) {
    // Per key: the last value written or read, and the last value this transaction wrote.
    let mut state: Vec<(KeyId, u32, Option<u32>)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        state.clear();
        let mops = history.mops_of(txn);
        let mut future_found = false;
        for (i, mop) in mops.iter().enumerate() {
            if mop.value == READ_UNKNOWN {
                continue;
            }
            let slot = state.iter().position(|(k, _, _)| *k == mop.key);
            if mop.kind == MopKind::Read {
                let written_later = (mops[i + 1..].iter())
                    .any(|m| m.kind != MopKind::Read && m.key == mop.key && m.value == mop.value);
                let own = writes
                    .get(&pack(mop.key, mop.value))
                    .is_some_and(|w| w.writer == t as u32);
                if !future_found && written_later && own && mop.value != READ_NIL {
                    future_found = true;
                    cases.push((
                        Anomaly::FutureRead,
                        Case::FutureRead {
                            txn: t as u32,
                            mop: i,
                            key: history.key(mop.key).clone(),
                            read: read_value(history, mop),
                            element: history.atoms.value(mop.value),
                        },
                    ));
                }
                if let Some(s) = slot {
                    let (_, last, written) = state[s];
                    if last != mop.value {
                        let expected =
                            super::super::infer::rw_register::version_value(history, last);
                        // Once it wrote the key, every later read must return its own write.
                        let anomaly = if written.is_some() {
                            Anomaly::LostOwnWrite
                        } else {
                            Anomaly::Internal
                        };
                        cases.push((
                            anomaly,
                            Case::Internal {
                                txn: t as u32,
                                mop: i,
                                key: history.key(mop.key).clone(),
                                read: read_value(history, mop),
                                expected: expected_text(&expected),
                            },
                        ));
                        break;
                    }
                }
            }
            let wrote = (mop.kind != MopKind::Read).then_some(mop.value);
            match slot {
                Some(s) => state[s] = (mop.key, mop.value, wrote.or(state[s].2)),
                None => state.push((mop.key, mop.value, wrote)),
            }
        }
    }
}

fn expected_text(v: &Value) -> String {
    v.to_string()
}
