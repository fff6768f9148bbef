//! Registers: `register` (read/write), `cas-register` (Jepsen/Knossos) and `etcd-register`
//! (Porcupine's etcd model). `kv` is `cas-register` per key.
//!
//! State: one value, initially nil.
//! - `read` (ok): legal iff the result equals the state. Unknown or failed reads are ignored.
//! - `write v`: sets the state to `v`. `ok` required, `info` optional, `fail` ignored.
//! - `cas [old new]`: legal iff the state is `old`; sets it to `new`. `ok` required, `info`
//!   optional; a `fail` is ignored — except in etcd-register, where it happened: it is required,
//!   legal iff the state is *not* `old`, and leaves the state unchanged.

use splitbrain::history::{Op, Outcome, Value};

use super::{Role, SeqSpec};

/// Which register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// `read`, `write`.
    Plain,
    /// `read`, `write`, `cas`; a failed cas did not happen.
    Cas,
    /// `read`, `write`, `cas`; a failed cas happened and saw a value other than `old`.
    Etcd,
}

/// A register spec.
pub struct RegisterSpec(pub Flavour);

fn cas_arguments(op: &Op) -> (&Value, &Value) {
    op.input
        .as_pair()
        .unwrap_or_else(|| panic!("reference: cas takes [old new], got {}", op.input))
}

impl SeqSpec for RegisterSpec {
    type State = Value;

    fn init(&self) -> Value {
        Value::Nil
    }

    fn role(&self, op: &Op) -> Role {
        match (&*op.f, op.outcome) {
            ("read", Outcome::Ok) => Role::Required,
            ("read", _) => Role::Ignored,
            ("cas", _) if self.0 == Flavour::Plain => {
                panic!("reference: register has no cas: {op}")
            }
            ("cas", Outcome::Fail) if self.0 == Flavour::Etcd => Role::Required,
            ("write" | "cas", Outcome::Ok) => Role::Required,
            ("write" | "cas", Outcome::Info) => Role::Optional,
            ("write" | "cas", Outcome::Fail) => Role::Ignored,
            _ => panic!("reference: a register does not understand {op}"),
        }
    }

    fn step(&self, state: &Value, op: &Op) -> Option<Value> {
        match &*op.f {
            "read" => (op.output == *state).then(|| state.clone()),
            "write" => Some(op.input.clone()),
            "cas" => {
                let (old, new) = cas_arguments(op);
                if op.outcome == Outcome::Fail {
                    // Only etcd-register places a failed cas (see `role`).
                    (state != old).then(|| state.clone())
                } else {
                    (state == old).then(|| new.clone())
                }
            }
            _ => unreachable!("role() rejected {op}"),
        }
    }
}
