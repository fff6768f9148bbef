//! [`ErrorCode`]: the error codes of Maelstrom's protocol (`doc/protocol.md`,
//! `resources/errors.edn`) that our nodes send.

use std::fmt;

use serde::{Deserialize, Serialize};

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

    /// Maelstrom's name for the code (`temporarily-unavailable`, …).
    pub fn name(self) -> &'static str {
        match self.code() {
            0 => "timeout",
            1 => "node-not-found",
            10 => "not-supported",
            11 => "temporarily-unavailable",
            12 => "malformed-request",
            13 => "crash",
            14 => "abort",
            20 => "key-does-not-exist",
            21 => "key-already-exists",
            22 => "precondition-failed",
            30 => "txn-conflict",
            _ => "unknown",
        }
    }

    /// Whether the operation definitely did not happen (Maelstrom's `definite?`).
    pub fn is_definite(self) -> bool {
        matches!(self.code(), 1 | 10 | 11 | 12 | 14 | 20 | 21 | 22 | 30)
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
}
