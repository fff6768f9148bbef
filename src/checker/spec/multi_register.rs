//! `multi-register`: Knossos' register of several keys, read and written by transactions.
//!
//! An operation is `txn` whose value is a list of micro-operations `[read k v]` / `[write k v]`,
//! applied in order, atomically. Every key holds the initial value (`nil` unless
//! `--initial-value` says otherwise) until written. As in Knossos, a read of `nil` is always
//! legal: Jepsen records a read whose result is unknown that way, so it constrains nothing.
//!
//! Which value is the transaction: an `ok` one's completion value (it carries what the reads
//! saw); an `info` one's invocation value, with its reads dropped (their results are unknown),
//! so it may have taken effect as its writes, or not at all. A `fail`ed one did not happen.
//!
//! The keys share one transaction, so the history is not split by key: the object is the
//! whole map.

use super::{Lifted, Spec};
use crate::history::{Op, Outcome, Value};

/// One micro-operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Micro {
    /// A read of the key that returned the value.
    Read(Value, Value),
    /// A write of the value to the key.
    Write(Value, Value),
}

/// The map's state: the keys whose value differs from the initial one, sorted by key, so that
/// equal maps are equal states.
pub type Registers = Vec<(Value, Value)>;

/// The multi-register spec.
#[derive(Clone, Debug)]
pub struct MultiRegister {
    initial: Value,
}

impl MultiRegister {
    /// A map whose every key holds `initial` until written.
    pub fn new(initial: Value) -> MultiRegister {
        MultiRegister { initial }
    }

    fn value_of<'a>(&'a self, state: &'a Registers, key: &Value) -> &'a Value {
        match state.binary_search_by(|(k, _)| k.cmp(key)) {
            Ok(i) => &state[i].1,
            Err(_) => &self.initial,
        }
    }

    fn set(&self, state: &mut Registers, key: &Value, value: &Value) {
        let at = state.binary_search_by(|(k, _)| k.cmp(key));
        match (at, *value == self.initial) {
            (Ok(i), true) => {
                state.remove(i);
            }
            (Ok(i), false) => state[i].1 = value.clone(),
            (Err(_), true) => {}
            (Err(i), false) => state.insert(i, (key.clone(), value.clone())),
        }
    }
}

/// The micro-operations of `value`, keeping reads only when `with_reads`.
fn micro_ops(value: &Value, with_reads: bool) -> Result<Vec<Micro>, String> {
    let items = value.as_list().ok_or_else(|| {
        format!("a multi-register txn's value is a list of [read k v] / [write k v], found {value}")
    })?;
    let mut micros = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let parts = item.as_list().filter(|p| p.len() == 3);
        let Some([f, k, v]) = parts else {
            return Err(format!(
                "micro-op {} is {item}; expected [read k v] or [write k v]",
                i + 1
            ));
        };
        match f.as_text() {
            Some("read") if with_reads && *v != Value::Nil => {
                micros.push(Micro::Read(k.clone(), v.clone()))
            }
            Some("read") => {}
            Some("write") => micros.push(Micro::Write(k.clone(), v.clone())),
            _ => {
                return Err(format!(
                    "micro-op {} is {item}; expected [read k v] or [write k v]",
                    i + 1
                ))
            }
        }
    }
    Ok(micros)
}

impl Spec for MultiRegister {
    type State = Registers;
    type Op = Box<[Micro]>;

    fn init(&self) -> Registers {
        Vec::new()
    }

    fn lift(&self, op: &Op) -> Result<Lifted<Box<[Micro]>>, String> {
        if &*op.f != "txn" {
            return Err(super::unknown_function("multi-register", &op.f, &["txn"]));
        }
        Ok(match op.outcome {
            Outcome::Ok => Lifted::Required(micro_ops(&op.output, true)?.into()),
            Outcome::Info => match micro_ops(&op.input, false)? {
                // A transaction that writes nothing changes nothing, taken or not.
                writes if writes.is_empty() => Lifted::Ignore,
                writes => Lifted::Optional(writes.into()),
            },
            Outcome::Fail => Lifted::Ignore,
        })
    }

    fn step(&self, state: &Registers, op: &Box<[Micro]>) -> Option<Registers> {
        let mut next: Option<Registers> = None;
        for micro in op.iter() {
            match micro {
                Micro::Read(k, v) => {
                    if self.value_of(next.as_ref().unwrap_or(state), k) != v {
                        return None;
                    }
                }
                Micro::Write(k, v) => self.set(next.get_or_insert_with(|| state.clone()), k, v),
            }
        }
        Some(next.unwrap_or_else(|| state.clone()))
    }

    fn is_read_only(&self, op: &Box<[Micro]>) -> bool {
        op.iter().all(|m| matches!(m, Micro::Read(..)))
    }

    fn describe_state(&self, state: &Registers) -> String {
        let written: Vec<String> = state.iter().map(|(k, v)| format!("{k} {v}")).collect();
        match (written.is_empty(), self.initial == Value::Nil) {
            (true, true) => "every key nil".to_string(),
            (true, false) => format!("every key {}", self.initial),
            (false, true) => format!("{{{}}}, every other key nil", written.join(", ")),
            (false, false) => format!(
                "{{{}}}, every other key {}",
                written.join(", "),
                self.initial
            ),
        }
    }

    fn state_heap_bytes(&self, state: &Registers) -> usize {
        state.capacity() * std::mem::size_of::<(Value, Value)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(micros: &[(&str, &str, Value)]) -> Box<[Micro]> {
        micros
            .iter()
            .map(|(f, k, v)| match *f {
                "read" => Micro::Read(Value::str(*k), v.clone()),
                _ => Micro::Write(Value::str(*k), v.clone()),
            })
            .collect()
    }

    #[test]
    fn a_key_never_written_reads_the_initial_value() {
        let spec = MultiRegister::new(Value::Int(0));
        let state = spec.init();
        assert!(spec
            .step(&state, &txn(&[("read", "x", Value::Int(0))]))
            .is_some());
        assert!(spec
            .step(&state, &txn(&[("read", "x", Value::Int(1))]))
            .is_none());
    }

    #[test]
    fn a_transaction_reads_its_own_earlier_write() {
        let spec = MultiRegister::new(Value::Nil);
        let op = txn(&[
            ("write", "x", Value::Int(2)),
            ("read", "x", Value::Int(2)),
            ("write", "y", Value::Int(3)),
        ]);
        let after = spec.step(&spec.init(), &op).expect("legal");
        assert_eq!(
            spec.describe_state(&after),
            "{\"x\" 2, \"y\" 3}, every other key nil"
        );
    }

    #[test]
    fn writing_the_initial_value_back_gives_the_initial_state() {
        let spec = MultiRegister::new(Value::Int(0));
        let written = spec
            .step(&spec.init(), &txn(&[("write", "x", Value::Int(5))]))
            .unwrap();
        let back = spec
            .step(&written, &txn(&[("write", "x", Value::Int(0))]))
            .unwrap();
        assert_eq!(back, spec.init());
    }
}
