//! [`HistoryEvent`]: one client event, shaped like a line of splitbrain's native history.

use std::fmt;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::maelstrom::ErrorCode;

/// The `type` of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The client sent the request.
    Invoke,
    /// The operation took effect.
    Ok,
    /// The operation definitely did not take effect (a definite error).
    Fail,
    /// The outcome is unknown (an indefinite error).
    Info,
}

/// The operation (`f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// `read`.
    Read,
    /// `write`.
    Write,
    /// `cas`, value `[from, to]`.
    Cas,
    /// `acquire` a lock; completes with the fencing token.
    Acquire,
    /// `release` a lock, value the token.
    Release,
}

impl Function {
    /// The name in histories.
    pub fn name(self) -> &'static str {
        match self {
            Function::Read => "read",
            Function::Write => "write",
            Function::Cas => "cas",
            Function::Acquire => "acquire",
            Function::Release => "release",
        }
    }
}

/// An argument or result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpValue {
    /// `null`.
    Null,
    /// An integer.
    Int(u64),
    /// A pair `[a, b]` (a `cas` argument).
    Pair(u64, u64),
}

impl Serialize for OpValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            OpValue::Null => serializer.serialize_unit(),
            OpValue::Int(v) => serializer.serialize_u64(v),
            OpValue::Pair(a, b) => [a, b].serialize(serializer),
        }
    }
}

impl fmt::Display for OpValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpValue::Null => f.write_str("nil"),
            OpValue::Int(v) => write!(f, "{v}"),
            OpValue::Pair(a, b) => write!(f, "[{a} {b}]"),
        }
    }
}

/// One event of a client history.
///
/// Serializes as a line of splitbrain's native history:
/// `{"process":0,"type":"fail","f":"read","value":null,"error":"temporarily-unavailable"}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HistoryEvent {
    /// The client's index (`c0` is process 0).
    pub process: u32,
    /// Invocation or completion.
    pub kind: EventKind,
    /// The operation.
    pub f: Function,
    /// The argument on `invoke`; the result on `ok` (the argument again for a write); the
    /// argument on `fail` and `info`.
    pub value: OpValue,
    /// The error of a `fail` or `info` completion.
    pub error: Option<ErrorCode>,
    /// The request's `msg_id` (pairs a completion with its invocation; not serialized).
    pub msg_id: u64,
}

impl Serialize for HistoryEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("process", &self.process)?;
        map.serialize_entry("type", &self.kind)?;
        map.serialize_entry("f", &self.f)?;
        map.serialize_entry("value", &self.value)?;
        if let Some(error) = self.error {
            map.serialize_entry("error", error.name())?;
        }
        map.end()
    }
}

impl fmt::Display for HistoryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        };
        write!(
            f,
            "c{} {kind} {} {}",
            self.process,
            self.f.name(),
            self.value
        )?;
        if let Some(error) = self.error {
            write!(f, " ({})", error.name())?;
        }
        Ok(())
    }
}

/// Writes `events` as native history JSON lines, each with its `index`.
pub fn to_jsonl(events: &[HistoryEvent]) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        index: usize,
        #[serde(flatten)]
        event: &'a HistoryEvent,
    }
    let mut out = String::new();
    for (index, event) in events.iter().enumerate() {
        let line = serde_json::to_string(&Line { index, event }).expect("events serialize");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// What a message means for the client history, as a spec tells the recorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// A request: sent by a client, it invokes an operation.
    Invoke {
        /// The request id.
        msg_id: u64,
        /// The operation.
        f: Function,
        /// Its argument.
        value: OpValue,
    },
    /// A reply: received by a client, it completes the operation it replies to.
    Complete {
        /// The request id it answers.
        in_reply_to: u64,
        /// How the operation ended.
        completion: Completion,
    },
    /// Not client traffic.
    Nothing,
}

impl Observed {
    /// An invocation.
    pub fn invoke(msg_id: u64, f: Function, value: OpValue) -> Observed {
        Observed::Invoke { msg_id, f, value }
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// It took effect, returning a value (`None`: the result is the argument, as for writes).
    Ok(Option<OpValue>),
    /// An error reply: `fail` if the code is definite, else `info`.
    Error(ErrorCode),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_as_native_history_lines() {
        let events = [
            HistoryEvent {
                process: 0,
                kind: EventKind::Invoke,
                f: Function::Write,
                value: OpValue::Int(3),
                error: None,
                msg_id: 1,
            },
            HistoryEvent {
                process: 1,
                kind: EventKind::Fail,
                f: Function::Cas,
                value: OpValue::Pair(1, 2),
                error: Some(ErrorCode::PreconditionFailed),
                msg_id: 1,
            },
        ];
        assert_eq!(
            to_jsonl(&events),
            "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":3}\n\
             {\"index\":1,\"process\":1,\"type\":\"fail\",\"f\":\"cas\",\"value\":[1,2],\
             \"error\":\"precondition-failed\"}\n"
        );
    }
}
