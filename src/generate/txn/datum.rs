//! [`Datum`]: what a key holds in a simulated database, for each workload.
//!
//! A list-append key holds a list that writes extend ([`List`]); an rw-register key holds the
//! last value written, or nothing ([`Register`]). The databases are generic over the datum, so
//! one concurrency-control scheme serves both workloads.

use std::rc::Rc;

use crate::history::Value;

/// The value of one key.
pub(super) trait Datum: Clone + Default {
    /// The value after writing `element`: appended to a list, replacing a register.
    fn write(&self, element: i64) -> Self;
    /// The value as a read returns it in the history: `[1 2 3]` for a list (`[]` when empty),
    /// an integer or `nil` for a register.
    fn to_value(&self) -> Value;
}

/// A list-append key: the elements appended so far, in order (shared, never mutated).
#[derive(Clone, Debug, Default)]
pub(super) struct List(Rc<[i64]>);

impl Datum for List {
    fn write(&self, element: i64) -> List {
        let mut items = Vec::with_capacity(self.0.len() + 1);
        items.extend_from_slice(&self.0);
        items.push(element);
        List(items.into())
    }

    fn to_value(&self) -> Value {
        Value::List(self.0.iter().map(|&e| Value::Int(e)).collect())
    }
}

/// An rw-register key: the last value written, `None` before the first write.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Register(Option<i64>);

impl Datum for Register {
    fn write(&self, element: i64) -> Register {
        Register(Some(element))
    }

    fn to_value(&self) -> Value {
        self.0.map_or(Value::Nil, Value::Int)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_grow_and_registers_replace() {
        let list = List::default().write(1).write(2);
        assert_eq!(list.to_value(), Value::list(vec![1.into(), 2.into()]));
        assert_eq!(List::default().to_value(), Value::list(vec![]));
        assert_eq!(Register::default().to_value(), Value::Nil);
        assert_eq!(
            Register::default().write(1).write(2).to_value(),
            Value::Int(2)
        );
    }
}
