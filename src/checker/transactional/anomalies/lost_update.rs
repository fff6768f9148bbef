//! lost-update (Elle's `lost-update-cases`, after Adya's H_lu): two or more committed
//! transactions read the same version of a key and then wrote that key. Whatever order their
//! writes took, one of them overwrote a state the other never saw. Linear: transactions are
//! grouped by (key, version read first).

use hashbrown::HashMap;

use super::{read_value, Cases};
use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::Case;
use crate::checker::transactional::options::Workload;
use crate::checker::transactional::txn::{KeyId, Mop, MopKind, TxnHistory, READ_UNKNOWN};
use crate::history::Outcome;

/// A version, as a read names it: list-append `(length, odd read)`, rw-register the atom.
fn version(history: &TxnHistory, mop: &Mop) -> (u32, u32) {
    if history.workload == Some(Workload::ListAppend) {
        let read = &history.reads[mop.value as usize];
        (read.len, read.odd.map_or(u32::MAX, |o| o))
    } else {
        (mop.value, 0)
    }
}

/// Transactions that read one version of a key and wrote it, and the read of the first.
type Groups = HashMap<(KeyId, (u32, u32)), (Vec<u32>, Mop)>;

/// Finds lost updates.
pub fn lost_updates(history: &TxnHistory, cases: &mut Cases) {
    // (key, version) → (transactions, the read mop of the first).
    let mut groups: Groups = HashMap::new();
    let mut first_read: Vec<(KeyId, Mop)> = Vec::new();
    let mut counted: Vec<KeyId> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        first_read.clear();
        counted.clear();
        for mop in history.mops_of(txn) {
            match mop.kind {
                MopKind::Read
                    if mop.value != READ_UNKNOWN
                        && !first_read.iter().any(|(k, _)| *k == mop.key) =>
                {
                    first_read.push((mop.key, *mop));
                }
                MopKind::Append | MopKind::Write => {
                    if counted.contains(&mop.key) {
                        continue;
                    }
                    if let Some((_, read)) = first_read.iter().find(|(k, _)| *k == mop.key) {
                        counted.push(mop.key);
                        groups
                            .entry((mop.key, version(history, read)))
                            .or_insert_with(|| (Vec::new(), *read))
                            .0
                            .push(t as u32);
                    }
                }
                _ => {}
            }
        }
    }
    let mut found: Vec<_> = groups
        .into_values()
        .filter(|(txns, _)| txns.len() >= 2)
        .collect();
    found.sort_unstable_by_key(|(txns, _)| txns[0]);
    for (txns, read) in found {
        cases.push((
            Anomaly::LostUpdate,
            Case::LostUpdate {
                key: history.key(read.key).clone(),
                value: read_value(history, &read),
                txns,
            },
        ));
    }
}
