//! A cursor over one line in the exact shape splitbrain's own writers emit (the router's
//! `messages.jsonl`, the node host's `journal.jsonl`), for the fast paths that read those
//! lines without serde's visitors (`messages/fast.rs`, `journal/fast.rs`).
//!
//! Every method returns `None` as soon as the text leaves the expected shape, and the line is
//! then read by serde, which reads it the same way or names the error: a fast path decides only
//! how fast a line is read, never what it means.
//!
//! Embedded JSON values (message bodies, timers) are either delimited and validated by
//! serde_json itself ([`Cursor::raw`]) or only delimited ([`Cursor::value`]): a valid value is
//! delimited exactly as serde_json delimits it, and a value taken unvalidated must be proven
//! valid before the run's answer is given — by being byte for byte equal to a canonical
//! rendering the validator made (valid JSON by construction), by serde parsing it, or by
//! [`is_one_value`] (`validate::lazy`). Then a line read here holds exactly what serde reads
//! from it, and a malformed value is still an error naming its file and line.

use serde::Deserialize;
use serde_json::value::RawValue;

/// Digits read here; longer numbers (which may not fit) take the serde reader.
const MAX_DIGITS: usize = 18;

/// A position in a line.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor { text, at: 0 }
    }

    /// The text not yet read.
    pub(crate) fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    /// Whether the whole line has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.at == self.text.len()
    }

    /// Reads `literal` exactly.
    pub(crate) fn eat(&mut self, literal: &str) -> Option<()> {
        if self.rest().starts_with(literal) {
            self.at += literal.len();
            Some(())
        } else {
            None
        }
    }

    /// Reads `literal` if it comes next.
    pub(crate) fn eat_if(&mut self, literal: &str) -> bool {
        self.eat(literal).is_some()
    }

    /// An integer as serde_json reads one (no leading zero, no sign but `-`), up to
    /// [`MAX_DIGITS`] digits.
    pub(crate) fn int(&mut self) -> Option<i64> {
        let bytes = self.rest().as_bytes();
        let negative = bytes.first() == Some(&b'-');
        let digits = &bytes[usize::from(negative)..];
        let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 || count > MAX_DIGITS || (count > 1 && digits[0] == b'0') {
            return None;
        }
        let magnitude = digits[..count]
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        self.at += usize::from(negative) + count;
        Some(if negative { -magnitude } else { magnitude })
    }

    /// A non-negative integer.
    pub(crate) fn uint(&mut self) -> Option<u64> {
        u64::try_from(self.int()?).ok()
    }

    /// The rest of a string whose opening quote has been read, up to its closing quote (read
    /// too), when it is plain: no escape, no control character.
    pub(crate) fn plain_string(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let end = rest.bytes().position(|b| b == b'"')?;
        let text = &rest[..end];
        if !is_plain(text) {
            return None;
        }
        self.at += end + 1;
        Some(text)
    }

    /// One JSON value, delimited and validated by serde_json, as its text.
    pub(crate) fn raw(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let mut de = serde_json::Deserializer::from_str(rest);
        let value = <&'a RawValue>::deserialize(&mut de).ok()?.get();
        // A value after whitespace is not in the writers' shape.
        if value.as_ptr() != rest.as_ptr() {
            return None;
        }
        self.at += value.len();
        Some(value)
    }

    /// One JSON value, delimited by its brackets and string quotes but **not validated** (see
    /// the module docs): a valid value is delimited where serde_json ends it; a scalar
    /// (number, `true`, `false`, `null`) runs over the characters a scalar may hold, so what
    /// follows it (whitespace included) is left to the caller's shape.
    pub(crate) fn value(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let end = match *bytes.first()? {
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = 0;
                loop {
                    match *bytes.get(i)? {
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break i + 1;
                            }
                        }
                        b'"' => i = string_end(bytes, i + 1)?,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'"' => string_end(bytes, 1)? + 1,
            _ => {
                let n = bytes
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
                    .count();
                (n > 0).then_some(n)?
            }
        };
        self.at += end;
        Some(&rest[..end])
    }
}

/// The index of the quote that closes the string whose contents start at `from` (a backslash
/// escapes the byte after it).
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        match *bytes.get(i)? {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Whether `text` is a string's contents that read as themselves: no quote, backslash or
/// control character.
pub(crate) fn is_plain(text: &str) -> bool {
    text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Whether `text` is exactly one JSON value (serde_json's verdict), with nothing around it.
pub(crate) fn is_one_value(text: &str) -> bool {
    let mut c = Cursor::new(text);
    c.raw().is_some() && c.at_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_serde_json_reads_them_or_not_at_all() {
        for (text, expected) in [
            ("0,", Some(0)),
            ("-12}", Some(-12)),
            ("120", Some(120)),
            ("012", None),
            ("-", None),
            ("1234567890123456789", None),
        ] {
            assert_eq!(Cursor::new(text).int(), expected, "{text}");
        }
        assert_eq!(Cursor::new("-1").uint(), None);
    }

    #[test]
    fn a_raw_value_is_taken_only_when_serde_json_takes_it() {
        let mut c = Cursor::new(r#"{"a":[1,"}"]},"b":2"#);
        assert_eq!(c.raw(), Some(r#"{"a":[1,"}"]}"#));
        assert!(c.eat_if(",\"b\":"));
        assert_eq!(c.raw(), Some("2"));
        assert!(c.at_end());
        assert_eq!(Cursor::new(r#"{"a":}"#).raw(), None);
        assert_eq!(Cursor::new(r#" {"a":1}"#).raw(), None);
        assert!(is_one_value(r#"{"a":"\u00e9"}"#));
        assert!(!is_one_value(r#"{"a":1},"#));
        assert!(!is_one_value("\"tab\tinside\""));
    }

    #[test]
    fn only_plain_strings_are_read_as_themselves() {
        assert_eq!(Cursor::new("n1\",").plain_string(), Some("n1"));
        assert_eq!(Cursor::new("a\\\"b\"").plain_string(), None);
        assert!(!is_plain("x\u{1}"));
    }
}
