//! `unseen`: messages acknowledged by an ok send that no ok poll ever returned. Maelstrom fails
//! a test with any at the end (its final phase polls every key from the beginning), although
//! during the run there is no recency requirement.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::extract::KafkaOp;
use super::report::KafkaCase;
use crate::history::{Outcome, Value};

/// One case listing, per key, how many and which messages stayed unseen (none: no case).
pub fn cases(ops: &[KafkaOp]) -> Vec<KafkaCase> {
    let mut sent: BTreeMap<&Value, BTreeSet<&Value>> = BTreeMap::new();
    let mut polled: HashSet<(&Value, &Value)> = HashSet::new();
    for op in ops.iter().filter(|op| op.outcome == Outcome::Ok) {
        for (key, pairs) in &op.writes {
            sent.entry(key)
                .or_default()
                .extend(pairs.iter().map(|(_, m)| m));
        }
        for (key, pairs) in &op.reads {
            polled.extend(pairs.iter().map(|(_, m)| (key, m)));
        }
    }
    let mut unseen: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    let mut writers = Vec::new();
    for (key, msgs) in sent {
        let missing: Vec<&Value> = msgs
            .into_iter()
            .filter(|m| !polled.contains(&(key, *m)))
            .collect();
        if missing.is_empty() {
            continue;
        }
        writers.extend(ops.iter().filter(|op| {
            op.outcome == Outcome::Ok
                && op
                    .writes
                    .get(key)
                    .is_some_and(|p| p.iter().any(|(_, m)| missing.contains(&m)))
        }));
        unseen.insert(
            key.as_text()
                .map_or_else(|| key.to_string(), str::to_string),
            missing,
        );
    }
    if unseen.is_empty() {
        return Vec::new();
    }
    let total: usize = unseen.values().map(Vec::len).sum();
    let counts: BTreeMap<&String, usize> = unseen.iter().map(|(k, v)| (k, v.len())).collect();
    let messages: BTreeMap<&String, Vec<&Value>> = unseen
        .iter()
        .map(|(k, v)| (k, v.iter().take(32).copied().collect()))
        .collect();
    writers.truncate(8);
    vec![KafkaCase::new(
        Value::Nil,
        format!(
            "{total} acknowledged messages over {} keys were never polled",
            unseen.len()
        ),
        serde_json::json!({"unseen": counts, "messages": messages}),
        writers,
    )]
}
