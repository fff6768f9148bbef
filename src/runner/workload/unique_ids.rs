//! `unique-ids`: `{"type":"generate"}` → `{"type":"generate_ok","id":...}`; no id may be returned
//! twice (Jepsen's `unique-ids` checker).

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::{CheckError, Verdict};
use crate::history::{History, Outcome, Value};
use crate::runner::json::to_value;

/// The unique-ids workload.
#[derive(Debug)]
pub(super) struct UniqueIds;

impl Workload for UniqueIds {
    fn next(&mut self, _ctx: &Context, _rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(Invocation::new("generate", Value::Nil))
    }

    fn request(&self, _op: &Invocation) -> Json {
        json!({"type": "generate"})
    }

    fn ok_value(&self, _op: &Invocation, body: &Json) -> Result<Value, String> {
        field(body, "id").map(to_value)
    }

    fn is_idempotent(&self, _f: &str) -> bool {
        false
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let ops = history.ops(None)?;
        let mut seen: HashMap<&Value, usize> = HashMap::new();
        let mut acknowledged = 0;
        for op in ops.iter().filter(|o| o.outcome == Outcome::Ok) {
            acknowledged += 1;
            *seen.entry(&op.output).or_default() += 1;
        }
        let mut duplicated: Vec<(String, usize)> = seen
            .iter()
            .filter(|(_, &n)| n > 1)
            .map(|(v, &n)| (v.to_string(), n))
            .collect();
        duplicated.sort();
        let verdict = if duplicated.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        let summary = match duplicated.first() {
            None => format!("{acknowledged} ids, all distinct"),
            Some((id, n)) => format!(
                "{} ids returned more than once, e.g. {id} ({n} times)",
                duplicated.len()
            ),
        };
        Ok(WorkloadCheck {
            verdict,
            summary,
            details: json!({
                "attempted": ops.len(),
                "acknowledged": acknowledged,
                "duplicated_count": duplicated.len(),
                "duplicated": &duplicated[..duplicated.len().min(20)],
            }),
        })
    }
}
