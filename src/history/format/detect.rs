//! Telling a history's format from its first bytes.
//!
//! Rules, after skipping a UTF-8 byte order mark, whitespace and blank lines:
//! - `{` then (after whitespace) `"` → `jsonl`; `{` then `:` or `}` → `edn`;
//! - `[` then (after whitespace) `{` then `"` → `jsonl` (elle-cli's JSON: an array of op maps);
//! - `[`, `(`, `;` or `#` → `edn` (a Knossos vector, a list, a comment, a tagged op or set);
//! - a line starting with `INFO` → `porcupine-etcd`;
//! - `r(` or `w(` → `plume`; `r ` or `w ` (then a digit), or a line of `=` or `-` → `awdit`;
//! - nothing at all → `jsonl` (an empty history);
//! - anything else → unknown: the caller reports the first line and asks for `--format`.

use super::text::shorten;
use super::Format;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The format of an input starting with `bytes`. `None` when more bytes are needed to decide
/// (only when `at_end` is false); `Some(None)` when the format is unknown.
pub(super) fn detect(bytes: &[u8], at_end: bool) -> Option<Option<Format>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut rest = skip_whitespace(bytes);
    let Some(&first) = rest.first() else {
        return at_end.then_some(Some(Format::Jsonl));
    };
    let format = match first {
        b'{' => {
            rest = skip_whitespace(&rest[1..]);
            match rest.first() {
                None if !at_end => return None,
                Some(b'"') => Some(Format::Jsonl),
                Some(b':' | b'}') => Some(Format::Edn),
                _ => None,
            }
        }
        b'[' => {
            let inner = skip_whitespace(&rest[1..]);
            match inner.first() {
                None if !at_end => return None,
                Some(b'{') => match skip_whitespace(&inner[1..]).first() {
                    None if !at_end => return None,
                    Some(b'"') => Some(Format::Jsonl),
                    _ => Some(Format::Edn),
                },
                _ => Some(Format::Edn),
            }
        }
        b'(' | b';' | b'#' => Some(Format::Edn),
        b'r' | b'w' => match rest.get(1) {
            None if !at_end => return None,
            Some(b'(') => Some(Format::Plume),
            Some(b' ' | b'\t') => Some(Format::Awdit),
            _ => None,
        },
        b'=' | b'-' => Some(Format::Awdit),
        b'I' => {
            if rest.len() < 4 && !at_end && b"INFO".starts_with(rest) {
                return None;
            }
            rest.starts_with(b"INFO").then_some(Format::PorcupineEtcd)
        }
        _ => None,
    };
    Some(format)
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// The start of the first non-blank line, for [`HistoryError::UnknownFormat`](crate::history::HistoryError).
pub(super) fn first_line(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let rest = skip_whitespace(bytes);
    let end = rest
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(rest.len());
    shorten(&String::from_utf8_lossy(&rest[..end.min(200)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Option<Format> {
        Format::detect(text.as_bytes())
    }

    #[test]
    fn json_object_with_a_string_key_is_jsonl() {
        assert_eq!(d(r#"{"type":"invoke"}"#), Some(Format::Jsonl));
        assert_eq!(d("\u{feff}\n\n  {  \"f\": 1}"), Some(Format::Jsonl));
    }

    #[test]
    fn edn_map_vector_list_comment_or_tag_is_edn() {
        for text in [
            "{:type :invoke}",
            "{}",
            "[{:f :read}]",
            "({:f :read})",
            "; c\n",
            "#{1}",
        ] {
            assert_eq!(d(text), Some(Format::Edn), "{text}");
        }
    }

    #[test]
    fn an_array_of_json_objects_is_elle_clis_json() {
        assert_eq!(d("[{\"index\":0}"), Some(Format::Jsonl));
        assert_eq!(d("[\n {\"index\":0},"), Some(Format::Jsonl));
        assert_eq!(detect(b"[", false), None);
        assert_eq!(d("[]"), Some(Format::Edn));
    }

    #[test]
    fn info_line_is_a_porcupine_log() {
        assert_eq!(
            d("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"),
            Some(Format::PorcupineEtcd)
        );
    }

    #[test]
    fn blank_input_is_an_empty_jsonl_history() {
        assert_eq!(d(""), Some(Format::Jsonl));
        assert_eq!(d("\u{feff} \r\n\n"), Some(Format::Jsonl));
    }

    #[test]
    fn anything_else_is_unknown() {
        for text in ["hello", "{1 2}", "{", "42", "\u{1}", "INF"] {
            assert_eq!(d(text), None, "{text}");
        }
    }

    #[test]
    fn a_prefix_that_cannot_decide_asks_for_more_bytes() {
        assert_eq!(detect(b"  \n", false), None);
        assert_eq!(detect(b"{ ", false), None);
        assert_eq!(detect(b"IN", false), None);
        assert_eq!(detect(b"{ :", false), Some(Some(Format::Edn)));
        assert_eq!(detect(b"INX", false), Some(None));
    }

    #[test]
    fn first_line_skips_blank_lines_and_is_shortened() {
        assert_eq!(first_line(b"\n\n hello\r\nworld"), "hello");
        assert!(first_line("x".repeat(500).as_bytes()).ends_with("x…"));
    }
}
