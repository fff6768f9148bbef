//! `lost-write`: a message below the highest index any ok poll reached on its key, which no ok
//! poll returned, and whose send surely happened.
//!
//! Jepsen's rule, for logs where a message may sit at several offsets or an offset hold several
//! messages: the bound is the largest *first* index of a polled message; the messages that must
//! have been read are those whose *last* index is at or below it.

use std::collections::{BTreeMap, HashMap};

use super::extract::KafkaOp;
use super::facts::Facts;
use super::report::KafkaCase;
use super::version_order::VersionOrders;
use crate::history::Value;

/// Every lost message.
pub fn cases(ops: &[KafkaOp], orders: &VersionOrders, facts: &Facts) -> Vec<KafkaCase> {
    let mut out = Vec::new();
    let mut keys: Vec<&Value> = facts.ok_reads.keys().collect();
    keys.sort();
    for key in keys {
        let read = &facts.ok_reads[key];
        let Some(order) = orders.get(key) else {
            continue;
        };
        let mut first_index: HashMap<&Value, usize> = HashMap::new();
        let mut last_index: HashMap<&Value, usize> = HashMap::new();
        for (index, msgs) in order.log.values().enumerate() {
            for m in msgs {
                first_index.entry(m).or_insert(index);
                last_index.insert(m, index);
            }
        }
        let Some(bound) = read
            .iter()
            .filter_map(|m| first_index.get(m))
            .max()
            .copied()
        else {
            continue;
        };
        // The messages that must have been read, in index order.
        let mut must: BTreeMap<usize, Vec<&Value>> = BTreeMap::new();
        for (m, &i) in &last_index {
            if i <= bound {
                must.entry(i).or_default().push(*m);
            }
        }
        let max_read_msg = &order.by_index[bound];
        let max_reader = facts
            .readers_of
            .get(key)
            .and_then(|r| r.get(max_read_msg))
            .and_then(|r| r.first())
            .map(|&id| &ops[id]);
        for (index, msgs) in must {
            let mut msgs = msgs;
            msgs.sort();
            for m in msgs {
                if read.contains(m) {
                    continue;
                }
                // A message only polled (never sent) has no writer: nothing to have lost.
                let Some(writer) = facts.writer(ops, key, m) else {
                    continue;
                };
                if !facts.must_have_committed(writer) {
                    continue;
                }
                let mut shown = vec![writer];
                shown.extend(max_reader);
                out.push(KafkaCase::new(
                    key.clone(),
                    format!(
                        "message {m} of key {key} (index {index}) was sent but no ok poll \
                         returned it, though polls reached index {bound} ({max_read_msg})"
                    ),
                    serde_json::json!({"value": m, "index": index, "max-read-index": bound}),
                    shown,
                ));
            }
        }
    }
    out
}
