//! `counter`: `add n` adds `n` (an integer, possibly negative); `read` returns the sum so far.

use super::{Lifted, Spec};
use crate::history::{Op, Outcome, Value};

/// A counter operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterOp {
    /// Add this amount.
    Add(i64),
    /// A read that returned this value.
    Read(i64),
}

/// The counter spec; starts at 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counter;

fn int(v: &Value, what: &str) -> Result<i64, String> {
    v.as_int()
        .ok_or_else(|| format!("{what} expects an integer, found {v}"))
}

impl Spec for Counter {
    type State = i64;
    type Op = CounterOp;

    fn init(&self) -> i64 {
        0
    }

    fn lift(&self, op: &Op) -> Result<Lifted<CounterOp>, String> {
        Ok(match (&*op.f, op.outcome) {
            ("read", Outcome::Ok) => Lifted::Required(CounterOp::Read(int(&op.output, "read")?)),
            ("read", _) | ("add", Outcome::Fail) => Lifted::Ignore,
            ("add", Outcome::Ok) => Lifted::Required(CounterOp::Add(int(&op.input, "add")?)),
            ("add", _) => Lifted::Optional(CounterOp::Add(int(&op.input, "add")?)),
            (f, _) => return Err(super::unknown_function("counter", f, &["add", "read"])),
        })
    }

    fn step(&self, sum: &i64, op: &CounterOp) -> Option<i64> {
        match op {
            CounterOp::Add(n) => sum.checked_add(*n),
            CounterOp::Read(v) => (v == sum).then_some(*sum),
        }
    }

    fn is_read_only(&self, op: &CounterOp) -> bool {
        matches!(op, CounterOp::Read(_))
    }

    fn describe_state(&self, sum: &i64) -> String {
        sum.to_string()
    }
}
