//! `precommitted-read`: a transaction polled a message it sent itself. Kafka's consumers run at
//! read committed, so a message is invisible to every poller until its transaction commits.
//! (Only transactions can show it; Maelstrom's single-micro-op sends and polls never do.)

use std::collections::HashSet;

use super::extract::KafkaOp;
use super::report::KafkaCase;

/// Every transaction that read one of its own messages (the first such message per key).
pub fn cases(ops: &[KafkaOp]) -> Vec<KafkaCase> {
    let mut out = Vec::new();
    for op in ops {
        for (key, writes) in &op.writes {
            let Some(reads) = op.reads.get(key) else {
                continue;
            };
            let read: HashSet<_> = reads.iter().map(|(_, m)| m).collect();
            if let Some((_, msg)) = writes.iter().find(|(_, m)| read.contains(&m)) {
                out.push(KafkaCase::new(
                    key.clone(),
                    format!("a transaction polled {msg} of key {key}, which it sent itself"),
                    serde_json::json!({"value": msg}),
                    vec![op],
                ));
            }
        }
    }
    out
}
