//! `g-set`: `add` of 0, 1, 2, ... mixed with `read`s (`read_ok` carries `value`, as Maelstrom's
//! schema requires); final reads on every node. Every acknowledged add must be in every final
//! read.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, sets, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::CheckError;
use crate::history::{History, Value};
use crate::runner::json::{to_json, to_value};

/// The grow-only set workload.
#[derive(Debug, Default)]
pub(super) struct GSet {
    next_element: i64,
}

impl Workload for GSet {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(if rng.gen_bool(0.5) {
            let e = self.next_element;
            self.next_element += 1;
            Invocation::new("add", Value::Int(e))
        } else {
            Invocation::new("read", Value::Nil)
        })
    }

    fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        (0..node_count)
            .map(|i| {
                let mut op = Invocation::new("read", Value::Nil);
                op.final_read = true;
                (i, op)
            })
            .collect()
    }

    fn request(&self, op: &Invocation) -> Json {
        match op.f {
            "add" => json!({"type": "add", "element": to_json(&op.value)}),
            _ => json!({"type": "read"}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        match op.f {
            "add" => Ok(op.value.clone()),
            _ => match field(body, "value")? {
                v @ Json::Array(_) => Ok(to_value(v)),
                other => Err(format!("value should be an array, found {other}")),
            },
        }
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
        sets::check(history, "add", complete)
    }
}
