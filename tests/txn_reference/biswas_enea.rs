//! Read committed, read atomic and causal consistency by Biswas and Enea's axioms ("On the
//! Complexity of Checking Transactional Consistency", OOPSLA 2019), by brute force: every
//! total commit order of the committed transactions is tried against the axioms as written.
//!
//! A history holds at a level iff, for some choice of which `info` transactions committed,
//! some total order `co` of the committed transactions contains session order (per process,
//! invocation order) and write-read, and for every read of `x` by `t2` from `t1` and every
//! other committed writer `t3` of `x`:
//!
//! - **read committed**: if `t2` read anything from `t3` earlier, `t3 co t1`;
//! - **read atomic**: if `t3` precedes `t2` in session order or `t2` read anything from `t3`,
//!   `t3 co t1`;
//! - **causal**: if `t3` happens before `t2` (session order ∪ write-read, transitively),
//!   `t3 co t1`.
//!
//! The initial state is a transaction before all others; a read of it with such a `t3` fails.
//! Reads: a register read returns its writer's last write of the key; a read after the
//! transaction's own write returns that write and is not a write-read. A list read after own
//! appends ends with them; the rest is read from the appender of its last element, and must
//! equal every committed append to the key up to that appender, in `co` order. `info`
//! transactions' reads are unknown and not events.

use super::txns::{Kind, Mop, Status, Txns};
use super::{Budget, OutOfBudget};

/// The three levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Read committed.
    ReadCommitted,
    /// Read atomic.
    ReadAtomic,
    /// Causal consistency.
    Causal,
}

const INIT: usize = usize::MAX;

/// One external read: `txn` read `key` from `src` (or [`INIT`]); for lists, what it saw.
#[derive(Clone, Debug)]
struct Event {
    txn: usize,
    key: usize,
    src: usize,
    seen: Vec<usize>,
}

