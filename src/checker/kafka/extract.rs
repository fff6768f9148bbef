//! [`KafkaOp`]: a paired operation of a kafka history, with its sends and polls pulled out of
//! the micro-ops (`["send", k, [offset, msg]]`, `["poll", {k: [[offset, msg], ...]}]`).
//!
//! An `ok` operation is read from its completion, any other from its invocation (so a crashed
//! send knows its message but not its offset, and a crashed poll read nothing), as Jepsen's
//! `op-writes` / `op-reads` see them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::history::{HistoryError, Location, Op, Outcome, Value};

/// What an operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `send`: micro-ops that append messages.
    Send,
    /// `poll`: micro-ops that read messages.
    Poll,
    /// `txn`: both (Jepsen's transactional kafka; Maelstrom never issues it).
    Txn,
    /// `assign`: the keys the consumer reads from now on.
    Assign,
    /// `subscribe`: like assign, but the system picks the partitions.
    Subscribe,
    /// Anything else (`crash`, `debug-topic-partitions`): not analysed.
    Other,
}

/// An `[offset, message]` pair; the offset is unknown for a send that did not complete.
pub type Pair = (Option<i64>, Value);

/// One operation of a kafka history.
#[derive(Clone, Debug)]
pub struct KafkaOp {
    /// Its position in the operation list.
    pub id: usize,
    /// The client process.
    pub process: u64,
    /// What it does.
    pub kind: Kind,
    /// How it ended.
    pub outcome: Outcome,
    /// The invocation's position in the history.
    pub call: u64,
    /// The completion's position ([`crate::history::NEVER`] when it has none).
    pub ret: u64,
    /// Messages sent, per key, in micro-op order.
    pub writes: BTreeMap<Value, Vec<Pair>>,
    /// Messages polled, per key, in micro-op order.
    pub reads: BTreeMap<Value, Vec<Pair>>,
    /// The keys an `assign`/`subscribe` names.
    pub assigned: Vec<Value>,
    /// Where it came from (`lines 4–9`).
    pub lines: String,
    /// The value the analysis read (completion for `ok`, else invocation).
    pub value: Value,
}

impl KafkaOp {
    /// The last message this operation read from `key`.
    pub fn last_read(&self, key: &Value) -> Option<&Value> {
        self.reads.get(key).and_then(|p| p.last()).map(|p| &p.1)
    }

    /// The last message this operation sent to `key`.
    pub fn last_write(&self, key: &Value) -> Option<&Value> {
        self.writes.get(key).and_then(|p| p.last()).map(|p| &p.1)
    }
}

/// Whether `f` is a kafka function (how a kafka history is told apart from the others).
pub fn is_kafka_function(f: &str) -> bool {
    matches!(f, "send" | "poll" | "assign" | "subscribe" | "crash")
}

/// The kafka operations of `ops`; an error names the line of a micro-op that is not one.
pub fn extract(ops: &[Op], file: Option<&Arc<Path>>) -> Result<Vec<KafkaOp>, HistoryError> {
    ops.iter()
        .enumerate()
        .map(|(id, op)| extract_op(id, op, file))
        .collect()
}

fn extract_op(id: usize, op: &Op, file: Option<&Arc<Path>>) -> Result<KafkaOp, HistoryError> {
    let kind = match &*op.f {
        "send" => Kind::Send,
        "poll" => Kind::Poll,
        "txn" => Kind::Txn,
        "assign" => Kind::Assign,
        "subscribe" => Kind::Subscribe,
        _ => Kind::Other,
    };
    let ok = op.outcome == Outcome::Ok;
    let value = if ok { &op.output } else { &op.input };
    let line = if ok {
        op.source.complete_line
    } else {
        op.source.invoke_line
    };
    let bad = |what: String| HistoryError::malformed(Location::new(file, line, 0), what);
    let mut out = KafkaOp {
        id,
        process: op.process,
        kind,
        outcome: op.outcome,
        call: op.call,
        ret: op.ret,
        writes: BTreeMap::new(),
        reads: BTreeMap::new(),
        assigned: Vec::new(),
        lines: op.lines(),
        value: value.clone(),
    };
    match kind {
        Kind::Other => {}
        Kind::Assign | Kind::Subscribe => {
            // Only the invocation names the keys for sure; a completion may echo them.
            let keys = op
                .input
                .as_list()
                .ok_or_else(|| bad(format!("{} takes a list of keys, found {}", op.f, op.input)))?;
            out.assigned = keys.to_vec();
        }
        Kind::Send | Kind::Poll | Kind::Txn => {
            let mops = value.as_list().ok_or_else(|| {
                bad(format!(
                    "{} takes a list of micro-ops like [\"send\", k, v] or [\"poll\"], found {value}",
                    op.f
                ))
            })?;
            for mop in mops {
                micro_op(mop, &mut out).map_err(&bad)?;
            }
        }
    }
    Ok(out)
}

