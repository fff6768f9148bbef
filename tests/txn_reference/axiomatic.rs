//! Read atomic and causal consistency, axiomatically (Cerone, Bernardy and Gotsman, "A Framework
//! for Transactional Consistency Models with Atomic Visibility", CONCUR 2015), without the
//! SESSION axiom: Jepsen histories promise nothing per process, and Elle's lattice places both
//! models below serializability, which holds only without it.
//!
//! An abstract execution orders the committed transactions totally (arbitration, AR) and says
//! which earlier ones each transaction sees (visibility, VIS ⊆ AR). A transaction sees all of
//! another's writes or none (atomic visibility). Its reads return what it sees, per key, plus its
//! own earlier writes (EXT and INT): for a register the AR-last visible write (the writer's final
//! write to the key) or nil; for a list the visible appends in AR order. Two reads of a key with
//! no write between them in the transaction return the same. Lists are single sequences, so the
//! appends a reader sees of a key are an AR-prefix of the key's appends, and a transaction that
//! reads a key after appending to it sees every earlier append (its own sit right after them).
//!
//! - **read atomic**: any such execution;
//! - **causal** (Cerone's CC): also TRANSVIS: visibility is transitive.
//!
//! Search: depth-first over AR. Given the order, the smallest visibility a transaction can have
//! is forced (the writers its reads name, closed under the prefix rule and, for causal, under
//! what those writers see), and a smaller visibility never hurts a later transaction; so only
//! that one is tried, and then checked against the reads.

use super::txns::{Kind, Mop, Status, Txn, Txns};
use super::{Budget, OutOfBudget};

/// What a transaction's reads of one key demand.
#[derive(Clone, Debug)]
struct Need {
    key: usize,
    /// What it sees of the key besides its own writes: for a list the elements, for a register
    /// nothing (nil) or the one element read.
    base: Vec<usize>,
    /// A list read after the transaction's own append to the key.
    after_append: bool,
}

/// Whether some abstract execution explains every `ok` read; `causal` adds TRANSVIS.
pub fn visibility(txns: &Txns, causal: bool, budget: &mut Budget) -> Result<bool, OutOfBudget> {
    let mut needs = Vec::with_capacity(txns.txns.len());
    for txn in &txns.txns {
        match needs_of(txns.kind, txn) {
            Some(need) => needs.push(need),
            None => return Ok(false),
        }
    }
    let mut search = Search {
        txns,
        causal,
        needs,
        order: Vec::new(),
        vis: vec![0; txns.txns.len()],
        budget,
    };
    search.run()
}

/// The demands of `txn`'s reads, or `None` when its reads contradict its own writes or each
/// other (INT).
fn needs_of(kind: Kind, txn: &Txn) -> Option<Vec<Need>> {
    let mut needs: Vec<Need> = Vec::new();
    if txn.status != Status::Ok {
        return Some(needs);
    }
    let mut own: Vec<(usize, Vec<usize>)> = Vec::new();
    for mop in &txn.mops {
        match mop {
            Mop::Write { key, elem } => match own.iter_mut().find(|(k, _)| k == key) {
                Some((_, written)) => written.push(*elem),
                None => own.push((*key, vec![*elem])),
            },
            Mop::Read { key, seen } => {
                let seen = seen.as_ref()?;
                let mine = own
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(&[][..], |(_, w)| w);
                let base = match kind {
                    Kind::List => seen.strip_suffix(mine)?.to_vec(),
                    Kind::Register if !mine.is_empty() => {
                        if seen[..] != mine[mine.len() - 1..] {
                            return None;
                        }
                        continue;
                    }
                    Kind::Register => seen.clone(),
                };
                let after_append = kind == Kind::List && !mine.is_empty();
                match needs.iter_mut().find(|n| n.key == *key) {
                    Some(need) if need.base != base => return None,
                    Some(need) => need.after_append |= after_append,
                    None => needs.push(Need {
                        key: *key,
                        base,
                        after_append,
                    }),
                }
            }
        }
    }
    Some(needs)
}

struct Search<'a, 'b> {
    txns: &'a Txns,
    causal: bool,
    needs: Vec<Vec<Need>>,
    /// AR so far.
    order: Vec<usize>,
    /// Per placed transaction, the set it sees.
    vis: Vec<u64>,
    budget: &'b mut Budget,
}

impl Search<'_, '_> {
    fn placed(&self) -> u64 {
        self.order.iter().fold(0, |mask, &t| mask | 1 << t)
    }

    fn run(&mut self) -> Result<bool, OutOfBudget> {
        let placed = self.placed();
        let all = &self.txns.txns;
        if (0..all.len()).all(|t| placed & (1 << t) != 0 || all[t].status != Status::Ok) {
            return Ok(true);
        }
        for (t, txn) in all.iter().enumerate() {
            if placed & (1 << t) != 0 || txn.status == Status::Fail {
                continue;
            }
            self.budget.spend()?;
            let Some(vis) = self.smallest_visibility(t) else {
                continue;
            };
            if !self.explains(t, vis) {
                continue;
            }
            self.vis[t] = vis;
            self.order.push(t);
            let found = self.run()?;
            self.order.pop();
            if found {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The placed transactions that write `key`, in AR order.
    fn writers_of(&self, key: usize) -> impl Iterator<Item = usize> + '_ {
        self.order
            .iter()
            .copied()
            .filter(move |&w| self.txns.txns[w].writes(key))
    }

    /// The least visibility `t` can have if placed next, or `None` if its reads name a writer
    /// not placed yet.
    fn smallest_visibility(&self, t: usize) -> Option<u64> {
        let placed = self.placed();
        let mut vis = 0u64;
        for need in &self.needs[t] {
            for &e in &need.base {
                let w = self.txns.writer(e)?;
                if placed & (1 << w) == 0 {
                    return None;
                }
                vis |= 1 << w;
            }
            if need.after_append {
                vis |= self.writers_of(need.key).fold(0, |m, w| m | 1 << w);
            }
        }
        loop {
            let before = vis;
            if self.causal {
                for &u in &self.order {
                    if vis & (1 << u) != 0 {
                        vis |= self.vis[u];
                    }
                }
            }
            if self.txns.kind == Kind::List {
                for need in &self.needs[t] {
                    let writers: Vec<usize> = self.writers_of(need.key).collect();
                    if let Some(last) = writers.iter().rposition(|&w| vis & (1 << w) != 0) {
                        vis |= writers[..=last].iter().fold(0, |m, &w| m | 1 << w);
                    }
                }
            }
            if vis == before {
                return Some(vis);
            }
        }
    }

    /// Whether `t`'s reads return what it sees with visibility `vis` (EXT).
    fn explains(&self, t: usize, vis: u64) -> bool {
        self.needs[t].iter().all(|need| {
            let visible: Vec<usize> = self
                .writers_of(need.key)
                .filter(|&w| vis & (1 << w) != 0)
                .collect();
            match self.txns.kind {
                Kind::List => {
                    let seen = visible
                        .iter()
                        .flat_map(|&w| self.txns.txns[w].writes_to(need.key));
                    seen.eq(need.base.iter().copied())
                }
                Kind::Register => match (need.base.first(), visible.last()) {
                    (None, None) => true,
                    (Some(&e), Some(&w)) => self.txns.txns[w].writes_to(need.key).last() == Some(e),
                    _ => false,
                },
            }
        })
    }
}
