//! Adya's isolation levels by version orders and the direct serialization graph (DSG).
//!
//! An *interpretation* of a history chooses which `info` transactions committed and, per key, a
//! version order: a total order of the committed transactions' writes to it. For list-append
//! every append is a version, a transaction's appends to a key keep their program order, and
//! every `ok` read must be a prefix of the order once the elements of uncommitted transactions
//! are removed from it (a list reveals the order). For rw-register the versions of a key are the
//! *final* writes of the committed transactions that write it, in any order.
//!
//! A read then reads a version: for a list, the prefix it returned; for a register, the write
//! whose value it returned (or the initial version, nil). Reading a version that no committed
//! transaction installed is G1a (an aborted read: for a list, any element of an uncommitted
//! transaction); reading a version that its writer later overwrote in the same transaction is
//! G1b (an intermediate read). Between committed transactions the DSG has
//! - `ww` from the writer of a version to the writer of the next one;
//! - `wr` from the writer of the version a read read to the reader;
//! - `rw` from a reader to the writer of the version after the one it read;
//!
//! and the phenomena are G0 (a cycle of `ww` edges), G1c (a cycle of `ww` and `wr` edges),
//! G2-item (a cycle with an `rw` edge) and G2 (the same: a history of single keys has no
//! predicates, so PL-2.99 and PL-3 coincide). A level holds when some interpretation shows none
//! of the phenomena it proscribes:
//!
//! | level | proscribes |
//! |---|---|
//! | PL-1 (read uncommitted) | G0 |
//! | PL-2 (read committed) | G1a, G1b, G1c |
//! | PL-2.99 (repeatable read) | G1, G2-item |
//! | PL-3 (serializable) | G1, G2 |
//!
//! Before any interpretation, every `ok` read must be possible at all: its elements must be
//! distinct and written by someone, and a transaction must see exactly its own earlier writes
//! (a list read ends with them and holds no other element of its own; a register read after a
//! write returns the last one, and no read returns a write its transaction makes later).
//! Otherwise there is no interpretation and no level holds. (Elle reports such histories as
//! internal, incompatible-order or duplicate anomalies and may still grant read uncommitted.)
//!
//! Map: `adya/versions.rs` enumerates the version orders of one interpretation; `adya/dsg.rs`
//! builds the graph and finds the phenomena.

mod dsg;
mod versions;

use super::txns::{Kind, Mop, Status, Txns};
use super::{Budget, OutOfBudget};
use versions::Interpretation;

/// Which of Adya's levels hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// PL-1: no G0.
    pub read_uncommitted: bool,
    /// PL-2: no G1a, G1b or G1c.
    pub read_committed: bool,
    /// PL-2.99: no G1 and no G2-item.
    pub repeatable_read: bool,
    /// PL-3: no G1 and no G2.
    pub serializable: bool,
}

/// The levels that hold for `txns`: each holds when some interpretation allows it.
pub fn levels(txns: &Txns, budget: &mut Budget) -> Result<Levels, OutOfBudget> {
    let mut found = Levels::default();
    if !reads_possible(txns) {
        return Ok(found);
    }
    let all = &txns.txns;
    let info: Vec<usize> = (0..all.len())
        .filter(|&t| all[t].status == Status::Info)
        .collect();
    let ok: u64 = (0..all.len())
        .filter(|&t| all[t].status == Status::Ok)
        .fold(0, |mask, t| mask | 1 << t);
    for choice in 0..1u64 << info.len() {
        let committed = info
            .iter()
            .enumerate()
            .filter(|(i, _)| choice & (1 << i) != 0)
            .fold(ok, |mask, (_, &t)| mask | 1 << t);
        let Some(interpretation) = Interpretation::new(txns, committed) else {
            continue;
        };
        // An aborted or intermediate read rules out every level but PL-1.
        if interpretation.dirty && found.read_uncommitted {
            continue;
        }
        interpretation.for_each_order(budget, &mut |orders| {
            let graph = dsg::Dsg::new(txns, &interpretation, orders);
            let clean = !interpretation.dirty && !graph.g1c();
            found.read_uncommitted |= !graph.g0();
            found.read_committed |= clean;
            found.repeatable_read |= clean && !graph.g2_item();
            found.serializable |= clean && graph.acyclic();
            found.serializable
        })?;
        if found.serializable {
            break;
        }
    }
    Ok(found)
}

/// Whether every `ok` read could be a version at all (see the module docs).
fn reads_possible(txns: &Txns) -> bool {
    txns.txns
        .iter()
        .enumerate()
        .filter(|(_, txn)| txn.status == Status::Ok)
        .all(|(t, txn)| {
            txn.mops.iter().enumerate().all(|(m, mop)| {
                let Mop::Read {
                    key,
                    seen: Some(seen),
                } = mop
                else {
                    return true;
                };
                let own: Vec<usize> = txn.mops[..m]
                    .iter()
                    .filter_map(|mop| match mop {
                        Mop::Write { key: k, elem } if k == key => Some(*elem),
                        _ => None,
                    })
                    .collect();
                let mut distinct = seen.clone();
                distinct.sort_unstable();
                distinct.dedup();
                distinct.len() == seen.len()
                    && seen.iter().all(|&e| txns.writer(e).is_some())
                    && sees_own_writes(txns, t, seen, &own)
            })
        })
}

/// A list read ends with `own` and holds no other element of transaction `t`; a register read
/// returns the last of `own`, or (when `own` is empty) no write of `t`.
fn sees_own_writes(txns: &Txns, t: usize, seen: &[usize], own: &[usize]) -> bool {
    match txns.kind {
        Kind::List => {
            let mine = seen.iter().filter(|&&e| txns.writer(e) == Some(t)).count();
            mine == own.len() && seen.ends_with(own)
        }
        Kind::Register => match own.last() {
            Some(last) => seen == [*last],
            None => seen.iter().all(|&e| txns.writer(e) != Some(t)),
        },
    }
}
