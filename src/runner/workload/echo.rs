//! `echo`: `{"type":"echo","echo":s}` → `{"type":"echo_ok","echo":s}`; every reply must echo the
//! string sent.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::{CheckError, Verdict};
use crate::history::{History, Outcome, Value};
use crate::runner::json::{to_json, to_value};

/// The echo workload.
#[derive(Debug)]
pub(super) struct Echo;

impl Workload for Echo {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        let n: u32 = rng.gen_range(0..128);
        Some(Invocation::new(
            "echo",
            Value::str(format!("Please echo {n}")),
        ))
    }

    fn request(&self, op: &Invocation) -> Json {
        json!({"type": "echo", "echo": to_json(&op.value)})
    }

    fn ok_value(&self, _op: &Invocation, body: &Json) -> Result<Value, String> {
        field(body, "echo").map(to_value)
    }

    fn is_idempotent(&self, _f: &str) -> bool {
        true
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let ops = history.ops(None)?;
        let ok: Vec<_> = ops.iter().filter(|o| o.outcome == Outcome::Ok).collect();
        let wrong: Vec<String> = ok
            .iter()
            .filter(|o| o.output != o.input)
            .map(|o| format!("p{} sent {} and got {}", o.process, o.input, o.output))
            .collect();
        let verdict = if wrong.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        let summary = match wrong.first() {
            None => format!("{} echoes, all correct", ok.len()),
            Some(first) => format!("{} of {} echoes wrong, e.g. {first}", wrong.len(), ok.len()),
        };
        Ok(WorkloadCheck {
            verdict,
            summary,
            details: json!({"ok": ok.len(), "wrong": wrong.len(), "examples": &wrong[..wrong.len().min(10)]}),
        })
    }
}
