//! [`Model`]: the sequential specifications a history can be checked against, by name.

use std::fmt;

use super::CheckError;
use crate::history::{Format, Functions, Op, Outcome};

/// A sequential specification, as named on the command line (`--model NAME`).
///
/// Every model checks each key of a history on its own (operations on different keys act on
/// different objects), so `kv` is `cas-register` per key and `append-kv` is `append` per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// Read/write register. `read` → value, `write v`. Initial value `nil`.
    Register,
    /// Read/write/compare-and-set register, Jepsen (Knossos) semantics: `fail` means the
    /// operation did not happen, `info` that it may have. `cas [old new]`.
    CasRegister,
    /// The register of Porcupine's etcd model: like `cas-register`, but a failed `cas` happened
    /// and proves the value differed from `old`; a failed `read` tells nothing.
    EtcdRegister,
    /// `cas-register` per key (Jepsen's `independent` histories).
    Kv,
    /// String map of Porcupine's kv logs (MIT 6.824): `get` → string, `put s`, `append s`;
    /// a missing key reads as `""`.
    AppendKv,
    /// Lock: `acquire` succeeds only when free, `release` only when held (Knossos `mutex`).
    Mutex,
    /// Grow-only set: `add v`; `read` → every element added so far, in any order.
    Set,
    /// FIFO queue: `enqueue v`; `dequeue` → the oldest element, or `nil` when empty.
    Queue,
    /// Counter: `add n`; `read` → the sum of the adds so far. Initial value 0.
    Counter,
    /// Knossos' map of registers: `txn` of `[read k v]` / `[write k v]` micro-operations,
    /// atomic; a read of `nil` is unconstrained.
    MultiRegister,
}

impl Model {
    /// Every model, in the order `--help` lists them.
    pub const ALL: [Model; 10] = [
        Model::Register,
        Model::CasRegister,
        Model::EtcdRegister,
        Model::Kv,
        Model::AppendKv,
        Model::Mutex,
        Model::Set,
        Model::Queue,
        Model::Counter,
        Model::MultiRegister,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::EtcdRegister => "etcd-register",
            Model::Kv => "kv",
            Model::AppendKv => "append-kv",
            Model::Mutex => "mutex",
            Model::Set => "set",
            Model::Queue => "queue",
            Model::Counter => "counter",
            Model::MultiRegister => "multi-register",
        }
    }

    /// The model named `name`.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The functions (`f`) the model understands.
    pub fn functions(self) -> &'static [&'static str] {
        match self {
            Model::Register => &["read", "write"],
            Model::CasRegister | Model::EtcdRegister | Model::Kv => &["read", "write", "cas"],
            Model::AppendKv => &["get", "put", "append"],
            Model::Mutex => &["acquire", "release"],
            Model::Set => &["add", "read"],
            Model::Queue => &["enqueue", "dequeue"],
            Model::Counter => &["add", "read"],
            Model::MultiRegister => &["txn"],
        }
    }

    /// Picks the model for a history: from its format when the format implies one (Porcupine's
    /// etcd logs use the etcd model), else from the functions its operations use.
    pub fn infer(ops: &[Op], format: Option<Format>) -> Result<Model, CheckError> {
        let keyed = ops.iter().any(|op| op.key.is_some());
        Model::infer_from(ops, &Functions::of(ops), keyed, format)
    }

    /// [`Model::infer`] from the functions `ops` use and whether any names a key, noted while
    /// reading (see [`crate::history::Paired`]), so a large history is not read again for them.
    pub fn infer_from(
        ops: &[Op],
        functions: &Functions,
        keyed: bool,
        format: Option<Format>,
    ) -> Result<Model, CheckError> {
        if format == Some(Format::PorcupineEtcd) {
            return Ok(Model::EtcdRegister);
        }
        let has = |f: &str| functions.contains(f);
        let model = if has("txn") {
            Model::MultiRegister
        } else if has("get") || has("put") || has("append") {
            Model::AppendKv
        } else if has("acquire") || has("release") {
            Model::Mutex
        } else if has("enqueue") || has("dequeue") {
            Model::Queue
        } else if has("add") {
            // `add` is shared by sets and counters: a read of a collection means a set.
            let reads_collection = ops.iter().any(|op| {
                &*op.f == "read" && op.outcome == Outcome::Ok && op.output.as_list().is_some()
            });
            let reads_number = ops.iter().any(|op| {
                &*op.f == "read" && op.outcome == Outcome::Ok && op.output.as_int().is_some()
            });
            match (reads_collection, reads_number) {
                (true, false) => Model::Set,
                (false, true) => Model::Counter,
                _ => {
                    return Err(CheckError::CannotInfer(
                        "the history uses `add`, which both `set` and `counter` have, and its \
                         reads do not tell which; pass --model set or --model counter"
                            .into(),
                    ))
                }
            }
        } else if keyed {
            Model::Kv
        } else if has("cas") {
            Model::CasRegister
        } else {
            Model::Register
        };
        Ok(model)
    }
}

impl serde::Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{pair, Event, EventKind, Value};

    /// A thousand reads (each `f` its own allocation, as across the readers' blocks), then
    /// `last`.
    fn reads_then(last: &str, value: Value) -> Vec<Op> {
        let mut events = Vec::new();
        for p in 0..1000 {
            events.push(Event::new(p, EventKind::Invoke, "read", Value::Nil));
            events.push(Event::new(p, EventKind::Ok, "read", Value::Int(1)));
        }
        events.push(Event::new(1000, EventKind::Invoke, last, value.clone()));
        events.push(Event::new(1000, EventKind::Ok, last, value));
        pair(events, None).unwrap()
    }

    #[test]
    fn the_last_operation_alone_can_decide_the_model() {
        let old_new = Value::list(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(
            Model::infer(&reads_then("cas", old_new), None).unwrap(),
            Model::CasRegister
        );
        assert_eq!(
            Model::infer(&reads_then("acquire", Value::Nil), None).unwrap(),
            Model::Mutex
        );
        assert_eq!(
            Model::infer(&reads_then("read", Value::Int(1)), None).unwrap(),
            Model::Register
        );
        let mut keyed = reads_then("write", Value::Int(3));
        keyed.last_mut().unwrap().key = Some(Value::Int(7));
        assert_eq!(Model::infer(&keyed, None).unwrap(), Model::Kv);
    }
}
