//! G1a, G1b and garbage reads: a committed read of a version it should never have seen.
//!
//! - **G1a** (aborted read): the version was written by a transaction that failed. For
//!   list-append every element of the read counts (the list holds the failed append).
//! - **G1b** (intermediate read): the read's version (list-append: its last element) was written
//!   by another transaction that wrote the key again later in itself; reading your own
//!   intermediate write is fine.
//! - **garbage-read**: no transaction wrote the value at all (reported once per value).

use hashbrown::HashSet;

use super::{read_value, Cases};
use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::Case;
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::infer::list_append::ListAppendOrder;
use crate::checker::transactional::txn::{
    AtomId, KeyId, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN,
};
use crate::history::Outcome;

/// Every write that a transaction (of any outcome) overwrote itself: `pack(key, atom)`.
fn intermediate_writes(history: &TxnHistory) -> HashSet<u64> {
    let mut out = HashSet::new();
    let mut last: Vec<(KeyId, AtomId)> = Vec::new();
    for txn in &history.txns {
        last.clear();
        for mop in history.mops_of(txn) {
            if !mop.kind.is_write() {
                continue;
            }
            match last.iter_mut().find(|(k, _)| *k == mop.key) {
                Some(entry) => {
                    out.insert(pack(entry.0, entry.1));
                    entry.1 = mop.value;
                }
                None => last.push((mop.key, mop.value)),
            }
        }
    }
    out
}

/// Finds G1a, G1b and garbage reads. For list-append, `order` lists each key's writers so a
/// read's elements are not looked up one by one: only its trace positions whose writer failed
/// or does not exist are visited.
pub fn aborted_intermediate_garbage(
    history: &TxnHistory,
    writes: &Writes,
    order: Option<&ListAppendOrder>,
    cases: &mut Cases,
) {
    let intermediate = intermediate_writes(history);
    let mut garbage_seen: HashSet<u64> = HashSet::new();
    let failed = |w: u32| w != NONE && history.txns[w as usize].outcome == Outcome::Fail;
    // Per key, trace positions written by a failed transaction or by none.
    let bad: Vec<Vec<u32>> = order.map_or_else(Vec::new, |o| {
        o.writer_at
            .iter()
            .map(|ws| {
                (0..ws.len() as u32)
                    .filter(|&p| ws[p as usize] == NONE || failed(ws[p as usize]))
                    .collect()
            })
            .collect()
    });
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        let t = t as u32;
        for (i, mop) in history.mops_of(txn).iter().enumerate() {
            if mop.kind != MopKind::Read || mop.value == READ_UNKNOWN || mop.value == READ_NIL {
                continue;
            }
            let (suspects, last): (Vec<AtomId>, Option<AtomId>) = match order {
                Some(_) => {
                    let read = &history.reads[mop.value as usize];
                    let elements = history.list_elements(mop.key, read);
                    let suspects = match read.odd {
                        Some(_) => elements.to_vec(),
                        None => bad[mop.key as usize]
                            .iter()
                            .take_while(|&&p| p < read.len)
                            .map(|&p| elements[p as usize])
                            .collect(),
                    };
                    (suspects, elements.last().copied())
                }
                None => (vec![mop.value], Some(mop.value)),
            };
            let Some(last) = last else {
                continue;
            };
            let case = |element: AtomId, writer: Option<u32>| Case::Read {
                reader: t,
                mop: i,
                key: history.key(mop.key).clone(),
                read: read_value(history, mop),
                element: history.atoms.value(element),
                writer,
            };
            for e in suspects {
                let packed = pack(mop.key, e);
                let writer = writes.get(&packed).map_or(NONE, |w| w.writer);
                if writer == NONE {
                    if garbage_seen.insert(packed) {
                        cases.push((Anomaly::GarbageRead, case(e, None)));
                    }
                } else if failed(writer) {
                    cases.push((Anomaly::G1a, case(e, Some(writer))));
                }
            }
            let packed = pack(mop.key, last);
            if intermediate.contains(&packed) {
                if let Some(w) = writes
                    .get(&packed)
                    .filter(|w| w.writer != t && w.writer != NONE)
                {
                    cases.push((Anomaly::G1b, case(last, Some(w.writer))));
                }
            }
        }
    }
}
