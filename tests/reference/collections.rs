//! `set`, `queue` and `counter`.
//!
//! - `set`: elements, initially none. `add v` inserts `v`. `read` (ok) is legal iff its result,
//!   a list or set taken as a set, equals the elements (a result that is not a collection is
//!   never legal).
//! - `queue` (FIFO), initially empty. `enqueue v` appends `v`. `dequeue` ok with result `v`:
//!   legal iff `v` is at the front, which it removes; ok with result nil: legal iff empty. An
//!   `info` dequeue may have removed the front: optional, legal iff non-empty.
//! - `counter`, initially 0. `add n` adds the integer `n`. `read` (ok) is legal iff the result is
//!   the sum.
//!
//! Everywhere: updates `ok` required, `info` optional, `fail` ignored; unknown or failed reads
//! ignored.

use std::collections::{BTreeSet, VecDeque};

use splitbrain::history::{Op, Outcome, Value};

use super::{Role, SeqSpec};

/// Role of an update (`add`, `enqueue`, ...) or of a read-like op, by outcome.
fn role_by_outcome(op: &Op, read_like: bool) -> Role {
    match op.outcome {
        Outcome::Ok => Role::Required,
        Outcome::Info if read_like => Role::Ignored,
        Outcome::Info => Role::Optional,
        Outcome::Fail => Role::Ignored,
    }
}

/// The grow-only set spec.
pub struct SetSpec;

impl SeqSpec for SetSpec {
    type State = BTreeSet<Value>;

    fn init(&self) -> BTreeSet<Value> {
        BTreeSet::new()
    }

    fn role(&self, op: &Op) -> Role {
        match &*op.f {
            "add" => role_by_outcome(op, false),
            "read" => role_by_outcome(op, true),
            _ => panic!("reference: a set does not understand {op}"),
        }
    }

    fn step(&self, state: &BTreeSet<Value>, op: &Op) -> Option<BTreeSet<Value>> {
        match &*op.f {
            "add" => {
                let mut next = state.clone();
                next.insert(op.input.clone());
                Some(next)
            }
            "read" => {
                let seen: BTreeSet<Value> = op.output.as_list()?.iter().cloned().collect();
                (seen == *state).then(|| state.clone())
            }
            _ => unreachable!("role() rejected {op}"),
        }
    }
}

/// The FIFO queue spec.
pub struct QueueSpec;

impl SeqSpec for QueueSpec {
    type State = VecDeque<Value>;

    fn init(&self) -> VecDeque<Value> {
        VecDeque::new()
    }

    fn role(&self, op: &Op) -> Role {
        match &*op.f {
            // An unknown dequeue may have removed an element: it is not a mere read.
            "enqueue" | "dequeue" => role_by_outcome(op, false),
            _ => panic!("reference: a queue does not understand {op}"),
        }
    }

    fn step(&self, state: &VecDeque<Value>, op: &Op) -> Option<VecDeque<Value>> {
        let mut next = state.clone();
        match (&*op.f, op.outcome) {
            ("enqueue", _) => next.push_back(op.input.clone()),
            ("dequeue", Outcome::Ok) if op.output.is_nil() => {
                if !state.is_empty() {
                    return None;
                }
            }
            ("dequeue", Outcome::Ok) => {
                if next.pop_front()? != op.output {
                    return None;
                }
            }
            ("dequeue", _) => {
                next.pop_front()?;
            }
            _ => unreachable!("role() rejected {op}"),
        }
        Some(next)
    }
}

/// The counter spec.
pub struct CounterSpec;

impl SeqSpec for CounterSpec {
    type State = i64;

    fn init(&self) -> i64 {
        0
    }

    fn role(&self, op: &Op) -> Role {
        match &*op.f {
            "add" => role_by_outcome(op, false),
            "read" => role_by_outcome(op, true),
            _ => panic!("reference: a counter does not understand {op}"),
        }
    }

    fn step(&self, state: &i64, op: &Op) -> Option<i64> {
        match &*op.f {
            "add" => {
                let n = op.input.as_int().unwrap_or_else(|| {
                    panic!("reference: counter add takes an integer, got {}", op.input)
                });
                Some(state + n)
            }
            "read" => (op.output == Value::Int(*state)).then_some(*state),
            _ => unreachable!("role() rejected {op}"),
        }
    }
}