fn micro_op(mop: &Value, out: &mut KafkaOp) -> Result<(), String> {
    let parts = mop
        .as_list()
        .ok_or_else(|| format!("a micro-op should be a list, found {mop}"))?;
    match parts.first().and_then(Value::as_text) {
        Some("send") => {
            let [_, key, v] = parts else {
                return Err(format!("a send is [\"send\", key, message], found {mop}"));
            };
            // Jepsen: a vector is an [offset message] pair, anything else a bare message.
            let pair = match v.as_pair() {
                Some((offset, msg)) => (offset_of(offset, mop)?, msg.clone()),
                None => (None, v.clone()),
            };
            out.writes.entry(key.clone()).or_default().push(pair);
            Ok(())
        }
        Some("poll") => match parts {
            [_] => Ok(()),
            [_, Value::Nil] => Ok(()),
            [_, Value::Map(entries)] => {
                for (key, pairs) in entries.iter() {
                    let pairs = pairs.as_list().ok_or_else(|| {
                        format!("a poll maps each key to [[offset, message], ...], found {pairs}")
                    })?;
                    let read = out.reads.entry(key.clone()).or_default();
                    for pair in pairs {
                        let (offset, msg) = pair.as_pair().ok_or_else(|| {
                            format!("a polled message is [offset, message], found {pair}")
                        })?;
                        read.push((offset_of(offset, mop)?, msg.clone()));
                    }
                }
                Ok(())
            }
            _ => Err(format!(
                "a poll is [\"poll\"] or [\"poll\", {{key: [[offset, message], ...]}}], found {mop}"
            )),
        },
        _ => Err(format!(
            "expected a \"send\" or \"poll\" micro-op, found {mop}"
        )),
    }
}

fn offset_of(offset: &Value, mop: &Value) -> Result<Option<i64>, String> {
    match offset {
        Value::Nil => Ok(None),
        Value::Int(o) => Ok(Some(*o)),
        other => Err(format!(
            "an offset should be an integer or null, found {other} in {mop}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::format::{self, Format};

    fn ops(text: &str) -> Vec<Op> {
        let history = format::parse(text.as_bytes(), Format::Jsonl, None).unwrap();
        history.ops(None).unwrap()
    }

    #[test]
    fn a_completed_send_carries_its_offset_and_a_crashed_one_only_its_message() {
        let ops = ops(concat!(
            r#"{"process":0,"type":"invoke","f":"send","value":[["send","a",5]]}"#,
            "\n",
            r#"{"process":0,"type":"ok","f":"send","value":[["send","a",[3,5]]]}"#,
            "\n",
            r#"{"process":1,"type":"invoke","f":"send","value":[["send","a",6]]}"#,
            "\n",
            r#"{"process":1,"type":"info","f":"send","value":[["send","a",6]]}"#,
            "\n",
        ));
        let k = extract(&ops, None).unwrap();
        assert_eq!(
            k[0].writes[&Value::str("a")],
            vec![(Some(3), Value::Int(5))]
        );
        assert_eq!(k[1].writes[&Value::str("a")], vec![(None, Value::Int(6))]);
    }

    #[test]
    fn a_poll_with_a_malformed_pair_is_an_error_naming_its_line() {
        let ops = ops(concat!(
            r#"{"process":0,"type":"invoke","f":"poll","value":[["poll"]]}"#,
            "\n",
            r#"{"process":0,"type":"ok","f":"poll","value":[["poll",{"a":[[1]]}]]}"#,
            "\n",
        ));
        let e = extract(&ops, None).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("[offset, message]"),
            "{e}"
        );
    }
}
