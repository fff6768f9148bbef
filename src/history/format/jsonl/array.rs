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
//!
//! elle-cli also writes the whole array on one line (`[{...},{...},...]`, its
//! `histories/knossos/*/*.json`): a line that does not read as one object is cut into its
//! top-level objects ([`objects`]), each read on its own at its true column ([`isolate`]).

use std::borrow::Cow;
use std::ops::Range;

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

/// The byte spans of the top-level objects of a line that holds several, separated by commas
/// (`{"a":1},{"b":[2]}`); `None` unless it holds two or more and nothing but objects, commas
/// and whitespace. Braces inside strings do not count.
pub(super) fn objects(text: &str) -> Option<Vec<Range<usize>>> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut comma = false;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if depth > 0 => in_string = true,
            b'{' | b'[' if depth > 0 => depth += 1,
            // An object opens the line or follows a comma.
            b'{' if spans.is_empty() || comma => {
                depth = 1;
                start = i;
                comma = false;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    spans.push(start..i + 1);
                }
            }
            b',' if depth == 0 && !comma && !spans.is_empty() => comma = true,
            b' ' | b'\t' | b'\r' if depth == 0 => {}
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    (depth == 0 && !in_string && !comma && spans.len() > 1).then_some(spans)
}

/// The line with everything before `span` replaced by one space a character and everything
/// after it dropped: the object alone, where errors name its column in the whole line.
pub(super) fn isolate(text: &str, span: &Range<usize>) -> String {
    let mut out = " ".repeat(text[..span.start].chars().count());
    out.push_str(&text[span.clone()]);
    out
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

    #[test]
    fn a_line_of_several_objects_is_cut_at_top_level_commas_only() {
        let line = r#"{"a":[1,{"b":"},{"}]},  {"c":"\"{"},{"d":{}}"#;
        let spans = objects(line).unwrap();
        let parts: Vec<&str> = spans.iter().map(|s| &line[s.clone()]).collect();
        assert_eq!(
            parts,
            [r#"{"a":[1,{"b":"},{"}]}"#, r#"{"c":"\"{"}"#, r#"{"d":{}}"#]
        );
    }

    #[test]
    fn one_object_or_anything_else_at_top_level_is_not_cut() {
        assert_eq!(objects(r#"{"a":1}"#), None);
        assert_eq!(objects(r#"{"a":1},2,{"b":2}"#), None);
        assert_eq!(objects(r#"{"a":1},{"b":2"#), None);
        assert_eq!(objects(r#"{"a":1} {"b":2}"#), None);
        assert_eq!(objects(r#"{"a":1},,{"b":2}"#), None);
        assert_eq!(objects(r#"{"a":1},{"b":2},"#), None);
    }

    #[test]
    fn an_isolated_object_keeps_its_character_column() {
        let line = r#"{"é":1},{"b":2}"#;
        let spans = objects(line).unwrap();
        assert_eq!(isolate(line, &spans[1]), r#"        {"b":2}"#);
    }
}
