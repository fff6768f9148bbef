//! EDN atoms: strings, characters, keywords, and the bare tokens `nil`, `true`, `false`, numbers
//! and symbols.
//!
//! Integers (`42`, `-7`, `42N`) must fit in an `i64`; floats (`1.5`, `1e9`, `2.5M`) are `f64`.
//! Clojure's other number syntaxes (hex `0x1F`, radix `2r101`, ratios `1/2`, octal `017`) are
//! errors rather than silent misreadings. Symbols and characters read as strings.

use super::reader::{Form, Reader};
use crate::history::{HistoryError, Value};

const INT_RANGE: &str = "an integer between -9223372036854775808 and 9223372036854775807";

impl Reader<'_> {
    /// Reads a string literal (the cursor is on its `"`).
    pub(super) fn read_string(&mut self) -> Result<Value, HistoryError> {
        let open = self.pos;
        self.pos += 1;
        let bytes = self.text.as_bytes();
        let mut out = String::new();
        loop {
            let Some(i) = memchr::memchr2(b'"', b'\\', &bytes[self.pos..]) else {
                self.pos = bytes.len();
                let at = self.location(open);
                return Err(self.expected_at(
                    self.pos,
                    format!(
                        "`\"` closing the string opened at line {}, column {}",
                        at.line, at.column
                    ),
                ));
            };
            out.push_str(&self.text[self.pos..self.pos + i]);
            self.pos += i;
            if bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(Value::Str(out.into_boxed_str()));
            }
            let escape = self.pos;
            self.pos += 1;
            let c = match bytes.get(self.pos) {
                Some(b't') => '\t',
                Some(b'r') => '\r',
                Some(b'n') => '\n',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{C}',
                Some(b'\\') => '\\',
                Some(b'"') => '"',
                Some(b'u') => {
                    self.pos += 1;
                    out.push(self.unicode_escape(escape)?);
                    continue;
                }
                _ => {
                    return Err(self.expected_at(
                        escape,
                        "an escape: \\t \\r \\n \\b \\f \\\\ \\\" or \\uXXXX",
                    ))
                }
            };
            self.pos += 1;
            out.push(c);
        }
    }

    /// Four hex digits (the cursor is after `\u`), joining a surrogate pair.
    fn unicode_escape(&mut self, escape: usize) -> Result<char, HistoryError> {
        let high = self.hex4(escape)?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if !self.text[self.pos..].starts_with("\\u") {
                return Err(
                    self.expected_at(self.pos, "`\\u` and the low half of a surrogate pair")
                );
            }
            self.pos += 2;
            let low = self.hex4(self.pos - 2)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.expected_at(self.pos - 6, "the low half of a surrogate pair"));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code)
            .ok_or_else(|| self.expected_at(escape, "a \\uXXXX escape of a Unicode scalar value"))
    }

    fn hex4(&mut self, escape: usize) -> Result<u32, HistoryError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(digits) = digits else {
            return Err(self.expected_at(escape, "\\u and four hex digits"));
        };
        self.pos += 4;
        Ok(u32::from_str_radix(digits, 16).unwrap_or(0))
    }

    /// Reads a character literal (`\a`, `\newline`, `\u03A9`), as a one-character string.
    pub(super) fn read_char(&mut self) -> Result<Value, HistoryError> {
        let start = self.pos;
        self.pos += 1;
        let Some(first) = self.text[self.pos..]
            .chars()
            .next()
            .filter(|c| !c.is_whitespace())
        else {
            return Err(self.expected_at(self.pos, "a character after `\\`"));
        };
        self.pos += first.len_utf8();
        let rest = self.token();
        let c = if rest.is_empty() {
            Some(first)
        } else {
            let name = &self.text[start + 1..self.pos];
            match name {
                "newline" => Some('\n'),
                "space" => Some(' '),
                "tab" => Some('\t'),
                "return" => Some('\r'),
                "formfeed" => Some('\u{C}'),
                "backspace" => Some('\u{8}'),
                _ if name.len() == 5 && name.starts_with('u') => {
                    u32::from_str_radix(&name[1..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.len() >= 2 && name.len() <= 4 && name.starts_with('o') => {
                    u32::from_str_radix(&name[1..], 8)
                        .ok()
                        .filter(|&c| c <= 0o377)
                        .and_then(char::from_u32)
                }
                _ => None,
            }
        };
        match c {
            Some(c) => Ok(Value::Str(c.to_string().into_boxed_str())),
            None => Err(self.expected_at(
                start,
                "a character: \\c, \\newline, \\space, \\tab, \\return, \\formfeed, \\backspace, \\uXXXX or \\oNNN",
            )),
        }
    }

    /// Reads a keyword (the cursor is on its `:`).
    pub(super) fn read_keyword(&mut self) -> Result<Value, HistoryError> {
        self.read_keyword_or_form().map(Form::into_value)
    }

    /// Reads a bare token: `nil`, `true`, `false`, a number or a symbol.
    pub(super) fn read_token(&mut self) -> Result<Value, HistoryError> {
        let start = self.pos;
        let token = self.token();
        if token.is_empty() {
            // A delimiter no form starts with, such as `^` or `@`.
            return Err(self.expected_at(start, "a value"));
        }
        let bytes = token.as_bytes();
        let numeric = bytes[0].is_ascii_digit()
            || (matches!(bytes[0], b'+' | b'-') && bytes.get(1).is_some_and(u8::is_ascii_digit));
        if numeric {
            return number(token).map_err(|expected| self.expected_at(start, expected));
        }
        Ok(match token {
            "nil" => Value::Nil,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            symbol => Value::Str(symbol.into()),
        })
    }
}

/// A number token's value, or what was expected instead.
fn number(token: &str) -> Result<Value, &'static str> {
    const NUMBER: &str =
        "a number: an integer such as -42 or 42N, or a float such as 1.5, 1e9 or 2.5M";
    let bytes = token.as_bytes();
    let sign = usize::from(matches!(bytes[0], b'+' | b'-'));
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_len = digits(sign);
    let mut end = sign + int_len;
    if int_len > 1 && bytes[sign] == b'0' {
        return Err(NUMBER);
    }
    let mut float = false;
    if bytes.get(end) == Some(&b'.') {
        float = true;
        end += 1 + digits(end + 1);
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        float = true;
        end += 1;
        if matches!(bytes.get(end), Some(b'+' | b'-')) {
            end += 1;
        }
        let exp = digits(end);
        if exp == 0 {
            return Err(NUMBER);
        }
        end += exp;
    }
    let suffix = &token[end..];
    let body = &token[..end];
    match (float, suffix) {
        (false, "" | "N") => body.parse::<i64>().map(Value::Int).map_err(|_| INT_RANGE),
        (true, "" | "M") | (false, "M") => body
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float)
            .ok_or(NUMBER),
        _ => Err(NUMBER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_edn_and_reject_clojure_only_syntaxes() {
        assert_eq!(number("42"), Ok(Value::Int(42)));
        assert_eq!(number("-7N"), Ok(Value::Int(-7)));
        assert_eq!(number("+3"), Ok(Value::Int(3)));
        assert_eq!(number("1.5"), Ok(Value::Float(1.5)));
        assert_eq!(number("1."), Ok(Value::Float(1.0)));
        assert_eq!(number("1e9"), Ok(Value::Float(1e9)));
        assert_eq!(number("2.5M"), Ok(Value::Float(2.5)));
        assert_eq!(number("3M"), Ok(Value::Float(3.0)));
        for bad in ["0x1F", "2r101", "1/2", "017", "1e", "1.5N", "1e999"] {
            assert!(number(bad).is_err(), "{bad}");
        }
        assert_eq!(number("9223372036854775808"), Err(INT_RANGE));
    }
}
