//! The patterns a violation is named by ([`Pattern`]), and a read no commit order can explain
//! ([`BadRead`]), shared by the view (which finds bad reads) and the witness.

use serde::Serialize;

use crate::checker::transactional::txn::KeyId;

/// The shape of a violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// A read of a value no transaction wrote.
    ThinAirRead,
    /// A read of a value a failed transaction wrote.
    AbortedRead,
    /// A read of a value its own transaction writes only later.
    FutureRead,
    /// A read that misses its own transaction's last earlier write of the key.
    NotMyOwnWrite,
    /// A read of a value its writer overwrote in the same transaction.
    IntermediateRead,
    /// list-append: two reads of a key that no order of appends explains.
    IncompatibleOrder,
    /// A cycle of session order, write-read (and, for list-append, version order) alone.
    CausalityCycle,
    /// A transaction read a key from one writer after observing a later writer of it.
    NonMonotonicRead,
    /// A transaction read one key from two different writers.
    NonRepeatableRead,
    /// A transaction observed a writer of a key but read the key from an earlier one.
    FracturedRead,
    /// A transaction read a key from a writer older than one that happens before it.
    CausalViolation,
}

impl Pattern {
    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::ThinAirRead => "thin-air-read",
            Pattern::AbortedRead => "aborted-read",
            Pattern::FutureRead => "future-read",
            Pattern::NotMyOwnWrite => "not-my-own-write",
            Pattern::IntermediateRead => "intermediate-read",
            Pattern::IncompatibleOrder => "incompatible-order",
            Pattern::CausalityCycle => "causality-cycle",
            Pattern::NonMonotonicRead => "non-monotonic-read",
            Pattern::NonRepeatableRead => "non-repeatable-read",
            Pattern::FracturedRead => "fractured-read",
            Pattern::CausalViolation => "causal-violation",
        }
    }
}

/// A read that no commit order can explain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadRead {
    /// What is wrong with it.
    pub pattern: Pattern,
    /// The reading transaction.
    pub txn: u32,
    /// Index of the read.
    pub mop: u32,
    /// The key.
    pub key: KeyId,
    /// The writer concerned, if any.
    pub writer: Option<u32>,
}

impl BadRead {
    /// A bad read of `key` by micro-op `mop` of `txn`.
    pub fn new(pattern: Pattern, txn: u32, mop: u32, key: KeyId, writer: Option<u32>) -> Self {
        BadRead {
            pattern,
            txn,
            mop,
            key,
            writer,
        }
    }
}
