//! elle-cli's JSON: one JSON array whose elements are op maps, one per line:
//!
//! ```text
//! [{"index":0,"process":1,"type":"invoke","value":[["append",253,1]]},
//! {"index":1,"process":1,"type":"ok","value":[["append",253,1]]}]
//! ```
//!
//! A line may therefore start with `[` and end with `,` or `]`; that punctuation is blanked out
//! (replaced by spaces, so error columns stay right) and the rest read as a native line. A line
//! with nothing else (`[` or `]` alone) holds no event.

use std::borrow::Cow;

/// The line without array punctuation; `None` if nothing else is on it. Only brackets next
/// to an object count: `[1,2]` is left alone for the parser to reject.
pub(super) fn unwrap(text: &str) -> Option<Cow<'_, str>> {
    let body = text.trim();
    if body == "[" || body == "]" {
        return None;
    }
    let lead = text.len() - text.trim_start().len();
    let open = body.starts_with('[') && body[1..].trim_start().starts_with('{');
    let mut end = text.trim_end().len();
    let mut blank = Vec::new();
    if body.ends_with(',') {
        blank.push(end - 1);
        end = text[..end - 1].trim_end().len();
    }
    if text[..end].ends_with(']') && text[..end - 1].trim_end().ends_with('}') {
        blank.push(end - 1);
    }
    if !open && blank.is_empty() {
        return Some(Cow::Borrowed(text));
    }
    let mut bytes = text.as_bytes().to_vec();
    if open {
        bytes[lead] = b' ';
    }
    for i in blank {
        bytes[i] = b' ';
    }
    // Only ASCII bytes were replaced by ASCII spaces, so this is still UTF-8.
    String::from_utf8(bytes).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_punctuation_is_blanked_and_columns_kept() {
        assert_eq!(unwrap(r#"[{"a":1},"#).unwrap(), r#" {"a":1} "#);
        assert_eq!(unwrap(r#"{"a":[1]}]"#).unwrap(), r#"{"a":[1]} "#);
        assert_eq!(unwrap(r#"{"a":[1]},"#).unwrap(), r#"{"a":[1]} "#);
        assert_eq!(unwrap(r#"{"a":[1]}"#).unwrap(), r#"{"a":[1]}"#);
        assert_eq!(unwrap("  ]"), None);
        assert_eq!(unwrap("["), None);
    }

    #[test]
    fn a_line_that_is_not_an_object_is_left_for_the_parser_to_reject() {
        assert_eq!(unwrap("[1,2]").unwrap(), "[1,2]");
    }
}
