//! `G1a`: an ok poll returned a message whose send failed (definitely did not happen).

use super::extract::KafkaOp;
use super::facts::Facts;
use super::report::KafkaCase;
use crate::history::Outcome;

/// Every (poll, message) where the message's send failed.
pub fn cases(ops: &[KafkaOp], facts: &Facts) -> Vec<KafkaCase> {
    let mut out = Vec::new();
    for op in ops.iter().filter(|op| op.outcome == Outcome::Ok) {
        for (key, pairs) in &op.reads {
            let Some(failed) = facts.failed_writes.get(key) else {
                continue;
            };
            for (_, msg) in pairs.iter().filter(|(_, m)| failed.contains(m)) {
                let writer = facts.writer(ops, key, msg);
                let mut shown: Vec<&KafkaOp> = writer.into_iter().collect();
                shown.push(op);
                out.push(KafkaCase::new(
                    key.clone(),
                    format!("an ok poll returned {msg} of key {key}, whose send failed"),
                    serde_json::json!({"value": msg}),
                    shown,
                ));
            }
        }
    }
    out
}
