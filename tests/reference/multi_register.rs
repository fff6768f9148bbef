//! `multi-register` (Knossos): a map of registers, each `nil` at first, changed by `txn`
//! operations whose value lists micro-operations `[read k v]` / `[write k v]`, run in order and
//! atomically.
//!
//! - An `ok` txn must be placed; its completion's value says what its reads saw. A read of
//!   `nil` is always legal (Knossos: the result is unknown); any other read is legal iff the key
//!   holds that value at that point of the transaction.
//! - An `info` txn may be placed or not; its invocation's value is what it would do, and its
//!   reads, whose results nobody saw, constrain nothing.
//! - A `fail`ed txn did not happen.

use splitbrain::history::{Op, Outcome, Value};

use super::{Role, SeqSpec};

/// The spec. State: `(key, value)` pairs of the keys written so far, latest value per key.
pub struct MultiRegisterSpec;

fn micro_ops(value: &Value) -> impl Iterator<Item = (&str, &Value, &Value)> {
    value
        .as_list()
        .unwrap_or_else(|| panic!("reference: a txn's value is a list, got {value}"))
        .iter()
        .map(|m| match m.as_list() {
            Some([f, k, v]) => (f.as_text().expect("read or write"), k, v),
            _ => panic!("reference: a micro-op is [f k v], got {m}"),
        })
}

impl SeqSpec for MultiRegisterSpec {
    type State = Vec<(Value, Value)>;

    fn init(&self) -> Self::State {
        Vec::new()
    }

    fn role(&self, op: &Op) -> Role {
        assert_eq!(
            &*op.f, "txn",
            "reference: a multi-register only runs txns: {op}"
        );
        match op.outcome {
            Outcome::Ok => Role::Required,
            Outcome::Info => Role::Optional,
            Outcome::Fail => Role::Ignored,
        }
    }

    fn step(&self, state: &Self::State, op: &Op) -> Option<Self::State> {
        let seen = op.outcome == Outcome::Ok;
        let value = if seen { &op.output } else { &op.input };
        let mut next = state.clone();
        for (f, k, v) in micro_ops(value) {
            let current = next
                .iter()
                .find(|(key, _)| key == k)
                .map_or(&Value::Nil, |(_, value)| value);
            match f {
                "read" if seen && *v != Value::Nil && current != v => return None,
                "read" => {}
                "write" => {
                    next.retain(|(key, _)| key != k);
                    next.push((k.clone(), v.clone()));
                }
                _ => panic!("reference: a micro-op is read or write, got {f}"),
            }
        }
        Some(next)
    }
}
