//! The brute-force reference checker: the independent truth the engine is compared against.
//!
//! Written from the semantics alone, without reading the engine (`src/checker/`), so the two do
//! not share a bug. It is deliberately naive: a depth-first search over orders of operations,
//! pruned only when a prefix is illegal or breaks real time. No memo, no fast paths.
//!
//! Map of this module, in reading order:
//! - [`Spec`], [`brute_force`] and [`brute_force_relaxed`] (here): which sequential spec, the
//!   verdict for a history, and the verdict for part of one when the rest may or may not have
//!   happened (to judge witnesses);
//! - `search.rs`: the [`SeqSpec`] trait (a spec as the search sees it) and the permutation search;
//! - `register.rs`: `register`, `cas-register`, `etcd-register` (and `kv`, which is cas-register
//!   per key);
//! - `append_kv.rs`: Porcupine's kv logs (`get`/`put`/`append` on strings);
//! - `mutex.rs`: `acquire`/`release`;
//! - `multi_register.rs`: Knossos' map of registers, changed by `txn`s of reads and writes;
//! - `collections.rs`: `set`, `queue` (FIFO), `counter`;
//! - `cases.rs`, `cases_collections.rs`: hand-built histories, valid and invalid, that pin the
//!   semantics each spec is meant to have (`info` and `fail` subtleties included).
//!
//! Semantics shared by every spec: `ok` operations must be placed exactly once; `info`
//! operations (and invocations never completed) may be placed at any point after their call, or
//! not at all; `fail` operations did not happen (except etcd-register's failed `cas`, which
//! happened and proves the value differed); reads whose result is unknown are ignored. Operation
//! A must come before B when `A.ret < B.call`. Keys are independent objects, for every spec.

mod append_kv;
mod cases;
mod cases_collections;
mod collections;
mod multi_register;
mod mutex;
mod register;
mod search;

use splitbrain::history::{Op, Value};

pub use search::{OutOfBudget, Role, SeqSpec};

/// A sequential specification, named as on the command line (`--model NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    /// Read/write register, initial value nil.
    Register,
    /// Register plus `cas [old new]`; failed ops did not happen (Jepsen/Knossos).
    CasRegister,
    /// Like `CasRegister`, but a failed `cas` happened and proves the value differed (Porcupine's
    /// etcd model).
    EtcdRegister,
    /// `CasRegister` per key.
    Kv,
    /// Per key a string: `get`, `put s`, `append s` (Porcupine's kv logs).
    AppendKv,
    /// Lock: `acquire` when free, `release` when held.
    Mutex,
    /// Grow-only set: `add v`, `read` → the elements.
    Set,
    /// FIFO queue: `enqueue v`, `dequeue` → front or nil when empty.
    Queue,
    /// Counter: `add n`, `read` → the sum.
    Counter,
    /// Knossos' map of registers: `txn` of `[read k v]` / `[write k v]`, atomic; every key nil at
    /// first.
    MultiRegister,
}

impl Spec {
    /// Every spec.
    pub const ALL: [Spec; 10] = [
        Spec::Register,
        Spec::CasRegister,
        Spec::EtcdRegister,
        Spec::Kv,
        Spec::AppendKv,
        Spec::Mutex,
        Spec::Set,
        Spec::Queue,
        Spec::Counter,
        Spec::MultiRegister,
    ];

    /// The command-line name (`--model NAME`), the same as the engine's.
    pub fn name(self) -> &'static str {
        match self {
            Spec::Register => "register",
            Spec::CasRegister => "cas-register",
            Spec::EtcdRegister => "etcd-register",
            Spec::Kv => "kv",
            Spec::AppendKv => "append-kv",
            Spec::Mutex => "mutex",
            Spec::Set => "set",
            Spec::Queue => "queue",
            Spec::Counter => "counter",
            Spec::MultiRegister => "multi-register",
        }
    }

    /// Whether the one object's operations `ops` (all on the same key) are linearizable, with
    /// those marked in `relaxed` free to take effect any time after their invocation, or never.
    /// Gives up after `budget` placements.
    fn linearizable(
        self,
        ops: &[&Op],
        relaxed: &[bool],
        budget: &mut u64,
    ) -> Result<bool, OutOfBudget> {
        use register::{Flavour, RegisterSpec};
        use search::linearizable as search;
        match self {
            Spec::Register => search(&RegisterSpec(Flavour::Plain), ops, relaxed, budget),
            Spec::CasRegister | Spec::Kv => {
                search(&RegisterSpec(Flavour::Cas), ops, relaxed, budget)
            }
            Spec::EtcdRegister => search(&RegisterSpec(Flavour::Etcd), ops, relaxed, budget),
            Spec::AppendKv => search(&append_kv::AppendKvSpec, ops, relaxed, budget),
            Spec::Mutex => search(&mutex::MutexSpec, ops, relaxed, budget),
            Spec::Set => search(&collections::SetSpec, ops, relaxed, budget),
            Spec::Queue => search(&collections::QueueSpec, ops, relaxed, budget),
            Spec::Counter => search(&collections::CounterSpec, ops, relaxed, budget),
            Spec::MultiRegister => search(&multi_register::MultiRegisterSpec, ops, relaxed, budget),
        }
    }
}

/// `ops` grouped by key, in the order keys first appear.
fn by_key(ops: &[Op]) -> Vec<(Option<Value>, Vec<&Op>)> {
    let mut keys: Vec<(Option<Value>, Vec<&Op>)> = Vec::new();
    for op in ops {
        match keys.iter_mut().find(|(key, _)| *key == op.key) {
            Some((_, group)) => group.push(op),
            None => keys.push((op.key.clone(), vec![op])),
        }
    }
    keys
}

/// The reference verdict for each key of `ops`, in the order keys first appear: `true` when the
/// key's sub-history is linearizable. Operations without a key form one object (`None`).
pub fn brute_force_by_key(spec: Spec, ops: &[Op]) -> Vec<(Option<Value>, bool)> {
    by_key(ops)
        .into_iter()
        .map(|(key, group)| {
            let relaxed = vec![false; group.len()];
            let mut unlimited = u64::MAX;
            let valid = spec.linearizable(&group, &relaxed, &mut unlimited);
            (key, valid.expect("an unlimited search always finishes"))
        })
        .collect()
}

/// Whether the operations `sub` (a subset of `ops`) are linearizable when every *other*
/// operation of `ops` may also have taken effect, as itself, at any time after its invocation,
/// or not at all. This is the claim a witness's minimal sub-history makes when it is called
/// invalid: nothing outside it can rescue it.
///
/// With many operations free to go anywhere the search can be long, so it gives up (`Err`) after
/// `budget` placements in all.
pub fn brute_force_relaxed(
    spec: Spec,
    ops: &[Op],
    sub: &[Op],
    mut budget: u64,
) -> Result<bool, OutOfBudget> {
    for (_, group) in by_key(ops) {
        let relaxed: Vec<bool> = group.iter().map(|op| !sub.contains(op)).collect();
        if !spec.linearizable(&group, &relaxed, &mut budget)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The reference verdict for a whole history: `true` iff every key's sub-history is
/// linearizable.
pub fn brute_force(spec: Spec, ops: &[Op]) -> bool {
    brute_force_by_key(spec, ops).iter().all(|(_, ok)| *ok)
}
