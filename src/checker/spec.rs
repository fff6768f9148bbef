//! Sequential specifications: the [`Spec`] trait, and one spec per file.
//!
//! - `register.rs`: `register`, `cas-register`, `etcd-register` and `kv` (one type, three
//!   semantics for `fail`), with their O(n) prechecks and polynomial paths;
//! - `append_kv.rs`: Porcupine's string map (get/put/append);
//! - `multi_register.rs`: Knossos' map of registers read and written by transactions;
//! - `mutex.rs`, `set.rs`, `queue.rs`, `counter.rs`.
//!
//! A spec first *lifts* each history operation into its own compact operation type, deciding
//! whether the operation must be linearized (`ok`), may be (`info`), or says nothing (a failed
//! or unknown read). The engine then only calls [`Spec::step`].

mod append_kv;
mod counter;
mod multi_register;
mod mutex;
mod queue;
mod register;
mod set;

use std::fmt::Debug;
use std::hash::Hash;

pub use append_kv::AppendKv;
pub use counter::Counter;
pub use multi_register::MultiRegister;
pub use mutex::Mutex;
pub use queue::Queue;
pub use register::{Register, RegisterOp, Semantics};
pub use set::Set;

use rayon::prelude::*;

use crate::history::{Op, NEVER};

/// What a history operation means to a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lifted<O> {
    /// Tells nothing (a failed operation, a read with unknown result): left out of the check.
    Ignore,
    /// Took effect: must be linearized, between its invocation and completion.
    Required(O),
    /// May have taken effect, at any point after its invocation: may be linearized, or not.
    Optional(O),
}

/// An operation as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<O> {
    /// The spec's operation.
    pub op: O,
    /// Invocation position.
    pub call: u64,
    /// Completion position; [`NEVER`] for optional operations.
    pub ret: u64,
    /// Whether the operation may be left out.
    pub optional: bool,
    /// Index of the history operation it came from.
    pub origin: usize,
}

/// A violation found without search: which entries are involved, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Indices into the entries passed to the check; the first is the operation that cannot be
    /// linearized.
    pub entries: Vec<usize>,
    /// One sentence, e.g. "read of 3, which no operation wrote".
    pub reason: String,
}

/// The outcome of a polynomial path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FastVerdict {
    /// Linearizable.
    Valid,
    /// Not linearizable, with the entries that show it.
    Invalid(Violation),
}

/// The answer of a polynomial path, and which one gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastPath {
    /// Which algorithm.
    pub method: super::Method,
    /// What it found.
    pub verdict: FastVerdict,
}

/// A sequential specification.
///
/// `step` must be a pure function of its arguments. States must implement `Hash`/`Eq` over
/// everything that matters: the search identifies configurations by them.
pub trait Spec: Send + Sync + 'static {
    /// The object's state.
    type State: Clone + Eq + Hash + Debug + Send + Sync;
    /// The spec's view of one operation (input and output together).
    type Op: Clone + Eq + Hash + Debug + Send + Sync;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// What `op` means here. An error says what the spec expected instead (the caller adds the
    /// line).
    fn lift(&self, op: &Op) -> Result<Lifted<Self::Op>, String>;

    /// The state after `op`, or `None` if `op` cannot happen (or cannot return what it
    /// returned) in `state`.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;

    /// Whether `op`, whenever it is legal, leaves the state unchanged. The search linearizes such
    /// operations as soon as they are legal, without branching.
    fn is_read_only(&self, op: &Self::Op) -> bool;

    /// The state, for people.
    fn describe_state(&self, state: &Self::State) -> String;

    /// Heap bytes `state` holds beyond its own size, for memory accounting.
    fn state_heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }

    /// Removes optional entries that can be shown never to matter, before any search. Must
    /// preserve the verdict.
    fn simplify(&self, entries: Vec<Entry<Self::Op>>) -> Vec<Entry<Self::Op>> {
        entries
    }

    /// Whether the read-only `op` (required, not yet linearized, and illegal in `state`) can still
    /// become legal when only the operations in `before` (the ones that may still be linearized
    /// ahead of it, in no particular order) can precede it. Return `false` only when that is certain: the search
    /// abandons the configuration. The default knows nothing and returns `true`.
    fn reachable(&self, _state: &Self::State, _op: &Self::Op, _before: &[&Self::Op]) -> bool {
        true
    }

    /// O(n) necessary conditions (e.g. every read returns a value some operation wrote).
    /// Optional entries may be left out of a linearization, so only required ones can violate.
    fn precheck(&self, _entries: &[Entry<Self::Op>]) -> Option<Violation> {
        None
    }

    /// A complete polynomial-time decision for histories this spec recognises (e.g. unique
    /// written values), or `None` when it does not apply.
    fn fast_path(&self, _entries: &[Entry<Self::Op>]) -> Option<FastPath> {
        None
    }
}

