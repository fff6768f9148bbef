//! `g-counter`: `add` of deltas 0..4 mixed with `read`s; final reads must equal the sum of the
//! adds (counting indefinite adds as either).

use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;

use super::{counters, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::CheckError;
use crate::history::{History, Value};

/// The grow-only counter workload.
#[derive(Debug)]
pub(super) struct GCounter;

impl Workload for GCounter {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(counters::next(rng, 0..5))
    }

    fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        counters::final_ops(node_count)
    }

    fn request(&self, op: &Invocation) -> Json {
        counters::request(op)
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        counters::ok_value(op, body)
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
        counters::check(history, complete)
    }
}
