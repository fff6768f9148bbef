//! Maelstrom's error-code table (the models crate's: one copy for nodes and clients), with
//! which codes are definite, and `error` bodies.

use serde_json::{json, Value as Json};

pub use splitbrain_models::maelstrom::{ErrorRow, ERROR_TABLE};

/// `key-does-not-exist`.
pub const KEY_DOES_NOT_EXIST: i64 = 20;
/// `precondition-failed`.
pub const PRECONDITION_FAILED: i64 = 22;
/// `not-supported`.
pub const NOT_SUPPORTED: i64 = 10;
/// `malformed-request`.
pub const MALFORMED_REQUEST: i64 = 12;

/// Whether an error with `code` proves the operation did not happen (codes outside the table
/// are indefinite).
pub fn is_definite(code: i64) -> bool {
    ErrorRow::lookup(code).is_some_and(|r| r.definite)
}

/// The name of `code`, or `error-<code>` outside the table.
pub fn error_name(code: i64) -> String {
    match ErrorRow::lookup(code) {
        Some(r) => r.name.to_string(),
        None => format!("error-{code}"),
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
        assert!(!is_definite(0));
        assert!(!is_definite(13));
        assert!(is_definite(11));
        assert!(is_definite(22));
        assert!(!is_definite(1000));
        assert_eq!(error_name(20), "key-does-not-exist");
        assert_eq!(error_name(1001), "error-1001");
    }
}
