//! [`Event`]: one line of a history, shaped like Jepsen's op map.

use std::fmt;
use std::sync::Arc;

use super::Value;

/// Who issued an event: a client process, or the nemesis (the fault injector).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    /// A client process. A process runs one operation at a time; after an `info` completion it
    /// never issues again (the runner gives the logical client a fresh id).
    Client(u64),
    /// The nemesis. Its events are always `info` and never part of a check.
    Nemesis,
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Client(p) => write!(f, "{p}"),
            Process::Nemesis => f.write_str("nemesis"),
        }
    }
}

/// The `type` of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The operation was invoked.
    Invoke,
    /// The operation completed and took effect.
    Ok,
    /// The operation definitely did not take effect.
    Fail,
    /// The outcome is unknown: the operation may have taken effect, at any time after its invoke.
    Info,
}

impl EventKind {
    /// The name used in both formats (`invoke`, `ok`, `fail`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        }
    }

    /// Parses a type name.
    pub fn from_name(name: &str) -> Option<EventKind> {
        Some(match name {
            "invoke" => EventKind::Invoke,
            "ok" => EventKind::Ok,
            "fail" => EventKind::Fail,
            "info" => EventKind::Info,
            _ => return None,
        })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of a history.
///
/// Field names follow Jepsen's op map so that the native JSON lines and Jepsen EDN convert into
/// each other without loss. Fields the harness does not interpret are kept in
/// [`Event::extra`], in the order they were read.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Jepsen's `:index`, when the source had one.
    pub index: Option<u64>,
    /// Nanoseconds on the recorder's monotonic clock, when the source had them. Checking uses the
    /// order of events in the file, never this field.
    pub time: Option<i64>,
    /// Who issued it.
    pub process: Process,
    /// `invoke`, `ok`, `fail` or `info`.
    pub kind: EventKind,
    /// The function: `read`, `write`, `cas`, `acquire`, ...
    pub f: Arc<str>,
    /// The object the operation acts on, for histories over many independent keys.
    pub key: Option<Value>,
    /// The argument (on invoke) or result (on completion).
    pub value: Value,
    /// Jepsen's `:error`, usually on `fail` and `info` completions.
    pub error: Option<Value>,
    /// Any other fields, in source order.
    pub extra: Vec<(Box<str>, Value)>,
    /// The 1-based line of the source file the event came from; 0 for events built in memory.
    pub line: u32,
}

impl Event {
    /// A client event with no index, time, key, error or extra fields.
    pub fn new(process: u64, kind: EventKind, f: &str, value: Value) -> Event {
        Event {
            index: None,
            time: None,
            process: Process::Client(process),
            kind,
            f: f.into(),
            key: None,
            value,
            error: None,
            extra: Vec::new(),
            line: 0,
        }
    }

    /// The same event on `key`.
    pub fn with_key(mut self, key: Value) -> Event {
        self.key = Some(key);
        self
    }
}
