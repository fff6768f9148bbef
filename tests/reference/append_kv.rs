//! `append-kv`: Porcupine's kv logs (MIT 6.824), one string per key, initially `""`.
//!
//! - `get` (ok): legal iff the result is the string `Value::Str(state)`. Unknown or failed gets
//!   are ignored.
//! - `put s`: sets the state to `s`. `append s`: appends `s` to the state. For both, `ok` is
//!   required, `info` optional, `fail` ignored.

use splitbrain::history::{Op, Outcome, Value};

use super::{Role, SeqSpec};

/// The append-kv spec (for one key).
pub struct AppendKvSpec;

fn text(op: &Op) -> &str {
    match &op.input {
        Value::Str(s) => s,
        other => panic!("reference: {} takes a string, got {other}", op.f),
    }
}

impl SeqSpec for AppendKvSpec {
    type State = String;

    fn init(&self) -> String {
        String::new()
    }

    fn role(&self, op: &Op) -> Role {
        match (&*op.f, op.outcome) {
            ("get", Outcome::Ok) => Role::Required,
            ("get", _) => Role::Ignored,
            ("put" | "append", Outcome::Ok) => Role::Required,
            ("put" | "append", Outcome::Info) => Role::Optional,
            ("put" | "append", Outcome::Fail) => Role::Ignored,
            _ => panic!("reference: append-kv does not understand {op}"),
        }
    }

    fn step(&self, state: &String, op: &Op) -> Option<String> {
        match &*op.f {
            "get" => (op.output == Value::str(state.as_str())).then(|| state.clone()),
            "put" => Some(text(op).to_string()),
            "append" => Some(format!("{state}{}", text(op))),
            _ => unreachable!("role() rejected {op}"),
        }
    }
}
