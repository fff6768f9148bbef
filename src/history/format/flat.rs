//! What the flat formats of the transactional-checking literature share (Plume's
//! `r(key,value,session,txn)` lines and AWDIT's `test` format, see `plume.rs` and `awdit.rs`):
//! registers over unsigned integer keys and values, sessions of transactions, no time, and
//! the value 0 for a key's initial state.
//!
//! Read, as events: each transaction becomes an `invoke` and an `ok` event (`f` `txn`, micro-ops
//! `[r k v]` / `[w k v]`, a read of the initial 0 as `nil`), in file order, one process per
//! session. An aborted write (Plume's transaction −1) becomes a `fail` transaction. The files
//! carry no real time: the events are sequential in file order, so real-time models (strict
//! serializability, strong variants) mean nothing on a converted history. Read, as
//! transactions: the same [`FlatTxn`]s, handed out whole, for a checker that keeps its own
//! compact form (the transactional extractor) and has no use for the events.
//!
//! Write: the history's transactions (rw-register only), `ok` ones with their reads, `info`
//! ones with their writes only (their reads are unknown), `fail` ones as aborted writes where
//! the format has them.

use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::history::{Event, EventKind, History, HistoryError, Location, Outcome, Value};

/// One transaction of a flat history, as the flat readers hand them out
/// ([`for_each_flat_txn`](super::for_each_flat_txn)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatTxn {
    /// Its session.
    pub session: u64,
    /// Committed (`false`: aborted).
    pub committed: bool,
    /// `(write, key, value)`; a read of `None` read the initial state.
    pub mops: Vec<(bool, u64, Option<u64>)>,
    /// The source line of its first event.
    pub line: u32,
}

fn int(v: u64) -> Value {
    Value::Int(v as i64)
}

/// Hands the transactions to `sink` as events.
pub(super) fn to_events(
    txns: &[FlatTxn],
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let text = |s: &str| Value::str(s);
    for txn in txns {
        check_range(txn, file)?;
        let mops = |results: bool| {
            Value::list(
                (txn.mops.iter())
                    .map(|&(w, k, v)| {
                        let shown = if w || results {
                            v.map_or(Value::Nil, int)
                        } else {
                            Value::Nil
                        };
                        Value::list(vec![text(if w { "w" } else { "r" }), int(k), shown])
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let mut invoke = Event::new(txn.session, EventKind::Invoke, "txn", mops(false));
        invoke.line = txn.line;
        sink(invoke)?;
        let kind = if txn.committed {
            EventKind::Ok
        } else {
            EventKind::Fail
        };
        let mut done = Event::new(txn.session, kind, "txn", mops(txn.committed));
        done.line = txn.line;
        sink(done)?;
    }
    Ok(())
}

/// Every key and value of `txn` fits an `i64` (as histories hold integers).
pub(super) fn check_range(txn: &FlatTxn, file: Option<&Arc<Path>>) -> Result<(), HistoryError> {
    let above = |x: u64| x > i64::MAX as u64;
    if (txn.mops.iter()).any(|&(_, k, v)| above(k) || v.is_some_and(above)) {
        return Err(HistoryError::malformed(
            Location::new(file, txn.line, 1),
            "a key or value above 2^63 - 1",
        ));
    }
    Ok(())
}

/// The history's transactions in flat form, or an error saying why it has none.
pub(super) fn from_history(history: &History, format: &str) -> io::Result<Vec<FlatTxn>> {
    let bad = |why: String| io::Error::new(io::ErrorKind::InvalidInput, format!("{format}: {why}"));
    let ops = history.ops(None).map_err(|e| bad(e.to_string()))?;
    let unsigned = |v: &Value, what: &str| -> io::Result<u64> {
        match v.as_int() {
            Some(i) if i >= 0 => Ok(i as u64),
            _ => Err(bad(format!(
                "{what} {v} is not a non-negative integer (the format holds integer registers)"
            ))),
        }
    };
    let mut out = Vec::with_capacity(ops.len());
    for op in &ops {
        let value = if op.outcome == Outcome::Ok {
            &op.output
        } else {
            &op.input
        };
        let Some(list) = value.as_list() else {
            return Err(bad(format!("operation {} is not a transaction", op.input)));
        };
        let mut txn = FlatTxn {
            session: op.process,
            committed: op.outcome != Outcome::Fail,
            mops: Vec::with_capacity(list.len()),
            line: op.source.invoke_line,
        };
        for mop in list {
            let Some([f, k, v]) = mop.as_list().and_then(|m| <&[Value; 3]>::try_from(m).ok())
            else {
                return Err(bad(format!("micro-op {mop} is not [f k v]")));
            };
            let key = unsigned(k, "key")?;
            match f.as_text() {
                Some("w") => {
                    let v = unsigned(v, "value")?;
                    if v == 0 {
                        return Err(bad(format!(
                            "a write of 0 to key {key}: 0 is the initial value in this format"
                        )));
                    }
                    txn.mops.push((true, key, Some(v)));
                }
                Some("r") if v.as_list().is_some() => {
                    return Err(bad(
                        "list-append histories have no flat form (registers only)".into(),
                    ))
                }
                Some("r") if op.outcome == Outcome::Ok => {
                    let v = if v.is_nil() {
                        None
                    } else {
                        Some(unsigned(v, "value")?)
                    };
                    txn.mops.push((false, key, v.filter(|&v| v != 0)));
                }
                Some("r") => {}
                Some("append") => {
                    return Err(bad(
                        "list-append histories have no flat form (registers only)".into(),
                    ))
                }
                _ => return Err(bad(format!("micro-op {mop} is not a read or a write"))),
            }
        }
        out.push(txn);
    }
    Ok(out)
}
