//! Between one process's operations: `poll-skip` / `nonmonotonic-poll` (a poll of a key does not
//! start right after where the process's previous poll of it ended) and `nonmonotonic-send` (a
//! send lands at or before the process's previous send to the key). An `assign` forgets the keys
//! it does not name; a crash gives a fresh process, so nothing carries over it.

use std::collections::BTreeMap;

use super::extract::{KafkaOp, Kind};
use super::facts::is_data;
use super::internal::{delta, list};
use super::report::KafkaCase;
use super::version_order::{KeyOrder, VersionOrders};
use crate::history::{Outcome, Value};

/// `(poll-skip, nonmonotonic-poll)` cases.
pub fn poll_cases(ops: &[KafkaOp], orders: &VersionOrders) -> (Vec<KafkaCase>, Vec<KafkaCase>) {
    let (mut skips, mut backwards) = (Vec::new(), Vec::new());
    let empty = KeyOrder::default();
    for process_ops in by_process(ops).values() {
        let mut last: BTreeMap<&Value, &KafkaOp> = BTreeMap::new();
        for &op in process_ops {
            if matches!(op.kind, Kind::Assign | Kind::Subscribe) {
                if op.outcome != Outcome::Fail {
                    last.retain(|k, _| op.assigned.contains(*k));
                }
                continue;
            }
            if !is_data(op) {
                continue;
            }
            for (key, pairs) in &op.reads {
                let (Some(prev), Some(first)) = (last.get(key), pairs.first()) else {
                    continue;
                };
                // A previous poll that returned an empty list for the key: assume +1 (Jepsen).
                let Some(v) = prev.last_read(key) else {
                    continue;
                };
                let order = orders.get(key).unwrap_or(&empty);
                let v2 = &first.1;
                let Some(delta) = delta(order, v, v2) else {
                    continue;
                };
                let ops = vec![*prev, op];
                if delta > 1 {
                    let (i1, i2) = (order.index(v).unwrap_or(0), order.index(v2).unwrap_or(0));
                    let skipped = &order.by_index[i1 + 1..i2];
                    skips.push(KafkaCase::new(
                        (*key).clone(),
                        format!(
                            "process {} polled {v} then {v2} of key {key}, skipping {}",
                            op.process,
                            list(skipped)
                        ),
                        serde_json::json!({"delta": delta, "skipped": skipped}),
                        ops,
                    ));
                } else if delta < 1 {
                    backwards.push(KafkaCase::new(
                        (*key).clone(),
                        format!(
                            "process {} polled {v} then {v2} of key {key}: not forward in the log",
                            op.process
                        ),
                        serde_json::json!({"values": [v, v2], "delta": delta}),
                        ops,
                    ));
                }
            }
            if op.outcome == Outcome::Ok {
                for key in op.reads.keys() {
                    last.insert(key, op);
                }
            }
        }
    }
    (skips, backwards)
}

/// `nonmonotonic-send` cases.
pub fn send_cases(ops: &[KafkaOp], orders: &VersionOrders) -> Vec<KafkaCase> {
    let mut out = Vec::new();
    let empty = KeyOrder::default();
    for process_ops in by_process(ops).values() {
        let mut last: BTreeMap<&Value, &KafkaOp> = BTreeMap::new();
        for &op in process_ops {
            if op.outcome == Outcome::Fail {
                continue;
            }
            if matches!(op.kind, Kind::Assign | Kind::Subscribe) {
                last.retain(|k, _| op.assigned.contains(*k));
                continue;
            }
            if !matches!(op.kind, Kind::Send | Kind::Txn) {
                continue;
            }
            for (key, pairs) in &op.writes {
                if let (Some(prev), Some(first)) = (last.get(key), pairs.first()) {
                    let order = orders.get(key).unwrap_or(&empty);
                    let Some(v) = prev.last_write(key) else {
                        continue;
                    };
                    let v2 = &first.1;
                    if let Some(delta) = delta(order, v, v2).filter(|d| *d < 1) {
                        out.push(KafkaCase::new(
                            (*key).clone(),
                            format!(
                                "process {} sent {v} then {v2} to key {key}, but {v2} is not \
                                 after {v} in the log",
                                op.process
                            ),
                            serde_json::json!({"values": [v, v2], "delta": delta}),
                            vec![*prev, op],
                        ));
                    }
                }
                last.insert(key, op);
            }
        }
    }
    out
}

/// Each process's operations, in invocation order.
fn by_process(ops: &[KafkaOp]) -> BTreeMap<u64, Vec<&KafkaOp>> {
    let mut out: BTreeMap<u64, Vec<&KafkaOp>> = BTreeMap::new();
    for op in ops {
        out.entry(op.process).or_default().push(op);
    }
    for list in out.values_mut() {
        list.sort_by_key(|op| op.call);
    }
    out
}
