//! A small language for transactional histories in tests (our own, not Elle's):
//!
//! | text | micro-op |
//! |---|---|
//! | `x<1` | append 1 to key `x` |
//! | `x=[1,2]`, `x=[]` | read key `x` (list-append), returning `[1, 2]` / `[]` |
//! | `x:=3` | write 3 to key `x` (rw-register) |
//! | `x=3`, `x=nil` | read key `x` (rw-register), returning 3 / nil |
//!
//! Micro-ops are separated by spaces. [`H`] adds events in the order the test calls it, so
//! concurrency is spelled out: `h.invoke(1, "x<1")` ... `h.ok(1, "x<1")`; `h.txn(p, ...)` is an
//! invocation followed at once by its `ok` completion. Invocations get the completion's
//! micro-ops with every read's result replaced by nil, as Jepsen records them.

use splitbrain::history::{Event, EventKind, History, Value};

/// Parses one transaction; `invoke` blanks the reads.
pub fn mops(text: &str, invoke: bool) -> Value {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let (f, key, value) = if let Some((k, v)) = token.split_once(":=") {
            ("w", k, scalar(v))
        } else if let Some((k, v)) = token.split_once('<') {
            ("append", k, scalar(v))
        } else if let Some((k, v)) = token.split_once('=') {
            let v = if let Some(list) = v.strip_prefix('[') {
                let items: Vec<Value> = list
                    .trim_end_matches(']')
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(scalar)
                    .collect();
                Value::list(items)
            } else {
                scalar(v)
            };
            ("r", k, if invoke { Value::Nil } else { v })
        } else {
            panic!("bad micro-op {token:?}")
        };
        out.push(Value::list(vec![Value::str(f), Value::str(key), value]));
    }
    Value::list(out)
}

fn scalar(s: &str) -> Value {
    if s == "nil" || s == "_" {
        return Value::Nil;
    }
    s.parse::<i64>()
        .map(Value::Int)
        .unwrap_or_else(|_| panic!("bad value {s:?}"))
}

/// A history under construction.
#[derive(Default)]
pub struct H {
    events: Vec<Event>,
}

impl H {
    pub fn new() -> H {
        H::default()
    }

    fn push(&mut self, process: u64, kind: EventKind, value: Value) -> &mut H {
        let mut e = Event::new(process, kind, "txn", value);
        e.index = Some(self.events.len() as u64);
        e.line = self.events.len() as u32 + 1;
        self.events.push(e);
        self
    }

    /// Invokes a transaction (reads blanked).
    pub fn invoke(&mut self, process: u64, text: &str) -> &mut H {
        self.push(process, EventKind::Invoke, mops(text, true))
    }

    /// Completes `process`'s transaction with `ok` and these micro-ops.
    pub fn ok(&mut self, process: u64, text: &str) -> &mut H {
        self.push(process, EventKind::Ok, mops(text, false))
    }

    /// Completes `process`'s transaction with `fail`.
    pub fn fail(&mut self, process: u64, text: &str) -> &mut H {
        self.push(process, EventKind::Fail, mops(text, true))
    }

    /// Completes `process`'s transaction with `info`.
    pub fn info(&mut self, process: u64, text: &str) -> &mut H {
        self.push(process, EventKind::Info, mops(text, true))
    }

    /// An invocation followed at once by its `ok` completion.
    pub fn txn(&mut self, process: u64, text: &str) -> &mut H {
        self.invoke(process, text).ok(process, text)
    }

    /// An invocation followed at once by its `fail` completion.
    pub fn failed(&mut self, process: u64, text: &str) -> &mut H {
        self.invoke(process, text).fail(process, text)
    }

    /// An invocation followed at once by an `info` completion.
    pub fn crashed(&mut self, process: u64, text: &str) -> &mut H {
        self.invoke(process, text).info(process, text)
    }

    /// The history.
    pub fn history(&self) -> History {
        History::new(self.events.clone())
    }
}
