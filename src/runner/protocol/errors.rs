//! Maelstrom's error-code table, with which codes are definite, and `error` bodies.

use serde_json::{json, Value as Json};

/// One row of Maelstrom's error table (`resources/errors.edn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    /// The numeric code.
    pub code: i64,
    /// Its name, e.g. `temporarily-unavailable`.
    pub name: &'static str,
    /// Definite: the operation did not happen and never will.
    pub definite: bool,
}

/// Maelstrom's error codes. Codes not listed here are indefinite.
pub const ERROR_CODES: [ErrorCode; 11] = [
    code(0, "timeout", false),
    code(1, "node-not-found", true),
    code(10, "not-supported", true),
    code(11, "temporarily-unavailable", true),
    code(12, "malformed-request", true),
    code(13, "crash", false),
    code(14, "abort", true),
    code(20, "key-does-not-exist", true),
    code(21, "key-already-exists", true),
    code(22, "precondition-failed", true),
    code(30, "txn-conflict", true),
];

const fn code(code: i64, name: &'static str, definite: bool) -> ErrorCode {
    ErrorCode {
        code,
        name,
        definite,
    }
}

/// `key-does-not-exist`.
pub const KEY_DOES_NOT_EXIST: i64 = 20;
/// `precondition-failed`.
pub const PRECONDITION_FAILED: i64 = 22;
/// `not-supported`.
pub const NOT_SUPPORTED: i64 = 10;
/// `malformed-request`.
pub const MALFORMED_REQUEST: i64 = 12;

impl ErrorCode {
    /// The table row for `code`; `None` for codes not in the table (user codes ≥ 1000 and unknown
    /// ones), which count as indefinite.
    pub fn lookup(code: i64) -> Option<ErrorCode> {
        ERROR_CODES.iter().copied().find(|e| e.code == code)
    }

    /// Whether an error with this code proves the operation did not happen.
    pub fn is_definite(code: i64) -> bool {
        ErrorCode::lookup(code).is_some_and(|e| e.definite)
    }

    /// The name of a code, or `error-<code>` for codes outside the table.
    pub fn name_of(code: i64) -> String {
        match ErrorCode::lookup(code) {
            Some(e) => e.name.to_string(),
            None => format!("error-{code}"),
        }
    }
}

/// An `error` reply body.
pub fn error_body(code: i64, text: impl Into<String>) -> Json {
    json!({"type": "error", "code": code, "text": text.into()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_are_indefinite_and_table_codes_follow_maelstrom() {
        assert!(!ErrorCode::is_definite(0));
        assert!(!ErrorCode::is_definite(13));
        assert!(ErrorCode::is_definite(11));
        assert!(ErrorCode::is_definite(22));
        assert!(!ErrorCode::is_definite(1000));
        assert_eq!(ErrorCode::name_of(20), "key-does-not-exist");
        assert_eq!(ErrorCode::name_of(1001), "error-1001");
    }
}
