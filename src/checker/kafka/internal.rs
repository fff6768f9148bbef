//! Inside one operation: `int-poll-skip` / `int-nonmonotonic-poll` (consecutive messages a poll
//! returned for a key are not adjacent in the log, or go backwards) and `int-send-skip` /
//! `int-nonmonotonic-send` (the same for a transaction's sends). Where the log does not place a
//! message, the step counts as +1 (Jepsen: assume the next one).

use super::extract::{KafkaOp, Pair};
use super::report::KafkaCase;
use super::version_order::{KeyOrder, VersionOrders};
use crate::history::Value;

/// The skip and nonmonotonic cases of polls.
pub fn poll_cases(ops: &[KafkaOp], orders: &VersionOrders) -> (Vec<KafkaCase>, Vec<KafkaCase>) {
    cases(ops, orders, |op| &op.reads, "polled")
}

/// The skip and nonmonotonic cases of sends.
pub fn send_cases(ops: &[KafkaOp], orders: &VersionOrders) -> (Vec<KafkaCase>, Vec<KafkaCase>) {
    cases(ops, orders, |op| &op.writes, "sent")
}

fn cases<'a>(
    ops: &'a [KafkaOp],
    orders: &VersionOrders,
    side: impl Fn(&'a KafkaOp) -> &'a std::collections::BTreeMap<Value, Vec<Pair>>,
    verb: &str,
) -> (Vec<KafkaCase>, Vec<KafkaCase>) {
    let (mut skips, mut backwards) = (Vec::new(), Vec::new());
    let empty = KeyOrder::default();
    for op in ops {
        for (key, pairs) in side(op) {
            let order = orders.get(key).unwrap_or(&empty);
            for w in pairs.windows(2) {
                let (v1, v2) = (&w[0].1, &w[1].1);
                let Some(delta) = delta(order, v1, v2) else {
                    continue;
                };
                if delta > 1 {
                    let (i1, i2) = (order.index(v1).unwrap_or(0), order.index(v2).unwrap_or(0));
                    let skipped = &order.by_index[i1 + 1..i2];
                    skips.push(KafkaCase::new(
                        key.clone(),
                        format!(
                            "{verb} {v1} then {v2} of key {key} in one operation, skipping {}",
                            list(skipped)
                        ),
                        serde_json::json!({"values": [v1, v2], "delta": delta, "skipped": skipped}),
                        vec![op],
                    ));
                } else if delta < 1 {
                    backwards.push(KafkaCase::new(
                        key.clone(),
                        format!(
                            "{verb} {v1} then {v2} of key {key} in one operation, but {v2} is \
                             not after {v1} in the log"
                        ),
                        serde_json::json!({"values": [v1, v2], "delta": delta}),
                        vec![op],
                    ));
                }
            }
        }
    }
    (skips, backwards)
}

/// The index step from `v1` to `v2`, when the log places both (`None`: assume +1).
pub fn delta(order: &KeyOrder, v1: &Value, v2: &Value) -> Option<i64> {
    let (i1, i2) = (order.index(v1)?, order.index(v2)?);
    Some(i2 as i64 - i1 as i64)
}

/// Messages as `[a, b, c]`.
pub fn list(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", shown.join(", "))
}
