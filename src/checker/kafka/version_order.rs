//! Version orders: each key's log as the history shows it, offset by offset, and the offsets
//! where sends and polls disagree (`inconsistent-offsets`).
//!
//! As Jepsen does, the log is built from every poll (whatever its outcome: a poller should only
//! ever see committed data) and from the sends that must have happened (ok, or info with some
//! message polled by an ok poll). Offsets may be sparse: the *index* of an offset is its rank
//! among the offsets that hold something, so `[0, 4, 9]` are indices 0, 1, 2. The log is a
//! sorted map, not a vector, so a huge offset costs nothing (maelstrom#51 ran out of memory
//! there).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::extract::{KafkaOp, Pair};
use super::report::KafkaCase;
use super::Facts;
use crate::history::Value;

/// One key's log.
#[derive(Clone, Debug, Default)]
pub struct KeyOrder {
    /// Offset → the messages seen there (more than one is an inconsistency).
    pub log: BTreeMap<i64, BTreeSet<Value>>,
    /// Index → the message at that index (the smallest, where an offset has several).
    pub by_index: Vec<Value>,
    /// Message → its index (the last index where it is the representative).
    pub by_value: HashMap<Value, usize>,
}

impl KeyOrder {
    /// The index of `msg`, if the log places it.
    pub fn index(&self, msg: &Value) -> Option<usize> {
        self.by_value.get(msg).copied()
    }
}

/// Every key's log.
pub type VersionOrders = BTreeMap<Value, KeyOrder>;

/// Builds the logs; returns them and the `inconsistent-offsets` cases.
pub fn version_orders(ops: &[KafkaOp], facts: &Facts) -> (VersionOrders, Vec<KafkaCase>) {
    let mut logs: BTreeMap<Value, BTreeMap<i64, BTreeSet<Value>>> = BTreeMap::new();
    let mut add = |key: &Value, offset: Option<i64>, msg: &Value| {
        if let Some(o) = offset {
            logs.entry(key.clone())
                .or_default()
                .entry(o)
                .or_default()
                .insert(msg.clone());
        }
    };
    for op in ops {
        if facts.must_have_committed(op) {
            for (key, pairs) in &op.writes {
                for (o, m) in pairs {
                    add(key, *o, m);
                }
            }
        }
        for (key, pairs) in &op.reads {
            for (o, m) in pairs {
                add(key, *o, m);
            }
        }
    }
    let mut errors = Vec::new();
    let mut orders = VersionOrders::new();
    for (key, log) in logs {
        let mut order = KeyOrder::default();
        for (index, (offset, msgs)) in log.iter().enumerate() {
            let first = msgs
                .iter()
                .next()
                .expect("an offset in the log holds a message");
            order.by_value.insert(first.clone(), index);
            order.by_index.push(first.clone());
            if msgs.len() > 1 {
                let shown: Vec<String> = msgs.iter().map(ToString::to_string).collect();
                errors.push(KafkaCase::new(
                    key.clone(),
                    format!(
                        "offset {offset} of key {key} holds {} different messages: {}",
                        msgs.len(),
                        shown.join(", ")
                    ),
                    serde_json::json!({"offset": offset, "index": index, "values": msgs}),
                    witnesses(ops, &key, *offset),
                ));
            }
        }
        order.log = log;
        orders.insert(key, order);
    }
    (orders, errors)
}

/// The operations that sent or polled `key` at `offset`.
fn witnesses<'a>(ops: &'a [KafkaOp], key: &Value, offset: i64) -> Vec<&'a KafkaOp> {
    ops.iter()
        .filter(|op| {
            let has = |m: &BTreeMap<Value, Vec<Pair>>| {
                m.get(key)
                    .is_some_and(|p| p.iter().any(|(o, _)| *o == Some(offset)))
            };
            has(&op.writes) || has(&op.reads)
        })
        .take(8)
        .collect()
}
