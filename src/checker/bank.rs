//! The bank checker: Jepsen's `jepsen.tests.bank` analysis over histories of `transfer` and
//! `read` operations (`{:f :transfer, :value {:from 0, :to 1, :amount 5}}`,
//! `{:f :read, :value {0 10, 1 20}}`), in EDN or JSON lines.
//!
//! Transfers move money between accounts and never create or destroy it, so every `ok` read —
//! a snapshot of every balance — must sum to the bank's total, list every account, and (when
//! the bank forbids overdrafts, as Jepsen's does by default) show no negative balance. A read
//! whose sum is off saw part of a transfer: the debit without the credit, or the reverse. The
//! report names the read, its lines, by how much it is off, and the transfers that could be the
//! partial one (those of that amount invoked before the read returned).
//!
//! Operation outcomes mean what they mean in Jepsen: an `ok` transfer happened, a `fail` one
//! did not (so it is named "should have had no effect" when it explains a sum), an `info` one
//! may have happened at any moment after its invocation. Reads that did not return `ok` read
//! nothing. Transfers are not otherwise judged: a transfer is atomic or not only as the reads
//! see it.
//!
//! Map of this module:
//! - `extract.rs`: [`BankOp`], a read's balances or a transfer's accounts and amount, checked
//!   (a malformed operation is an error naming its line);
//! - `report.rs`: [`BankReport`], [`BankCase`], [`BankError`]: what was found, with the verdict;
//! - the analysis (here): the total (given, or the sum most reads agree on), each read judged.
//!
//! The verdict: invalid when any error is found; `unknown` when no read completed (nothing was
//! judged); valid otherwise.

mod extract;
mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

pub use extract::{BankOp, BankWork};
pub use report::{BankCase, BankError, BankReport, BankStats, OpRef, TotalSource};

use crate::checker::{CheckError, Verdict};
use crate::history::format::{self, Format};
use crate::history::{History, HistoryError, Location, Op, Outcome, Process, Value};

/// At most this many candidate transfers are listed per wrong read.
const CANDIDATES: usize = 4;

/// What the checker knows about the bank beyond the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankOptions {
    /// The total every read must sum to; `None`: the sum most ok reads agree on (reported as
    /// inferred).
    pub total: Option<i64>,
    /// The accounts every read must list; `None`: every account any read or transfer names.
    pub accounts: Option<BTreeSet<i64>>,
    /// Whether balances may be negative (Jepsen's `:negative-balances?`; default no).
    pub negative_balances: bool,
}

/// Checks a bank history.
pub fn check(history: &History, options: &BankOptions) -> Result<BankReport, CheckError> {
    check_ops(&history.ops(None)?, options, None)
}

/// Checks paired operations; errors name `file` when given.
pub fn check_ops(
    ops: &[Op],
    options: &BankOptions,
    file: Option<&Arc<Path>>,
) -> Result<BankReport, CheckError> {
    let ops = extract::extract(ops, file)?;
    Ok(analyse(&ops, options))
}

/// Judges every ok read.
pub fn analyse(ops: &[BankOp], options: &BankOptions) -> BankReport {
    let reads: Vec<(&BankOp, &BTreeMap<i64, Option<i64>>)> = ops
        .iter()
        .filter(|op| op.outcome == Outcome::Ok)
        .filter_map(|op| match &op.work {
            BankWork::Read(Some(balances)) => Some((op, balances)),
            _ => None,
        })
        .collect();
    let accounts = options
        .accounts
        .clone()
        .unwrap_or_else(|| seen_accounts(ops));
    let (total, source) = match options.total {
        Some(t) => (Some(t), TotalSource::Given),
        None => (most_common_sum(&reads), TotalSource::Inferred),
    };
    let mut cases = Vec::new();
    for &(read, balances) in &reads {
        let missing: Vec<i64> = accounts
            .iter()
            .filter(|a| !balances.contains_key(a))
            .copied()
            .collect();
        if !missing.is_empty() {
            cases.push(BankCase::new(
                BankError::MissingAccount,
                format!("the read lists no balance for account(s) {missing:?}"),
                read,
                Vec::new(),
            ));
        }
        let nil: Vec<i64> = balances
            .iter()
            .filter(|(_, b)| b.is_none())
            .map(|(a, _)| *a)
            .collect();
        if !nil.is_empty() {
            cases.push(BankCase::new(
                BankError::NilBalance,
                format!("the read has no value for account(s) {nil:?}"),
                read,
                Vec::new(),
            ));
        }
        let negative: Vec<(i64, i64)> = balances
            .iter()
            .filter_map(|(a, b)| b.filter(|&b| b < 0).map(|b| (*a, b)))
            .collect();
        if !negative.is_empty() && !options.negative_balances {
            let shown: Vec<String> = negative.iter().map(|(a, b)| format!("{a}: {b}")).collect();
            cases.push(BankCase::new(
                BankError::NegativeValue,
                format!(
                    "negative balance(s) {{{}}} in a bank without overdrafts",
                    shown.join(", ")
                ),
                read,
                Vec::new(),
            ));
        }
        let sum: i64 = balances.values().flatten().sum();
        if let Some(total) = total.filter(|&t| t != sum) {
            cases.push(wrong_total(read, sum, total, source, missing.len(), ops));
        }
    }
    let stats = BankStats::of(ops, reads.len(), accounts.len());
    BankReport::new(cases, total, source, stats)
}

