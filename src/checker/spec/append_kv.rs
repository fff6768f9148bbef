//! `append-kv`: the string map of Porcupine's kv logs (MIT 6.824's key/value lab), per key.
//!
//! `get` returns the whole string, `put s` replaces it, `append s` concatenates. A key never
//! written reads as `""` (a `nil` result counts as `""` too).

use super::{Entry, Lifted, Spec, Violation};
use crate::history::{Op, Outcome, Value};

/// An append-kv operation on one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppendOp {
    /// `get` returned this string.
    Get(Box<str>),
    /// `put` of this string.
    Put(Box<str>),
    /// `append` of this string.
    Append(Box<str>),
}

/// The append-kv spec (one key's string).
#[derive(Clone, Copy, Debug, Default)]
pub struct AppendKv;

fn text(v: &Value, what: &str) -> Result<Box<str>, String> {
    match v {
        Value::Nil => Ok("".into()),
        Value::Str(s) => Ok(s.clone()),
        other => Err(format!("{what} expects a string, found {other}")),
    }
}

impl Spec for AppendKv {
    type State = Box<str>;
    type Op = AppendOp;

    fn init(&self) -> Box<str> {
        "".into()
    }

    fn lift(&self, op: &Op) -> Result<Lifted<AppendOp>, String> {
        let lifted = match (&*op.f, op.outcome) {
            ("get", Outcome::Ok) => Lifted::Required(AppendOp::Get(text(&op.output, "get")?)),
            ("get", _) => Lifted::Ignore,
            ("put" | "append", Outcome::Fail) => Lifted::Ignore,
            ("put", outcome) => wrap(outcome, AppendOp::Put(text(&op.input, "put")?)),
            ("append", outcome) => wrap(outcome, AppendOp::Append(text(&op.input, "append")?)),
            (f, _) => {
                return Err(super::unknown_function(
                    "append-kv",
                    f,
                    &["get", "put", "append"],
                ))
            }
        };
        Ok(lifted)
    }

    fn step(&self, state: &Box<str>, op: &AppendOp) -> Option<Box<str>> {
        match op {
            AppendOp::Get(s) => (s == state).then(|| state.clone()),
            AppendOp::Put(s) => Some(s.clone()),
            AppendOp::Append(s) => Some(format!("{state}{s}").into()),
        }
    }

    fn is_read_only(&self, op: &AppendOp) -> bool {
        matches!(op, AppendOp::Get(_))
    }

    fn describe_state(&self, state: &Box<str>) -> String {
        format!("{state:?}")
    }

    /// A `get` must return a string that some sequence of puts and appends can build: at least,
    /// a non-empty result must be a put's value or end with some append's value.
    fn precheck(&self, entries: &[Entry<AppendOp>]) -> Option<Violation> {
        for (i, e) in entries.iter().enumerate() {
            let AppendOp::Get(s) = &e.op else { continue };
            if s.is_empty() || e.optional {
                continue;
            }
            let explained = entries.iter().any(|w| match &w.op {
                AppendOp::Put(p) => s.ends_with(&**p) && w.call < e.ret,
                AppendOp::Append(a) => !a.is_empty() && s.ends_with(&**a) && w.call < e.ret,
                AppendOp::Get(_) => false,
            });
            if !explained {
                return Some(Violation {
                    entries: vec![i],
                    reason: format!(
                        "get returned {s:?}, which no put or append invoked before it returned \
                         could have produced"
                    ),
                });
            }
        }
        None
    }
}

fn wrap(outcome: Outcome, op: AppendOp) -> Lifted<AppendOp> {
    if outcome == Outcome::Ok {
        Lifted::Required(op)
    } else {
        Lifted::Optional(op)
    }
}
