//! Maelstrom's error table ([`ERROR_TABLE`], `doc/protocol.md`, `resources/errors.edn`): the one
//! copy splitbrain has — the models' nodes send from it and the runner's clients judge replies
//! by it — and [`ErrorCode`], the codes our nodes send.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One row of Maelstrom's error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorRow {
    /// The numeric code.
    pub code: u16,
    /// Its name, e.g. `temporarily-unavailable`.
    pub name: &'static str,
    /// Definite: the operation did not happen and never will.
    pub definite: bool,
}

/// Maelstrom's error codes. Codes not listed here are indefinite.
pub const ERROR_TABLE: [ErrorRow; 11] = [
    row(0, "timeout", false),
    row(1, "node-not-found", true),
    row(10, "not-supported", true),
    row(11, "temporarily-unavailable", true),
    row(12, "malformed-request", true),
    row(13, "crash", false),
    row(14, "abort", true),
    row(20, "key-does-not-exist", true),
    row(21, "key-already-exists", true),
    row(22, "precondition-failed", true),
    row(30, "txn-conflict", true),
];

const fn row(code: u16, name: &'static str, definite: bool) -> ErrorRow {
    ErrorRow {
        code,
        name,
        definite,
    }
}

impl ErrorRow {
    /// The row of `code` as it came on the wire; `None` for codes outside the table (user codes
    /// ≥ 1000, unknown ones, and anything that is not a u16), which count as indefinite.
    pub fn lookup(code: i64) -> Option<ErrorRow> {
        ERROR_TABLE
            .iter()
            .copied()
            .find(|r| i64::from(r.code) == code)
    }
}

/// An error code in an `error` body. Serialized as its number.
///
/// Definite errors mean the operation did not happen and never will (the client records `fail`);
/// any other code is indefinite (`info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u16", from = "u16")]
pub enum ErrorCode {
    /// 0, `timeout`: indefinite.
    Timeout,
    /// 11, `temporarily-unavailable`: cannot serve now (no leader, not decided yet). Definite.
    TemporarilyUnavailable,
    /// 13, `crash`: general indefinite failure.
    Crash,
    /// 20, `key-does-not-exist`. Definite.
    KeyDoesNotExist,
    /// 22, `precondition-failed`: a CAS `from` mismatch, a stale fencing token. Definite.
    PreconditionFailed,
    /// Any other code (kept as sent; indefinite unless Maelstrom's table says otherwise).
    Other(u16),
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::Timeout => 0,
            ErrorCode::TemporarilyUnavailable => 11,
            ErrorCode::Crash => 13,
            ErrorCode::KeyDoesNotExist => 20,
            ErrorCode::PreconditionFailed => 22,
            ErrorCode::Other(code) => code,
        }
    }

    /// Maelstrom's name for the code (`temporarily-unavailable`, …), `unknown` outside the
    /// table.
    pub fn name(self) -> &'static str {
        ErrorRow::lookup(self.code().into()).map_or("unknown", |r| r.name)
    }

    /// Whether the operation definitely did not happen (Maelstrom's `definite?`).
    pub fn is_definite(self) -> bool {
        ErrorRow::lookup(self.code().into()).is_some_and(|r| r.definite)
    }
}

impl From<ErrorCode> for u16 {
    fn from(code: ErrorCode) -> u16 {
        code.code()
    }
}

impl From<u16> for ErrorCode {
    fn from(code: u16) -> ErrorCode {
        match code {
            0 => ErrorCode::Timeout,
            11 => ErrorCode::TemporarilyUnavailable,
            13 => ErrorCode::Crash,
            20 => ErrorCode::KeyDoesNotExist,
            22 => ErrorCode::PreconditionFailed,
            other => ErrorCode::Other(other),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_numbers_and_know_their_definiteness() {
        assert_eq!(
            serde_json::to_string(&ErrorCode::PreconditionFailed).unwrap(),
            "22"
        );
        assert_eq!(
            serde_json::from_str::<ErrorCode>("11").unwrap(),
            ErrorCode::TemporarilyUnavailable
        );
        assert_eq!(
            serde_json::from_str::<ErrorCode>("14").unwrap(),
            ErrorCode::Other(14)
        );
        assert!(ErrorCode::KeyDoesNotExist.is_definite());
        assert!(ErrorCode::Other(14).is_definite());
        assert!(!ErrorCode::Crash.is_definite());
        assert!(!ErrorCode::Timeout.is_definite());
    }

    #[test]
    fn every_named_code_agrees_with_the_table() {
        let named = [
            ErrorCode::Timeout,
            ErrorCode::TemporarilyUnavailable,
            ErrorCode::Crash,
            ErrorCode::KeyDoesNotExist,
            ErrorCode::PreconditionFailed,
        ];
        for code in named {
            let row = ErrorRow::lookup(code.code().into()).expect("in the table");
            assert_eq!((code.name(), code.is_definite()), (row.name, row.definite));
            assert_eq!(ErrorCode::from(row.code), code);
        }
        assert_eq!(ErrorCode::Other(1234).name(), "unknown");
        assert!(ErrorRow::lookup(-1).is_none() && ErrorRow::lookup(70_000).is_none());
    }
}
