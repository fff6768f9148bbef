//! [`Facts`]: the indices every kafka analysis shares: what ok polls read, what failed sends
//! wrote, who wrote and who read each message.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::extract::{KafkaOp, Kind};
use crate::history::{Outcome, Value};

/// Shared indices over a history's operations.
#[derive(Debug, Default)]
pub struct Facts {
    /// Key → messages returned by ok polls.
    pub ok_reads: HashMap<Value, HashSet<Value>>,
    /// Key → messages of failed sends.
    pub failed_writes: HashMap<Value, HashSet<Value>>,
    /// Key → message → the operation that sent it (the last one, as Jepsen's `writer-of`).
    pub writer_of: HashMap<Value, HashMap<Value, usize>>,
    /// Key → message → the operations that polled it, in history order.
    pub readers_of: BTreeMap<Value, HashMap<Value, Vec<usize>>>,
}

impl Facts {
    /// The indices of `ops`.
    pub fn of(ops: &[KafkaOp]) -> Facts {
        let mut facts = Facts::default();
        for op in ops {
            for (key, pairs) in &op.reads {
                for (_, msg) in pairs {
                    if op.outcome == Outcome::Ok {
                        facts
                            .ok_reads
                            .entry(key.clone())
                            .or_default()
                            .insert(msg.clone());
                    }
                    facts
                        .readers_of
                        .entry(key.clone())
                        .or_default()
                        .entry(msg.clone())
                        .or_default()
                        .push(op.id);
                }
            }
            for (key, pairs) in &op.writes {
                for (_, msg) in pairs {
                    facts
                        .writer_of
                        .entry(key.clone())
                        .or_default()
                        .insert(msg.clone(), op.id);
                    if op.outcome == Outcome::Fail {
                        facts
                            .failed_writes
                            .entry(key.clone())
                            .or_default()
                            .insert(msg.clone());
                    }
                }
            }
        }
        facts
    }

    /// Whether `op`'s sends surely happened: it is ok, or it is info and an ok poll returned one
    /// of its messages (Jepsen's `must-have-committed?`).
    pub fn must_have_committed(&self, op: &KafkaOp) -> bool {
        match op.outcome {
            Outcome::Ok => true,
            Outcome::Fail => false,
            Outcome::Info => op.writes.iter().any(|(key, pairs)| {
                self.ok_reads
                    .get(key)
                    .is_some_and(|read| pairs.iter().any(|(_, m)| read.contains(m)))
            }),
        }
    }

    /// The operation that sent `msg` to `key`.
    pub fn writer<'a>(&self, ops: &'a [KafkaOp], key: &Value, msg: &Value) -> Option<&'a KafkaOp> {
        self.writer_of
            .get(key)
            .and_then(|w| w.get(msg))
            .map(|&id| &ops[id])
    }
}

/// Whether `op` reads or writes messages (the operations the analyses look at).
pub fn is_data(op: &KafkaOp) -> bool {
    matches!(op.kind, Kind::Send | Kind::Poll | Kind::Txn)
}
