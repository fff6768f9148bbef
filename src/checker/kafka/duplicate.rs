//! `duplicate`: one message at more than one offset of a key (a log that assigned it twice).

use std::collections::BTreeMap;

use super::extract::KafkaOp;
use super::report::KafkaCase;
use super::version_order::VersionOrders;
use crate::history::Value;

/// Every message found at two or more offsets of its key.
pub fn cases(ops: &[KafkaOp], orders: &VersionOrders) -> Vec<KafkaCase> {
    let mut out = Vec::new();
    for (key, order) in orders {
        let mut offsets: BTreeMap<&Value, Vec<i64>> = BTreeMap::new();
        for (offset, msgs) in &order.log {
            for m in msgs {
                offsets.entry(m).or_default().push(*offset);
            }
        }
        for (msg, at) in offsets {
            if at.len() < 2 {
                continue;
            }
            let shown = ops
                .iter()
                .filter(|op| {
                    [&op.writes, &op.reads].iter().any(|side| {
                        side.get(key)
                            .is_some_and(|p| p.iter().any(|(o, m)| m == msg && o.is_some()))
                    })
                })
                .take(8)
                .collect();
            out.push(KafkaCase::new(
                key.clone(),
                format!(
                    "message {msg} of key {key} is at {} offsets: {at:?}",
                    at.len()
                ),
                serde_json::json!({"value": msg, "count": at.len(), "offsets": at}),
                shown,
            ));
        }
    }
    out
}
