//! The brute-force reference checker: the independent truth the engine is compared against.
//!
//! Written from the semantics alone, without reading the engine (`src/checker/`), so the two do
//! not share a bug. It is deliberately naive: a depth-first search over orders of operations,
//! pruned only when a prefix is illegal or breaks real time. No memo, no fast paths.
//!
//! Map of this module, in reading order:
//! - [`Spec`] and [`brute_force`] (here): which sequential spec, and the verdict for a history;
//! - `search.rs`: the [`SeqSpec`] trait (a spec as the search sees it) and the permutation search;
//! - `register.rs`: `register`, `cas-register`, `etcd-register` (and `kv`, which is cas-register
//!   per key);
//! - `append_kv.rs`: Porcupine's kv logs (`get`/`put`/`append` on strings);
//! - `mutex.rs`: `acquire`/`release`;
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
mod mutex;
mod register;
mod search;

use splitbrain::history::{Op, Value};

pub use search::{Role, SeqSpec};

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
}

impl Spec {
    /// Every spec.
    pub const ALL: [Spec; 9] = [
        Spec::Register,
        Spec::CasRegister,
        Spec::EtcdRegister,
        Spec::Kv,
        Spec::AppendKv,
        Spec::Mutex,
        Spec::Set,
        Spec::Queue,
        Spec::Counter,
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
        }
    }

    /// Whether the one object's operations `ops` (all on the same key) are linearizable.
    fn linearizable(self, ops: &[&Op]) -> bool {
        use register::{Flavour, RegisterSpec};
        match self {
            Spec::Register => search::linearizable(&RegisterSpec(Flavour::Plain), ops),
            Spec::CasRegister | Spec::Kv => search::linearizable(&RegisterSpec(Flavour::Cas), ops),
            Spec::EtcdRegister => search::linearizable(&RegisterSpec(Flavour::Etcd), ops),
            Spec::AppendKv => search::linearizable(&append_kv::AppendKvSpec, ops),
            Spec::Mutex => search::linearizable(&mutex::MutexSpec, ops),
            Spec::Set => search::linearizable(&collections::SetSpec, ops),
            Spec::Queue => search::linearizable(&collections::QueueSpec, ops),
            Spec::Counter => search::linearizable(&collections::CounterSpec, ops),
        }
    }
}

/// The reference verdict for each key of `ops`, in the order keys first appear: `true` when the
/// key's sub-history is linearizable. Operations without a key form one object (`None`).
pub fn brute_force_by_key(spec: Spec, ops: &[Op]) -> Vec<(Option<Value>, bool)> {
    let mut keys: Vec<(Option<Value>, Vec<&Op>)> = Vec::new();
    for op in ops {
        match keys.iter_mut().find(|(key, _)| *key == op.key) {
            Some((_, group)) => group.push(op),
            None => keys.push((op.key.clone(), vec![op])),
        }
    }
    keys.into_iter()
        .map(|(key, group)| (key, spec.linearizable(&group)))
        .collect()
}

/// The reference verdict for a whole history: `true` iff every key's sub-history is
/// linearizable.
pub fn brute_force(spec: Spec, ops: &[Op]) -> bool {
    brute_force_by_key(spec, ops).iter().all(|(_, ok)| *ok)
}
