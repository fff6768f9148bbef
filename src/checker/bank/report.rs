//! [`BankReport`]: the bank checker's findings: one [`BankCase`] per error found in a read,
//! with the read and the transfers that explain it, and the verdict.

use std::fmt;

use serde::Serialize;

use super::{verdict, BankOp, BankWork};
use crate::checker::Verdict;
use crate::history::Outcome;

/// The error types, as Jepsen's bank checker names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BankError {
    /// A read's balances do not sum to the total (it saw part of a transfer).
    WrongTotal,
    /// A read shows a negative balance in a bank without overdrafts.
    NegativeValue,
    /// A read has `nil` for an account.
    NilBalance,
    /// A read lists no balance for an account the bank has.
    MissingAccount,
}

impl BankError {
    /// The name in reports (`wrong-total`).
    pub fn name(self) -> &'static str {
        match self {
            BankError::WrongTotal => "wrong-total",
            BankError::NegativeValue => "negative-value",
            BankError::NilBalance => "nil-balance",
            BankError::MissingAccount => "missing-account",
        }
    }
}

/// Where the total came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TotalSource {
    /// Given (the workload's, or `--total`).
    Given,
    /// The sum most reads agree on.
    Inferred,
}

/// An operation named by a case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpRef {
    /// The client process.
    pub process: u64,
    /// The function.
    pub f: String,
    /// `ok`, `fail` or `info`.
    pub outcome: &'static str,
    /// Where it is (`lines 4–9`).
    pub lines: String,
    /// Its value.
    pub value: String,
    /// What its outcome means here.
    pub note: &'static str,
}

impl OpRef {
    fn of(op: &BankOp) -> OpRef {
        let (outcome, note) = match (op.outcome, &op.work) {
            (Outcome::Ok, BankWork::Transfer { .. }) => ("ok", "acknowledged: it happened"),
            (Outcome::Fail, BankWork::Transfer { .. }) => {
                ("fail", "failed: it should have had no effect at all")
            }
            (Outcome::Info, BankWork::Transfer { .. }) => (
                "info",
                "indefinite: it may have happened, but all of it or none",
            ),
            (Outcome::Ok, _) => ("ok", ""),
            (Outcome::Fail, _) => ("fail", ""),
            (Outcome::Info, _) => ("info", ""),
        };
        OpRef {
            process: op.process,
            f: op.f.clone(),
            outcome,
            lines: op.lines.clone(),
            value: op.value.to_string(),
            note,
        }
    }
}

impl fmt::Display for OpRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p{} {} {} ({}): {}",
            self.process, self.f, self.outcome, self.lines, self.value
        )?;
        if !self.note.is_empty() {
            write!(f, " — {}", self.note)?;
        }
        Ok(())
    }
}

/// One error in one read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BankCase {
    /// The error type.
    pub error: BankError,
    /// What is wrong, in a sentence.
    pub text: String,
    /// The read.
    pub read: OpRef,
    /// The transfers that could explain it (for `wrong-total`).
    pub transfers: Vec<OpRef>,
}

impl BankCase {
    pub(super) fn new(
        error: BankError,
        text: String,
        read: &BankOp,
        transfers: Vec<&BankOp>,
    ) -> BankCase {
        BankCase {
            error,
            text,
            read: OpRef::of(read),
            transfers: transfers.into_iter().map(OpRef::of).collect(),
        }
    }
}

/// Counts over the history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BankStats {
    /// Reads that returned ok (each judged).
    pub reads_ok: usize,
    /// Transfers by outcome.
    pub transfers_ok: usize,
    /// Failed transfers.
    pub transfers_fail: usize,
    /// Indefinite transfers.
    pub transfers_info: usize,
    /// Accounts every read must list.
    pub accounts: usize,
}

impl BankStats {
    pub(super) fn of(ops: &[BankOp], reads_ok: usize, accounts: usize) -> BankStats {
        let transfers = |outcome| {
            ops.iter()
                .filter(|op| op.outcome == outcome && matches!(op.work, BankWork::Transfer { .. }))
                .count()
        };
        BankStats {
            reads_ok,
            transfers_ok: transfers(Outcome::Ok),
            transfers_fail: transfers(Outcome::Fail),
            transfers_info: transfers(Outcome::Info),
            accounts,
        }
    }
}

/// What the bank checker found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BankReport {
    /// Invalid if any case was found; unknown if no read returned ok; else valid.
    pub verdict: Verdict,
    /// The total reads were held to (`None`: no read to infer it from).
    pub total: Option<i64>,
    /// Where the total came from.
    pub total_source: TotalSource,
    /// Counts.
    pub stats: BankStats,
    /// Every error found, read by read, in history order.
    pub cases: Vec<BankCase>,
}

impl BankReport {
    pub(super) fn new(
        cases: Vec<BankCase>,
        total: Option<i64>,
        total_source: TotalSource,
        stats: BankStats,
    ) -> BankReport {
        BankReport {
            verdict: verdict(&cases, stats.reads_ok),
            total,
            total_source,
            stats,
            cases,
        }
    }

    /// How many cases of `error` were found.
    pub fn count(&self, error: BankError) -> usize {
        self.cases.iter().filter(|c| c.error == error).count()
    }

    /// One line: the counts and, if any, the errors found.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        let total = match (self.total, self.total_source) {
            (Some(t), TotalSource::Given) => format!("total {t}"),
            (Some(t), TotalSource::Inferred) => format!("total {t} (inferred from the reads)"),
            (None, _) => "no total".to_string(),
        };
        let mut line = format!(
            "{} ok reads over {} accounts, {total}; transfers: {} ok, {} fail, {} info",
            s.reads_ok, s.accounts, s.transfers_ok, s.transfers_fail, s.transfers_info
        );
        if self.verdict == crate::checker::Verdict::Unknown {
            line.push_str("; no read returned, so nothing was judged");
        }
        let mut kinds: Vec<BankError> = self.cases.iter().map(|c| c.error).collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            let found: Vec<String> = kinds
                .iter()
                .map(|&k| format!("{} ×{}", k.name(), self.count(k)))
                .collect();
            line.push_str(&format!("; found {}", found.join(", ")));
        }
        line
    }
}