/// Lifts history operations into entries in invocation order, skipping ignored ones. Errors
/// carry the index of the offending operation.
pub fn lift_all<S: Spec>(
    spec: &S,
    ops: &[Op],
    indices: &[usize],
) -> Result<Vec<Entry<S::Op>>, (usize, String)> {
    let mut entries = Vec::with_capacity(indices.len());
    for &i in indices {
        let op = &ops[i];
        let (lifted, optional) = match spec.lift(op).map_err(|e| (i, e))? {
            Lifted::Ignore => continue,
            Lifted::Required(o) => (o, false),
            Lifted::Optional(o) => (o, true),
        };
        entries.push(Entry {
            op: lifted,
            call: op.call,
            ret: if optional { NEVER } else { op.ret },
            optional,
            origin: i,
        });
    }
    // Already sorted when the operations come in invocation order (as paired): the check then
    // saves a stable sort's scratch buffer, fresh memory the kernel must zero.
    if !entries.is_sorted_by_key(|e| e.call) {
        entries.sort_by_key(|e| e.call);
    }
    Ok(entries)
}

/// One key's lifted entries, or the index of its first operation the spec rejects and why.
type LiftedKey<O> = Result<Vec<Entry<O>>, (usize, String)>;

/// [`lift_all`] for every key at once: `group_of[i]` is the key (of `keys`) of operation `i`.
/// The history is cut into `parts` ranges lifted on rayon's pool (one part: on this thread),
/// each read in order: lifting key by key reads a large history's operations scattered, a few
/// cache misses each, and was the costliest step of a many-key check. Per key, its entries in
/// each part (join them with [`join_parts`]); the error is the one [`lift_all`] gives for the
/// first key (in order) that has one.
#[allow(clippy::type_complexity)]
pub fn lift_by_key<S: Spec>(
    spec: &S,
    ops: &[Op],
    group_of: &[usize],
    keys: usize,
    parts: usize,
) -> Result<Vec<Vec<Vec<Entry<S::Op>>>>, (usize, String)> {
    let n = ops.len();
    let parts = parts.clamp(1, n.max(1));
    let part = |p: usize| {
        lift_range(
            spec,
            ops,
            group_of,
            keys,
            p * n / parts..(p + 1) * n / parts,
        )
    };
    let by_part: Vec<Vec<LiftedKey<S::Op>>> = if parts == 1 {
        vec![part(0)]
    } else {
        (0..parts).into_par_iter().map(part).collect()
    };
    // Transposed to key by key: moves `keys × parts` vector headers, not the entries.
    let mut by_key: Vec<Vec<LiftedKey<S::Op>>> =
        (0..keys).map(|_| Vec::with_capacity(parts)).collect();
    for lifted in by_part {
        for (k, entries) in lifted.into_iter().enumerate() {
            by_key[k].push(entries);
        }
    }
    // Parts in history order: a key's first failing part holds its first failing operation.
    by_key
        .into_iter()
        .map(|parts| parts.into_iter().collect())
        .collect()
}

/// One part of [`lift_by_key`]: the operations in `range`, each key's in invocation order.
fn lift_range<S: Spec>(
    spec: &S,
    ops: &[Op],
    group_of: &[usize],
    keys: usize,
    range: std::ops::Range<usize>,
) -> Vec<LiftedKey<S::Op>> {
    // Counted first, so no key's vector grows by doubling (memory the kernel must zero).
    let mut counts = vec![0usize; keys];
    for &k in &group_of[range.clone()] {
        counts[k] += 1;
    }
    let mut lifted: Vec<LiftedKey<S::Op>> = counts
        .into_iter()
        .map(|c| Ok(Vec::with_capacity(c)))
        .collect();
    for i in range {
        let slot = &mut lifted[group_of[i]];
        let Ok(entries) = slot else {
            continue; // this key already failed: its first error stands
        };
        let op = &ops[i];
        let (lifted_op, optional) = match spec.lift(op) {
            Err(problem) => {
                *slot = Err((i, problem));
                continue;
            }
            Ok(Lifted::Ignore) => continue,
            Ok(Lifted::Required(o)) => (o, false),
            Ok(Lifted::Optional(o)) => (o, true),
        };
        entries.push(Entry {
            op: lifted_op,
            call: op.call,
            ret: if optional { NEVER } else { op.ret },
            optional,
            origin: i,
        });
    }
    lifted
}

/// Joins one key's parts from [`lift_by_key`] into its entries sorted by invocation: what
/// [`lift_all`] gives for the key's operations.
pub fn join_parts<O>(parts: Vec<Vec<Entry<O>>>) -> Vec<Entry<O>> {
    let mut entries = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        entries.extend(part);
    }
    if !entries.is_sorted_by_key(|e| e.call) {
        entries.sort_by_key(|e| e.call);
    }
    entries
}

/// For each value some entry produces (as `produced` says), the earliest invocation among those
/// entries and its index: what O(n) prechecks compare observations against.
pub(crate) fn earliest_producers<'a, O>(
    entries: &'a [Entry<O>],
    produced: impl Fn(&'a O) -> Option<&'a crate::history::Value>,
) -> hashbrown::HashMap<&'a crate::history::Value, (u64, usize)> {
    let mut first: hashbrown::HashMap<&crate::history::Value, (u64, usize)> =
        hashbrown::HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(v) = produced(&e.op) {
            let slot = first.entry(v).or_insert((e.call, i));
            if e.call < slot.0 {
                *slot = (e.call, i);
            }
        }
    }
    first
}

/// The standard message for a function the model does not have.
pub(crate) fn unknown_function(model: &str, f: &str, expected: &[&str]) -> String {
    format!(
        "the {model} model has no function `{f}`; expected one of: {}",
        expected.join(", ")
    )
}