/// The case for a read summing to `sum` instead of `total`: the transfers that could be the
/// partial one.
fn wrong_total(
    read: &BankOp,
    sum: i64,
    total: i64,
    source: TotalSource,
    missing: usize,
    ops: &[BankOp],
) -> BankCase {
    let diff = sum - total;
    let candidates: Vec<&BankOp> = ops
        .iter()
        .filter(|op| op.call < read.ret)
        .filter(|op| matches!(op.work, BankWork::Transfer { amount, .. } if amount == diff.abs()))
        .take(CANDIDATES)
        .collect();
    let what = if diff < 0 {
        "a debit without its credit"
    } else {
        "a credit without its debit"
    };
    let total_note = match source {
        TotalSource::Given => String::new(),
        TotalSource::Inferred => " (the total most reads agree on)".to_string(),
    };
    let mut text = format!(
        "the balances sum to {sum}, {} {} the total {total}{total_note}",
        diff.abs(),
        if diff < 0 { "less than" } else { "more than" }
    );
    if missing > 0 {
        text.push_str("; accounts are missing from it");
    } else if candidates.is_empty() {
        text.push_str(&format!(
            ": {what}, or several transfers seen in part (no single transfer of {} was invoked \
             before the read returned)",
            diff.abs()
        ));
    } else {
        text.push_str(&format!(
            ": the read saw {what} — a transfer of {} seen in part; candidates below",
            diff.abs()
        ));
    }
    BankCase::new(BankError::WrongTotal, text, read, candidates)
}

/// Every account a read or a transfer names.
fn seen_accounts(ops: &[BankOp]) -> BTreeSet<i64> {
    let mut accounts = BTreeSet::new();
    for op in ops {
        match &op.work {
            BankWork::Read(Some(balances)) if op.outcome == Outcome::Ok => {
                accounts.extend(balances.keys().copied())
            }
            BankWork::Transfer { from, to, .. } => {
                accounts.insert(*from);
                accounts.insert(*to);
            }
            _ => {}
        }
    }
    accounts
}

/// The sum most reads agree on (the smallest such sum on a tie), or `None` without reads.
fn most_common_sum(reads: &[(&BankOp, &BTreeMap<i64, Option<i64>>)]) -> Option<i64> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for (_, balances) in reads {
        *counts.entry(balances.values().flatten().sum()).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|&(_, c)| c == best).map(|(s, _)| s)
}

/// Whether an event is a bank transfer (how a bank history is told apart: reads alone look
/// like a register's).
pub fn looks_bank(f: &str) -> bool {
    f == "transfer"
}

/// Whether the file at `path` holds a bank history: some client operation is a `transfer`.
pub fn file_is_bank(path: &Path, format: Option<Format>) -> Result<bool, HistoryError> {
    // A history without transfers is read to its end to know it: a whole second parse of every
    // large register history. Its bytes tell it far faster.
    if !may_hold_transfer(path).map_err(|error| HistoryError::Io {
        path: path.to_path_buf(),
        error,
    })? {
        return Ok(false);
    }
    let mut found = false;
    let stop = |at| HistoryError::malformed(Location::new(None, at, 0), "stop");
    let read = format::for_each_event(path, format, &mut |e| {
        if matches!(e.process, Process::Client(_)) && looks_bank(&e.f) {
            found = true;
            return Err(stop(e.line));
        }
        Ok(())
    });
    match (read, found) {
        (_, true) => Ok(true),
        (Ok(_), false) => Ok(false),
        (Err(e), false) => Err(e),
    }
}

/// Whether the bytes of `path` could spell a `transfer` operation in any format we read: they
/// hold the word itself, or a backslash (an escape could spell it). Without either the file is no
/// bank history, whatever its format; a scan of the bytes costs a few percent of parsing them.
fn may_hold_transfer(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    const WORD: &[u8] = b"transfer";
    let word = memchr::memmem::Finder::new(WORD);
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0; 1 << 20];
    // The last bytes of the previous chunk, so a word cut in two is still found.
    let mut kept = 0;
    loop {
        let read = file.read(&mut buf[kept..])?;
        if read == 0 {
            return Ok(false);
        }
        let end = kept + read;
        let chunk = &buf[..end];
        if word.find(chunk).is_some() || memchr::memchr(b'\\', &chunk[kept..]).is_some() {
            return Ok(true);
        }
        kept = (WORD.len() - 1).min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// Reads and checks the bank history in `path`.
pub fn check_file(
    path: &Path,
    format: Option<Format>,
    options: &BankOptions,
) -> Result<(Format, BankReport), CheckError> {
    let (format, ops) = format::read_ops(path, format)?;
    let file: Arc<Path> = path.into();
    Ok((format, check_ops(&ops, options, Some(&file))?))
}

/// The verdict for a report's cases and read count.
fn verdict(cases: &[BankCase], reads: usize) -> Verdict {
    if !cases.is_empty() {
        Verdict::Invalid
    } else if reads == 0 {
        Verdict::Unknown
    } else {
        Verdict::Valid
    }
}

/// A value as an account number: an integer, or a string or keyword holding one.
fn as_number(v: &Value) -> Option<i64> {
    v.as_int()
        .or_else(|| v.as_text().and_then(|t| t.parse().ok()))
}

#[cfg(test)]
mod tests;
