//! One interpretation's committed set, its aborted and intermediate reads, and its version
//! orders (enumerated one combination at a time).

use crate::txn_reference::txns::{Kind, Mop, Status, Txns};
use crate::txn_reference::{Budget, OutOfBudget};

/// What a read read, as a place in its key's version order.
#[derive(Clone, Copy, Debug)]
pub enum ReadOf {
    /// A list read: the first this-many versions (its committed elements).
    Prefix(usize),
    /// A register read of this element's version.
    Version(usize),
    /// A register read of the initial version (nil).
    Initial,
}

/// A read of a committed version by a committed transaction.
#[derive(Clone, Copy, Debug)]
pub struct VersionRead {
    /// The reading transaction.
    pub reader: usize,
    /// The key.
    pub key: usize,
    /// What it read.
    pub read: ReadOf,
}

/// The versions of one key.
#[derive(Clone, Debug, Default)]
struct KeyVersions {
    /// The start of the order every read fixes (lists: the longest read).
    fixed: Vec<usize>,
    /// The other versions, in no particular order.
    rest: Vec<usize>,
    /// Per version in `rest`, the version that must precede it (its writer's previous append).
    after: Vec<Option<usize>>,
}

/// The committed transactions (a bit set), and what follows from that choice.
#[derive(Clone, Debug)]
pub struct Interpretation {
    /// Whether some `ok` read is aborted (G1a) or intermediate (G1b).
    pub dirty: bool,
    /// The reads of committed versions.
    pub reads: Vec<VersionRead>,
    keys: Vec<KeyVersions>,
}

impl Interpretation {
    /// The interpretation where exactly the transactions in `committed` committed, or `None`
    /// when the reads admit no version order under it.
    pub fn new(txns: &Txns, committed: u64) -> Option<Interpretation> {
        let is_committed = |e: usize| txns.writer(e).is_some_and(|t| committed & (1 << t) != 0);
        let mut interpretation = Interpretation {
            dirty: false,
            reads: Vec::new(),
            keys: vec![KeyVersions::default(); txns.keys],
        };
        for (t, txn) in txns.txns.iter().enumerate() {
            if txn.status != Status::Ok {
                continue;
            }
            for (m, mop) in txn.mops.iter().enumerate() {
                if let Mop::Read {
                    key,
                    seen: Some(seen),
                } = mop
                {
                    let own_before = txn.mops[..m]
                        .iter()
                        .any(|mop| matches!(mop, Mop::Write { key: k, .. } if k == key));
                    interpretation.read(txns, t, *key, seen, own_before, &is_committed)?;
                }
            }
        }
        for key in 0..txns.keys {
            interpretation.order_rest(txns, key, &is_committed)?;
        }
        Some(interpretation)
    }

    /// Notes one `ok` read by `t` of `key`.
    fn read(
        &mut self,
        txns: &Txns,
        t: usize,
        key: usize,
        seen: &[usize],
        own_before: bool,
        is_committed: &impl Fn(usize) -> bool,
    ) -> Option<()> {
        let intermediate = |e: usize| {
            let writer = txns.writers[e]?;
            let later = txns.txns[writer.txn].mops[writer.mop + 1..]
                .iter()
                .any(|mop| matches!(mop, Mop::Write { key: k, .. } if *k == key));
            Some(writer.txn != t && later)
        };
        match txns.kind {
            Kind::List => {
                let visible: Vec<usize> =
                    seen.iter().copied().filter(|&e| is_committed(e)).collect();
                self.dirty |= visible.len() != seen.len();
                self.dirty |= seen.last().is_some_and(|&e| intermediate(e) == Some(true));
                let fixed = &mut self.keys[key].fixed;
                if visible.len() > fixed.len() {
                    if !visible.starts_with(fixed) {
                        return None;
                    }
                    *fixed = visible.clone();
                } else if !fixed.starts_with(&visible) {
                    return None;
                }
                self.reads.push(VersionRead {
                    reader: t,
                    key,
                    read: ReadOf::Prefix(visible.len()),
                });
            }
            Kind::Register if own_before => {}
            Kind::Register => {
                let read = match seen.first() {
                    None => ReadOf::Initial,
                    Some(&e) if !is_committed(e) || intermediate(e) == Some(true) => {
                        self.dirty = true;
                        return Some(());
                    }
                    Some(&e) => ReadOf::Version(e),
                };
                self.reads.push(VersionRead {
                    reader: t,
                    key,
                    read,
                });
            }
        }
        Some(())
    }

    /// Collects `key`'s versions outside the fixed prefix; `None` when the fixed prefix breaks a
    /// writer's program order.
    fn order_rest(
        &mut self,
        txns: &Txns,
        key: usize,
        is_committed: &impl Fn(usize) -> bool,
    ) -> Option<()> {
        let versions = &mut self.keys[key];
        for txn in &txns.txns {
            let writes: Vec<usize> = txn.writes_to(key).collect();
            if writes.first().is_none_or(|&e| !is_committed(e)) {
                continue;
            }
            match txns.kind {
                Kind::Register => versions.rest.push(*writes.last()?),
                Kind::List => {
                    // The writer's elements in the fixed prefix: its first few, in order.
                    let fixed: Vec<usize> = versions
                        .fixed
                        .iter()
                        .copied()
                        .filter(|e| writes.contains(e))
                        .collect();
                    if !writes.starts_with(&fixed) {
                        return None;
                    }
                    for (i, &e) in writes.iter().enumerate().skip(fixed.len()) {
                        versions.rest.push(e);
                        versions.after.push(i.checked_sub(1).map(|p| writes[p]));
                    }
                }
            }
        }
        if versions.after.len() < versions.rest.len() {
            versions.after.resize(versions.rest.len(), None);
        }
        Some(())
    }

    /// Calls `visit` with every combination of version orders (one order per key), until it
    /// returns `true`. Each combination costs one step of `budget`.
    pub fn for_each_order(
        &self,
        budget: &mut Budget,
        visit: &mut dyn FnMut(&[Vec<usize>]) -> bool,
    ) -> Result<(), OutOfBudget> {
        let mut orders: Vec<Vec<usize>> = self.keys.iter().map(|k| k.fixed.clone()).collect();
        self.orders_from(0, &mut orders, budget, visit).map(|_| ())
    }

    /// Extends `orders[key..]`; returns whether `visit` asked to stop.
    fn orders_from(
        &self,
        key: usize,
        orders: &mut Vec<Vec<usize>>,
        budget: &mut Budget,
        visit: &mut dyn FnMut(&[Vec<usize>]) -> bool,
    ) -> Result<bool, OutOfBudget> {
        if key == self.keys.len() {
            budget.spend()?;
            return Ok(visit(orders));
        }
        let versions = &self.keys[key];
        if orders[key].len() == versions.fixed.len() + versions.rest.len() {
            return self.orders_from(key + 1, orders, budget, visit);
        }
        for (i, &e) in versions.rest.iter().enumerate() {
            let free = !orders[key].contains(&e)
                && versions.after[i].is_none_or(|p| orders[key].contains(&p));
            if free {
                orders[key].push(e);
                let stop = self.orders_from(key, orders, budget, visit)?;
                orders[key].pop();
                if stop {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
