//! `g-set`: `add` of 0, 1, 2, ... mixed with `read`s (`read_ok` carries `value`, as Maelstrom's
//! schema requires); final reads on every node. Every acknowledged add must be in every final
//! read.

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{sets, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::CheckError;
use crate::history::{History, Value};
use crate::runner::json::to_json;

/// The grow-only set workload.
#[derive(Debug, Default)]
pub(super) struct GSet {
    next_element: i64,
}

impl Workload for GSet {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(sets::add_or_read(rng, &mut self.next_element, "add"))
    }

    fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        Invocation::final_reads(node_count)
    }

    fn request(&self, op: &Invocation) -> Json {
        match op.f {
            "add" => json!({"type": "add", "element": to_json(&op.value)}),
            _ => json!({"type": "read"}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        sets::ok_value(op, body, "value")
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
        sets::check(history, "add", complete)
    }
}
