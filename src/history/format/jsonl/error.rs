//! serde_json's errors, restated as "expected ..., found ..." at a character column; and the
//! search for integer literals outside the `i64` range, which serde_json reads as floats.

use std::path::Path;
use std::sync::Arc;

use crate::history::format::text::{char_column, token_at};
use crate::history::{HistoryError, Location};

/// Restates serde_json's `err` about line `text` (numbered `line`).
pub(super) fn from_serde(
    err: &serde_json::Error,
    text: &str,
    file: Option<&Arc<Path>>,
    line: u32,
) -> HistoryError {
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(cut) => &message[..cut],
        None => &message,
    };
    // serde_json's column is the 1-based byte column of the offending byte.
    let offset = if message.starts_with("EOF while parsing") {
        text.len()
    } else {
        err.column().saturating_sub(1).min(text.len())
    };
    let found = || token_at(text, offset, "end of line");
    let (expected, found) = if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        match rest.split_once(", expected ") {
            Some((_, expected)) => (expected.to_string(), found()),
            None => (rest.to_string(), found()),
        }
    } else if let Some(name) = message.strip_prefix("duplicate field ") {
        (
            "each field once".to_string(),
            format!("a second {name} field"),
        )
    } else if let Some(what) = message.strip_prefix("EOF while parsing ") {
        let expected = match what {
            "a string" => "`\"` closing the string",
            "a list" => "`,` or `]`",
            "an object" => "`,` or `}`",
            _ => "a JSON value",
        };
        (expected.to_string(), "end of line".to_string())
    } else if let Some(expected) = message.strip_prefix("expected ") {
        let expected = match expected {
            "value" => "a JSON value",
            "ident" => "`true`, `false` or `null`",
            other => other,
        };
        (expected.to_string(), found())
    } else {
        let expected = match message {
            "trailing characters" => "end of line after the event object",
            "trailing comma" => "another element after `,`",
            "key must be a string" => "a string key",
            "invalid escape" => "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
            "invalid number" | "number out of range" => "a number",
            "recursion limit exceeded" => "at most 128 levels of nesting",
            m if m.starts_with("control character") => {
                let found = text[offset..].chars().next().map_or_else(
                    || "end of line".to_string(),
                    |c| format!("the raw control character U+{:04X}", c as u32),
                );
                let expected =
                    "a control character escaped (\\n, \\t, \\u0001, ...) inside a string";
                return HistoryError::syntax(
                    Location::new(file, line, char_column(text.as_bytes(), offset)),
                    expected,
                    found,
                );
            }
            m if m.contains("surrogate")
                || m.contains("hex escape")
                || m.contains("code point") =>
            {
                "a valid \\uXXXX escape"
            }
            other => other,
        };
        (expected.to_string(), found())
    };
    HistoryError::syntax(
        Location::new(file, line, char_column(text.as_bytes(), offset)),
        expected,
        found,
    )
}

/// The byte offset and text of the first integer literal in the JSON `text` that does not fit in
/// an `i64`, skipping string contents.
pub(super) fn big_integer(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    i += 1;
                }
                let token = &text[start..i];
                let integer = !token.contains(['.', 'e', 'E']);
                if integer && token.parse::<i64>().is_err() {
                    return Some((start, token));
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The error for the integer literal `token` at byte `offset` of `text`.
pub(super) fn big_integer_error(
    text: &str,
    offset: usize,
    token: &str,
    file: Option<&Arc<Path>>,
    line: u32,
) -> HistoryError {
    HistoryError::syntax(
        Location::new(file, line, char_column(text.as_bytes(), offset)),
        "an integer between -9223372036854775808 and 9223372036854775807",
        crate::history::format::text::shown(token),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integer_skips_strings_and_floats() {
        let text = r#"{"a":"99999999999999999999","b":1e30,"c":[1,-99999999999999999999]}"#;
        let (offset, token) = big_integer(text).unwrap();
        assert_eq!(token, "-99999999999999999999");
        assert_eq!(&text[offset..offset + 3], "-99");
        assert_eq!(big_integer(r#"{"a":9223372036854775807,"b":"\"1"}"#), None);
    }
}
