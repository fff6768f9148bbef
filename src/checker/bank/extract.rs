//! [`BankOp`]: a paired operation of a bank history, with its transfer or its balances pulled
//! out of the value and checked.
//!
//! A transfer's accounts and amount come from its invocation (`{from, to, amount}`, keys as
//! strings or keywords); a read's balances from its `ok` completion (a map of account to
//! balance; JSON's string keys `"0"` are read as account 0). Other functions are carried along
//! and ignored.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::as_number;
use crate::history::{HistoryError, Location, Op, Outcome, Value};

/// What a bank operation does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BankWork {
    /// Move `amount` from `from` to `to`.
    Transfer {
        /// The debited account.
        from: i64,
        /// The credited account.
        to: i64,
        /// How much.
        amount: i64,
    },
    /// Read every balance: account → balance (`None`: `nil`), for an ok read; `None` for a
    /// read that did not return.
    Read(Option<BTreeMap<i64, Option<i64>>>),
    /// Anything else: not analysed.
    Other,
}

/// One operation of a bank history.
#[derive(Clone, Debug)]
pub struct BankOp {
    /// The client process.
    pub process: u64,
    /// The function.
    pub f: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The invocation's position in the history.
    pub call: u64,
    /// The completion's position ([`crate::history::NEVER`] when it has none).
    pub ret: u64,
    /// What it does.
    pub work: BankWork,
    /// Where it came from (`lines 4–9`).
    pub lines: String,
    /// The value shown in reports (the read's result, the transfer's argument).
    pub value: Value,
}

/// The bank operations of `ops`; an error names the line of an operation that is malformed.
pub fn extract(ops: &[Op], file: Option<&Arc<Path>>) -> Result<Vec<BankOp>, HistoryError> {
    ops.iter().map(|op| one(op, file)).collect()
}

fn one(op: &Op, file: Option<&Arc<Path>>) -> Result<BankOp, HistoryError> {
    let bad = |line: u32, what: String| HistoryError::malformed(Location::new(file, line, 0), what);
    let (work, value) = match &*op.f {
        "transfer" => {
            let transfer = transfer(&op.input).ok_or_else(|| {
                bad(
                    op.source.invoke_line,
                    format!(
                        "a transfer's value should be a map {{from, to, amount}} of integers, \
                         found {}",
                        op.input
                    ),
                )
            })?;
            (transfer, op.input.clone())
        }
        "read" if op.outcome == Outcome::Ok => {
            let balances = balances(&op.output).ok_or_else(|| {
                bad(
                    op.source.complete_line,
                    format!(
                        "an ok read's value should map accounts to integer balances (or nil), \
                         found {}",
                        op.output
                    ),
                )
            })?;
            (BankWork::Read(Some(balances)), op.output.clone())
        }
        "read" => (BankWork::Read(None), op.input.clone()),
        _ => (BankWork::Other, op.input.clone()),
    };
    Ok(BankOp {
        process: op.process,
        f: op.f.to_string(),
        outcome: op.outcome,
        call: op.call,
        ret: op.ret,
        work,
        lines: op.lines(),
        value,
    })
}

fn transfer(value: &Value) -> Option<BankWork> {
    let Value::Map(entries) = value else {
        return None;
    };
    let field = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .and_then(|(_, v)| as_number(v))
    };
    Some(BankWork::Transfer {
        from: field("from")?,
        to: field("to")?,
        amount: field("amount")?,
    })
}

fn balances(value: &Value) -> Option<BTreeMap<i64, Option<i64>>> {
    let Value::Map(entries) = value else {
        return None;
    };
    entries
        .iter()
        .map(|(k, v)| {
            let balance = match v {
                Value::Nil => None,
                v => Some(v.as_int()?),
            };
            Some((as_number(k)?, balance))
        })
        .collect()
}
