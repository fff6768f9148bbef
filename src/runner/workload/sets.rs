//! The checker shared by `broadcast` and `g-set`: every acknowledged element must be in every
//! successful final read, and no read may contain an element nobody added.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, interrupted, Invocation, WorkloadCheck};
use crate::checker::{CheckError, Verdict};
use crate::history::{Event, History, Op, Outcome, Value};
use crate::runner::json::to_value;

/// The next operation of a set workload: add the next element (as `add_f`) or read, evenly.
pub(crate) fn add_or_read(
    rng: &mut ChaCha8Rng,
    next_element: &mut i64,
    add_f: &'static str,
) -> Invocation {
    if rng.gen_bool(0.5) {
        let e = *next_element;
        *next_element += 1;
        Invocation::new(add_f, Value::Int(e))
    } else {
        Invocation::new("read", Value::Nil)
    }
}

/// What an ok reply means: an add's own element, or the array a read returned in `read_field`.
pub(crate) fn ok_value(op: &Invocation, body: &Json, read_field: &str) -> Result<Value, String> {
    if op.f != "read" {
        return Ok(op.value.clone());
    }
    match field(body, read_field)? {
        v @ Json::Array(_) => Ok(to_value(v)),
        other => Err(format!("{read_field} should be an array, found {other}")),
    }
}

/// Whether the invocation at position `op.call` was marked `"final": true`.
pub(crate) fn is_final(events: &[Event], op: &Op) -> bool {
    events.get(op.call as usize).is_some_and(|e| {
        e.extra
            .iter()
            .any(|(k, v)| &**k == "final" && v == &Value::Bool(true))
    })
}

/// Checks a set history whose adds are `add_f` and whose reads are `read`.
pub(crate) fn check(
    history: &History,
    add_f: &str,
    complete: bool,
) -> Result<WorkloadCheck, CheckError> {
    if !complete {
        return Ok(interrupted());
    }
    let ops = history.ops(None)?;
    let adds = ops.iter().filter(|o| &*o.f == add_f);
    let attempted: BTreeSet<&Value> = adds.clone().map(|o| &o.input).collect();
    let acknowledged: BTreeSet<&Value> = adds
        .filter(|o| o.outcome == Outcome::Ok)
        .map(|o| &o.input)
        .collect();
    let reads: Vec<&Op> = ops
        .iter()
        .filter(|o| &*o.f == "read" && o.outcome == Outcome::Ok)
        .collect();
    let mut unexpected: BTreeSet<&Value> = BTreeSet::new();
    for r in &reads {
        for v in r.output.as_list().unwrap_or(&[]) {
            if !attempted.contains(v) {
                unexpected.insert(v);
            }
        }
    }
    let finals: Vec<&Op> = reads
        .iter()
        .copied()
        .filter(|o| is_final(&history.events, o))
        .collect();
    let mut lost: BTreeSet<&Value> = BTreeSet::new();
    for r in &finals {
        let seen: BTreeSet<&Value> = r.output.as_list().unwrap_or(&[]).iter().collect();
        lost.extend(acknowledged.iter().filter(|v| !seen.contains(*v)));
    }
    let list = |s: &BTreeSet<&Value>| s.iter().take(20).map(|v| v.to_string()).collect::<Vec<_>>();
    let details = json!({
        "attempted": attempted.len(),
        "acknowledged": acknowledged.len(),
        "final_reads": finals.len(),
        "lost_count": lost.len(),
        "lost": list(&lost),
        "unexpected_count": unexpected.len(),
        "unexpected": list(&unexpected),
    });
    let (verdict, summary) = if finals.is_empty() {
        (Verdict::Unknown, "no final read succeeded".to_string())
    } else if !lost.is_empty() || !unexpected.is_empty() {
        (
            Verdict::Invalid,
            format!(
                "{} acknowledged {add_f}s missing from a final read (e.g. {}), {} elements read \
                 that were never added",
                lost.len(),
                list(&lost).first().map_or("-", |s| s.as_str()),
                unexpected.len()
            ),
        )
    } else {
        (
            Verdict::Valid,
            format!(
                "all {} acknowledged {add_f}s in all {} final reads",
                acknowledged.len(),
                finals.len()
            ),
        )
    };
    Ok(WorkloadCheck {
        verdict,
        summary,
        details,
    })
}
