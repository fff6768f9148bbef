//! The semantics of a transaction run against a view of the database, shared by the routes that
//! execute transactions (serial orders, snapshots, visibility).
//!
//! The database state is, per key, the sequence of elements written to it, oldest first: for a
//! list that sequence *is* the value; for a register the value is its last element (nil when it
//! is empty). A transaction sees, per key, some such sequence (its *view*), followed by its own
//! earlier writes to the key; its reads must return exactly that.

use super::txns::{Kind, Mop, Status, Txn};

/// The value a read returns when its key's visible sequence is `base` and the transaction wrote
/// `own` to the key before the read: the whole sequence for a list, its last element (or nothing)
/// for a register.
pub fn value(kind: Kind, base: &[usize], own: &[usize]) -> Vec<usize> {
    match kind {
        Kind::List => base.iter().chain(own).copied().collect(),
        Kind::Register => own.last().or(base.last()).copied().into_iter().collect(),
    }
}

/// Whether every read of `txn` returns what it should when key `k`'s visible sequence is
/// `view(k)`. Reads of transactions that are not `ok` are unknown and always match.
pub fn reads_match<'a>(kind: Kind, txn: &Txn, view: impl Fn(usize) -> &'a [usize]) -> bool {
    if txn.status != Status::Ok {
        return true;
    }
    let mut own: Vec<(usize, Vec<usize>)> = Vec::new();
    for mop in &txn.mops {
        match mop {
            Mop::Write { key, elem } => match own.iter_mut().find(|(k, _)| k == key) {
                Some((_, written)) => written.push(*elem),
                None => own.push((*key, vec![*elem])),
            },
            Mop::Read { key, seen } => {
                let mine = own
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(&[][..], |(_, w)| &w[..]);
                if let Some(seen) = seen {
                    if *seen != value(kind, view(*key), mine) {
                        return false;
                    }
                }
            }
        }
    }
    true
}

/// `state` with `txn`'s writes appended, key by key.
pub fn apply(state: &[Vec<usize>], txn: &Txn) -> Vec<Vec<usize>> {
    let mut next = state.to_vec();
    for mop in &txn.mops {
        if let Mop::Write { key, elem } = mop {
            next[*key].push(*elem);
        }
    }
    next
}
