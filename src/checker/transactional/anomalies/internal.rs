//! internal and future-read: anomalies visible inside one committed transaction.
//!
//! **internal** (Cerone et al.'s INT, as Elle checks it): each key's state is tracked through the
//! transaction; a read must return it. For list-append, after appends to a key the transaction
//! has not read, the state is "some unknown prefix, then these elements" (`[... 3]`); after a
//! read it is that read's list, plus any later appends. For rw-register it is the last value
//! written or read. One case per transaction (the first disagreement).
//!
//! **future-read** (list-append): a read shows an element the same transaction appends only
//! later.

use hashbrown::HashMap;

use super::{read_value, Cases};
use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::Case;
use crate::checker::transactional::extract::{pack, Written, NONE};
use crate::checker::transactional::txn::{AtomId, KeyId, MopKind, TxnHistory, READ_UNKNOWN};
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
pub fn list_append(history: &TxnHistory, writes: &HashMap<u64, Written>, cases: &mut Cases) {
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
                            cases.push((
                                Anomaly::Internal,
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

/// A read that shows an element the transaction appends later (the first such read).
fn future_read(history: &TxnHistory, writes: &HashMap<u64, Written>, t: u32, cases: &mut Cases) {
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

/// internal for rw-register: a read must return the key's last value written or read.
pub fn rw_register(history: &TxnHistory, cases: &mut Cases) {
    let mut state: Vec<(KeyId, u32)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        state.clear();
        for (i, mop) in history.mops_of(txn).iter().enumerate() {
            if mop.value == READ_UNKNOWN {
                continue;
            }
            let slot = state.iter().position(|(k, _)| *k == mop.key);
            if mop.kind == MopKind::Read {
                if let Some(s) = slot {
                    if state[s].1 != mop.value {
                        let expected =
                            super::super::infer::rw_register::version_value(history, state[s].1);
                        cases.push((
                            Anomaly::Internal,
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
            match slot {
                Some(s) => state[s].1 = mop.value,
                None => state.push((mop.key, mop.value)),
            }
        }
    }
}

fn expected_text(v: &Value) -> String {
    v.to_string()
}
