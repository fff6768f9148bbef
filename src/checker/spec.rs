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
        if let Some(entry) = entry_of(spec, ops, i).map_err(|e| (i, e))? {
            entries.push(entry);
        }
    }
    sort_by_call(&mut entries);
    Ok(entries)
}

/// Operation `i` as an entry, `None` when the spec ignores it.
fn entry_of<S: Spec>(spec: &S, ops: &[Op], i: usize) -> Result<Option<Entry<S::Op>>, String> {
    let op = &ops[i];
    let (lifted, optional) = match spec.lift(op)? {
        Lifted::Ignore => return Ok(None),
        Lifted::Required(o) => (o, false),
        Lifted::Optional(o) => (o, true),
    };
    Ok(Some(Entry {
        op: lifted,
        call: op.call,
        ret: if optional { NEVER } else { op.ret },
        optional,
        origin: i,
    }))
}

/// Puts entries in invocation order. They already are when the operations come in invocation
/// order (as paired): the check then saves a stable sort's scratch buffer, fresh memory the
/// kernel must zero.
fn sort_by_call<O>(entries: &mut [Entry<O>]) {
    if !entries.is_sorted_by_key(|e| e.call) {
        entries.sort_by_key(|e| e.call);
    }
}

/// The index of an operation the spec rejects, and why.
pub type LiftError = (usize, String);

/// One key's lifted entries, or its first operation the spec rejects.
type LiftedKey<O> = Result<Vec<Entry<O>>, LiftError>;

/// [`lift_all`] for every key at once: `group_of[i]` is the key (of `keys`) of operation `i`.
/// Each of `parts` workers on rayon's pool (one part: this thread) lifts the keys `k` with
/// `k % parts` its own, reading the history in order: lifting key after key reads a large
/// history's operations scattered, a few cache misses each, and was the costliest step of a
/// many-key check. Each key's entries are built whole by one worker, so no key is split and
/// copied again. The error is the one [`lift_all`] gives for the first key (in order) that has
/// one.
pub fn lift_by_key<S: Spec>(
    spec: &S,
    ops: &[Op],
    group_of: &[usize],
    keys: usize,
    parts: usize,
) -> Result<Vec<Vec<Entry<S::Op>>>, LiftError> {
    let parts = parts.clamp(1, keys.max(1));
    let part = |p: usize| lift_part(spec, ops, group_of, keys, parts, p);
    let by_part: Vec<Vec<LiftedKey<S::Op>>> = if parts == 1 {
        vec![part(0)]
    } else {
        (0..parts).into_par_iter().map(part).collect()
    };
    // Key k is the (k / parts)-th of part k % parts: taken back in key order.
    let mut by_part: Vec<std::vec::IntoIter<LiftedKey<S::Op>>> =
        by_part.into_iter().map(Vec::into_iter).collect();
    (0..keys)
        .map(|k| by_part[k % parts].next().unwrap_or(Ok(Vec::new())))
        .collect()
}

/// One part of [`lift_by_key`]: the keys `part`, `part + parts`, ..., each in invocation order.
fn lift_part<S: Spec>(
    spec: &S,
    ops: &[Op],
    group_of: &[usize],
    keys: usize,
    parts: usize,
    part: usize,
) -> Vec<LiftedKey<S::Op>> {
    // Counted first, so no key's vector grows by doubling.
    let mut counts: Vec<usize> = vec![0; keys.saturating_sub(part).div_ceil(parts)];
    for &k in group_of {
        if k % parts == part {
            counts[k / parts] += 1;
        }
    }
    let mut lifted: Vec<LiftedKey<S::Op>> = counts
        .into_iter()
        .map(|c| Ok(Vec::with_capacity(c)))
        .collect();
    for (i, &k) in group_of.iter().enumerate() {
        if k % parts != part {
            continue;
        }
        let slot = &mut lifted[k / parts];
        let Ok(entries) = slot else {
            continue; // this key already failed: its first error stands
        };
        match entry_of(spec, ops, i) {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(problem) => *slot = Err((i, problem)),
        }
    }
    for entries in lifted.iter_mut().flatten() {
        sort_by_call(entries);
    }
    lifted
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

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::history::{pair, Event, EventKind, KeyGroups, Value};

    /// A random history over a few keys: reads, writes and cas that end ok, fail or info,
    /// and (when `bad`) one cas whose value is not a pair.
    fn history(rng: &mut ChaCha8Rng, bad: bool) -> Vec<Op> {
        let mut events = Vec::new();
        let n = 200;
        let broken = rng.gen_range(0..n);
        for i in 0..n {
            let (f, value) = match rng.gen_range(0..3) {
                0 => ("read", Value::Nil),
                1 => ("write", Value::Int(rng.gen_range(0..5))),
                _ if bad && i == broken => ("cas", Value::Int(1)),
                _ => ("cas", Value::list(vec![Value::Int(1), Value::Int(2)])),
            };
            let key = Value::Int(rng.gen_range(0..7));
            let kind = [EventKind::Ok, EventKind::Fail, EventKind::Info][rng.gen_range(0..3)];
            let result = if f == "read" {
                Value::Int(3)
            } else {
                value.clone()
            };
            events.push(Event::new(i, EventKind::Invoke, f, value).with_key(key.clone()));
            events.push(Event::new(i, kind, f, result).with_key(key));
        }
        pair(events, None).unwrap()
    }

    #[test]
    fn lifting_every_key_at_once_in_parts_equals_lifting_key_by_key() {
        let spec = Register::new(Semantics::Jepsen);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for round in 0..40 {
            let ops = history(&mut rng, round % 4 == 0);
            let (groups, group_of) = KeyGroups::of(&ops).into_groups_and_index();
            let one_by_one: Result<Vec<_>, _> = groups
                .iter()
                .map(|(_, members)| lift_all(&spec, &ops, members))
                .collect();
            for parts in 1..=4 {
                let together = lift_by_key(&spec, &ops, &group_of, groups.len(), parts);
                assert_eq!(together, one_by_one, "round {round}, {parts} parts");
            }
        }
    }
}
