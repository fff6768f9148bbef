//! The checker shared by `g-counter` and `pn-counter` (Maelstrom's pn-counter checker): every
//! successful final read must equal the sum of the acknowledged adds plus some subset of the
//! indefinite ones.
//!
//! Also the generator and client both counters share: `add` of a delta drawn by the caller,
//! mixed with `read`s; final reads on every node.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::sets::is_final;
use super::{field, interrupted, Invocation, WorkloadCheck};
use crate::checker::{CheckError, Verdict};
use crate::history::{History, Outcome, Value};

/// Next operation: an add of a delta in `deltas` half the time, else a read.
pub(crate) fn next(rng: &mut ChaCha8Rng, deltas: std::ops::Range<i64>) -> Invocation {
    if rng.gen_bool(0.5) {
        Invocation::new("add", Value::Int(rng.gen_range(deltas)))
    } else {
        Invocation::new("read", Value::Nil)
    }
}

/// A final read on every node.
pub(crate) fn final_ops(node_count: usize) -> Vec<(usize, Invocation)> {
    Invocation::final_reads(node_count)
}

/// The request body.
pub(crate) fn request(op: &Invocation) -> Json {
    match op.f {
        "add" => json!({"type": "add", "delta": op.value.as_int().unwrap_or(0)}),
        _ => json!({"type": "read"}),
    }
}

/// The result of a successful reply.
pub(crate) fn ok_value(op: &Invocation, body: &Json) -> Result<Value, String> {
    match op.f {
        "add" => Ok(op.value.clone()),
        _ => match field(body, "value")?.as_i64() {
            Some(v) => Ok(Value::Int(v)),
            None => Err(format!("value should be an integer: {body}")),
        },
    }
}

/// Inclusive integer ranges, sorted, disjoint and not adjacent.
fn add_range(ranges: &mut Vec<(i64, i64)>, extra: &[(i64, i64)]) {
    ranges.extend_from_slice(extra);
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    *ranges = merged;
}

/// The sums reachable from `definite` plus any subset of `possible`.
pub(crate) fn acceptable(definite: i64, possible: &[i64]) -> Vec<(i64, i64)> {
    let mut ranges = vec![(definite, definite)];
    for &d in possible {
        let shifted: Vec<(i64, i64)> = ranges
            .iter()
            .map(|&(lo, hi)| (lo.saturating_add(d), hi.saturating_add(d)))
            .collect();
        add_range(&mut ranges, &shifted);
    }
    ranges
}

/// Checks a counter history.
pub(crate) fn check(history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
    if !complete {
        return Ok(interrupted());
    }
    let ops = history.ops(None)?;
    let adds = ops.iter().filter(|o| &*o.f == "add");
    let definite: i64 = adds
        .clone()
        .filter(|o| o.outcome == Outcome::Ok)
        .filter_map(|o| o.input.as_int())
        .sum();
    let possible: Vec<i64> = adds
        .filter(|o| o.outcome == Outcome::Info)
        .filter_map(|o| o.input.as_int())
        .collect();
    let ranges = acceptable(definite, &possible);
    let finals: Vec<i64> = ops
        .iter()
        .filter(|o| &*o.f == "read" && o.outcome == Outcome::Ok && is_final(&history.events, o))
        .filter_map(|o| o.output.as_int())
        .collect();
    let wrong: Vec<i64> = finals
        .iter()
        .copied()
        .filter(|v| !ranges.iter().any(|&(lo, hi)| lo <= *v && *v <= hi))
        .collect();
    let shown: Vec<[i64; 2]> = ranges.iter().take(20).map(|&(a, b)| [a, b]).collect();
    let details = json!({"acceptable": shown, "final_reads": finals, "errors": wrong});
    let (verdict, summary) = if finals.is_empty() {
        (Verdict::Unknown, "no final read succeeded".to_string())
    } else if wrong.is_empty() {
        (
            Verdict::Valid,
            format!(
                "all {} final reads acceptable (sum {definite})",
                finals.len()
            ),
        )
    } else {
        (
            Verdict::Invalid,
            format!("final reads {wrong:?} are not a sum of the adds (acceptable: {shown:?})"),
        )
    };
    Ok(WorkloadCheck {
        verdict,
        summary,
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_adds_widen_the_acceptable_sums() {
        assert_eq!(acceptable(5, &[]), [(5, 5)]);
        assert_eq!(acceptable(5, &[1, 1]), [(5, 7)]);
        assert_eq!(acceptable(0, &[3]), [(0, 0), (3, 3)]);
        assert_eq!(acceptable(0, &[-2, 4]), [(-2, -2), (0, 0), (2, 2), (4, 4)]);
    }
}
