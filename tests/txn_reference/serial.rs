//! Serializability by serial orders: is there a total order of the committed transactions whose
//! one-at-a-time execution returns every `ok` read? (And, for strict serializability, one that
//! also respects real time.)
//!
//! Depth-first over orders. Any unplaced `ok` or `info` transaction may go next, provided (for
//! strict serializability) every `ok` transaction that completed before it was invoked is
//! already placed, and its reads match the state so far (plus its own writes). The search
//! succeeds once every `ok` transaction is placed: the `info` ones left over never committed.
//! `fail`ed transactions never run.

use super::txns::{Status, Txns};
use super::view::{apply, reads_match};
use super::Budget;
use super::OutOfBudget;

/// Whether some serial order of the committed transactions explains every `ok` read; `strict`
/// adds real time.
pub fn serializable(txns: &Txns, strict: bool, budget: &mut Budget) -> Result<bool, OutOfBudget> {
    let state = vec![Vec::new(); txns.keys];
    search(txns, strict, 0, &state, budget)
}

fn search(
    txns: &Txns,
    strict: bool,
    placed: u64,
    state: &[Vec<usize>],
    budget: &mut Budget,
) -> Result<bool, OutOfBudget> {
    let unplaced = |t: usize| placed & (1 << t) == 0;
    let all = &txns.txns;
    if (0..all.len()).all(|t| !unplaced(t) || all[t].status != Status::Ok) {
        return Ok(true);
    }
    for (t, txn) in all.iter().enumerate() {
        if !unplaced(t) || txn.status == Status::Fail {
            continue;
        }
        let waits = |(a, other): (usize, &super::txns::Txn)| {
            unplaced(a) && a != t && other.status == Status::Ok && other.precedes(txn)
        };
        if strict && all.iter().enumerate().any(waits) {
            continue;
        }
        budget.spend()?;
        if reads_match(txns.kind, txn, |k| &state[k]) {
            let next = apply(state, txn);
            if search(txns, strict, placed | (1 << t), &next, budget)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