/// Whether `level` holds for `txns`.
pub fn holds(txns: &Txns, level: Level, budget: &mut Budget) -> Result<bool, OutOfBudget> {
    let Some(events) = events(txns) else {
        return Ok(false);
    };
    let info: Vec<usize> = (0..txns.txns.len())
        .filter(|&t| txns.txns[t].status == Status::Info)
        .collect();
    for choice in 0u64..1 << info.len() {
        let committed: Vec<bool> = (txns.txns.iter().enumerate())
            .map(|(t, txn)| match txn.status {
                Status::Ok => true,
                Status::Fail => false,
                Status::Info => choice >> info.iter().position(|&i| i == t).unwrap() & 1 == 1,
            })
            .collect();
        if try_choice(txns, &events, &committed, level, budget)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The external reads, or `None` when a read contradicts its own transaction or names a value
/// nobody wrote, or its own later write.
fn events(txns: &Txns) -> Option<Vec<Event>> {
    let mut out = Vec::new();
    for (t, txn) in txns.txns.iter().enumerate() {
        if txn.status != Status::Ok {
            continue;
        }
        let mut own: Vec<(usize, usize)> = Vec::new();
        for mop in &txn.mops {
            match mop {
                Mop::Write { key, elem } => own.push((*key, *elem)),
                Mop::Read { seen: None, .. } => {}
                Mop::Read {
                    key,
                    seen: Some(seen),
                } => {
                    let mine: Vec<usize> = (own.iter())
                        .filter(|(k, _)| k == key)
                        .map(|(_, e)| *e)
                        .collect();
                    let external: Vec<usize> = match txns.kind {
                        Kind::Register if !mine.is_empty() => {
                            if seen != &[*mine.last().unwrap()] {
                                return None;
                            }
                            continue;
                        }
                        Kind::Register => seen.clone(),
                        Kind::List => {
                            if !seen.ends_with(&mine) {
                                return None;
                            }
                            seen[..seen.len() - mine.len()].to_vec()
                        }
                    };
                    let src = match external.last() {
                        None => INIT,
                        Some(&e) => {
                            let w = txns.writers[e]?;
                            if w.txn == t {
                                return None;
                            }
                            // A register read returns its writer's last write of the key.
                            if txns.kind == Kind::Register
                                && txns.txns[w.txn].writes_to(*key).last() != Some(e)
                            {
                                return None;
                            }
                            w.txn
                        }
                    };
                    out.push(Event {
                        txn: t,
                        key: *key,
                        src,
                        seen: external,
                    });
                }
            }
        }
    }
    Some(out)
}

fn try_choice(
    txns: &Txns,
    events: &[Event],
    committed: &[bool],
    level: Level,
    budget: &mut Budget,
) -> Result<bool, OutOfBudget> {
    let n = txns.txns.len();
    if events.iter().any(|e| e.src != INIT && !committed[e.src]) {
        return Ok(false);
    }
    // Session order and write-read, as "must come before" sets.
    let mut before = vec![vec![false; n]; n]; // before[a][b]: a must precede b
    for a in 0..n {
        for b in 0..n {
            if a != b
                && committed[a]
                && committed[b]
                && txns.txns[a].process == txns.txns[b].process
                && txns.txns[a].call < txns.txns[b].call
            {
                before[a][b] = true;
            }
        }
    }
    for e in events {
        if e.src != INIT {
            before[e.src][e.txn] = true;
        }
    }
    let mut hb = before.clone();
    for k in 0..n {
        let through = hb[k].clone();
        for row in hb.iter_mut() {
            if row[k] {
                for (cell, &reach) in row.iter_mut().zip(&through) {
                    *cell |= reach;
                }
            }
        }
    }
    let members: Vec<usize> = (0..n).filter(|&t| committed[t]).collect();
    let mut order = Vec::new();
    let mut placed = vec![false; n];
    search(
        &Ctx {
            txns,
            events,
            committed,
            level,
            before: &before,
            hb: &hb,
            members: &members,
        },
        &mut order,
        &mut placed,
        budget,
    )
}

struct Ctx<'a> {
    txns: &'a Txns,
    events: &'a [Event],
    committed: &'a [bool],
    level: Level,
    before: &'a [Vec<bool>],
    hb: &'a [Vec<bool>],
    members: &'a [usize],
}

fn search(
    ctx: &Ctx,
    order: &mut Vec<usize>,
    placed: &mut Vec<bool>,
    budget: &mut Budget,
) -> Result<bool, OutOfBudget> {
    budget.spend()?;
    if order.len() == ctx.members.len() {
        return Ok(satisfies(ctx, order));
    }
    for &t in ctx.members {
        if placed[t] || ctx.members.iter().any(|&p| !placed[p] && ctx.before[p][t]) {
            continue;
        }
        placed[t] = true;
        order.push(t);
        if search(ctx, order, placed, budget)? {
            return Ok(true);
        }
        order.pop();
        placed[t] = false;
    }
    Ok(false)
}

/// Whether the total order `order` satisfies the level's axiom and the list values.
fn satisfies(ctx: &Ctx, order: &[usize]) -> bool {
    let n = ctx.txns.txns.len();
    let mut pos = vec![usize::MAX; n];
    for (i, &t) in order.iter().enumerate() {
        pos[t] = i;
    }
    for (i, e) in ctx.events.iter().enumerate() {
        if ctx.txns.kind == Kind::List {
            let upto = if e.src == INIT { 0 } else { pos[e.src] + 1 };
            let version: Vec<usize> = (order[..upto].iter())
                .flat_map(|&u| ctx.txns.txns[u].writes_to(e.key))
                .collect();
            if version != e.seen {
                return false;
            }
        }
        for &t3 in ctx.members {
            if t3 == e.src || t3 == e.txn || !ctx.txns.txns[t3].writes(e.key) {
                continue;
            }
            let read_from = |upto: usize| {
                ctx.events[..upto]
                    .iter()
                    .any(|b| b.txn == e.txn && b.src == t3)
            };
            let premise = match ctx.level {
                Level::ReadCommitted => read_from(i),
                Level::ReadAtomic => {
                    let all = ctx.events.iter().any(|b| b.txn == e.txn && b.src == t3);
                    all || (ctx.txns.txns[t3].process == ctx.txns.txns[e.txn].process
                        && ctx.txns.txns[t3].call < ctx.txns.txns[e.txn].call)
                }
                Level::Causal => ctx.hb[t3][e.txn],
            };
            if premise && (e.src == INIT || pos[t3] > pos[e.src]) {
                return false;
            }
        }
    }
    debug_assert!(ctx.committed.iter().filter(|&&c| c).count() == order.len());
    true
}
