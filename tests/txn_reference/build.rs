//! Histories written by hand, in a compact language close to Elle's test notation.
//!
//! A transaction is micro-ops separated by spaces; keys are single letters (keywords `:x`),
//! values integers:
//! - `ax1`: append 1 to x; `wx1`: write 1 to x;
//! - `rx[1,2]`: read x as the list `[1 2]` (`rx[]`: empty); `rx1`: read x as 1; `rx_`: read x as
//!   nil; `rx`: a read whose result is not known (it completes `fail` or `info`).
//!
//! [`Builder::invoke`] records an invocation (reads as nil) and returns a handle; [`Builder::ok`],
//! [`Builder::fail`] and [`Builder::info`] record its completion, in the order called, so real-time
//! overlap is written out. [`Builder::txn`] is an invocation completed `ok` at once.

use splitbrain::history::{Event, EventKind, History, Value};

/// A transaction invoked and not yet completed.
#[derive(Clone, Debug)]
pub struct Tx {
    process: u64,
    completed: Value,
    invoked: Value,
}

/// Builds a history event by event.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    events: Vec<Event>,
}

impl Builder {
    /// An empty history.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Records `process` invoking `txn` (written with its results, see the module docs).
    pub fn invoke(&mut self, process: u64, txn: &str) -> Tx {
        let (invoked, completed) = parse(txn);
        self.push(process, EventKind::Invoke, invoked.clone());
        Tx {
            process,
            completed,
            invoked,
        }
    }

    /// Records `tx` completing `ok`, with its results.
    pub fn ok(&mut self, tx: &Tx) {
        self.push(tx.process, EventKind::Ok, tx.completed.clone());
    }

    /// Records `tx` completing `fail`.
    pub fn fail(&mut self, tx: &Tx) {
        self.push(tx.process, EventKind::Fail, tx.invoked.clone());
    }

    /// Records `tx` completing `info`.
    pub fn info(&mut self, tx: &Tx) {
        self.push(tx.process, EventKind::Info, tx.invoked.clone());
    }

    /// Records `process` running `txn` to an `ok` completion, overlapping nothing.
    pub fn txn(&mut self, process: u64, txn: &str) {
        let tx = self.invoke(process, txn);
        self.ok(&tx);
    }

    /// The history so far.
    pub fn history(&self) -> History {
        History::new(self.events.clone())
    }

    fn push(&mut self, process: u64, kind: EventKind, value: Value) {
        let mut event = Event::new(process, kind, "txn", value);
        event.index = Some(self.events.len() as u64);
        self.events.push(event);
    }
}

/// A transaction's invocation value and completion value.
pub fn parse(txn: &str) -> (Value, Value) {
    let (invoked, completed): (Vec<Value>, Vec<Value>) = txn.split_whitespace().map(mop).unzip();
    (Value::list(invoked), Value::list(completed))
}

fn mop(token: &str) -> (Value, Value) {
    let mut chars = token.chars();
    let (Some(f), Some(key)) = (chars.next(), chars.next()) else {
        panic!("micro-op {token:?}: expected f, key, value");
    };
    let rest = chars.as_str();
    let key = Value::Keyword(key.to_string().into());
    let int = |text: &str| {
        Value::Int(
            text.parse()
                .unwrap_or_else(|_| panic!("value in {token:?}")),
        )
    };
    let op = |name: &str, value: Value| {
        Value::list(vec![Value::Keyword(name.into()), key.clone(), value])
    };
    match f {
        'a' => (op("append", int(rest)), op("append", int(rest))),
        'w' => (op("w", int(rest)), op("w", int(rest))),
        'r' => {
            let result = match rest {
                "" => Value::Nil,
                "_" => Value::Nil,
                list if list.starts_with('[') && list.ends_with(']') => {
                    let inner = &list[1..list.len() - 1];
                    Value::list(
                        inner
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(int)
                            .collect::<Vec<_>>(),
                    )
                }
                value => int(value),
            };
            (op("r", Value::Nil), op("r", result))
        }
        _ => panic!("micro-op {token:?}: expected a, w or r"),
    }
}
