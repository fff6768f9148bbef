//! The EDN datum reader: text → [`Value`], with positions for messages.
//!
//! A recursive-descent reader over the whole (UTF-8 checked) text. Collections, tagged literals
//! and `#_` discards nest at most [`MAX_DEPTH`] deep, so no input can overflow the stack. Atoms
//! (numbers, strings, characters, keywords, symbols) are in `atom.rs`.

use std::path::Path;
use std::sync::Arc;

use crate::history::format::text::{char_column, saturate, token_at};
use crate::history::{HistoryError, Location, Value};

/// How deep collections, tags and discards may nest.
pub(super) const MAX_DEPTH: usize = 256;

/// A position in an EDN text.
pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    file: Option<&'a Arc<Path>>,
    /// 1-based number of the text's first line (a block of a file starts further down).
    first_line: usize,
    depth: usize,
}

/// A form as read inside a map: keywords stay borrowed from the text, so the keys and the
/// `:type`/`:f` values of op maps cost no allocation.
pub(super) enum Form<'a> {
    /// A keyword's name, without its colon.
    Keyword(&'a str),
    /// Any other form.
    Value(Value),
}

impl<'a> Form<'a> {
    /// The keyword name or string text, if the form is one of those.
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Form::Keyword(name) => Some(name),
            Form::Value(v) => v.as_text(),
        }
    }

    /// The form as a [`Value`].
    pub(super) fn into_value(self) -> Value {
        match self {
            Form::Keyword(name) => Value::Keyword(name.into()),
            Form::Value(v) => v,
        }
    }
}

/// An entry of a map, with where its key and value start.
pub(super) struct Entry<'a> {
    pub(super) key: Form<'a>,
    pub(super) key_pos: usize,
    pub(super) value: Form<'a>,
    pub(super) value_pos: usize,
}

/// Whether `b` ends a token (number, symbol, keyword).
pub(super) fn ends_token(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b',' | b';'
                | b'"'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'\\'
                | b'^'
                | b'`'
                | b'~'
                | b'@'
        )
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`, whose first line is line `first_line` of `file`.
    pub(super) fn new(text: &'a str, file: Option<&'a Arc<Path>>, first_line: usize) -> Self {
        Reader {
            text,
            pos: 0,
            file,
            first_line,
            depth: 0,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The 1-based line and column of byte `pos`.
    pub(super) fn location(&self, pos: usize) -> Location {
        let before = &self.text.as_bytes()[..pos.min(self.text.len())];
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let line = memchr::memchr_iter(b'\n', before).count() + self.first_line;
        Location::new(
            self.file,
            saturate(line),
            char_column(&before[line_start..], before.len() - line_start),
        )
    }

    /// "expected `expected`, found <the token at `pos`>".
    pub(super) fn expected_at(&self, pos: usize, expected: impl Into<String>) -> HistoryError {
        HistoryError::syntax(self.location(pos), expected, self.found_at(pos))
    }

    /// What the input holds at `pos`, for messages.
    pub(super) fn found_at(&self, pos: usize) -> String {
        token_at(self.text, pos, "end of input")
    }

    /// Descends one level, refusing to go deeper than [`MAX_DEPTH`].
    fn enter(&mut self, pos: usize) -> Result<(), HistoryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(HistoryError::syntax(
                self.location(pos),
                format!("at most {MAX_DEPTH} levels of nesting"),
                "deeper nesting",
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips whitespace, commas, `;` comments and `#_` discarded forms.
    pub(super) fn skip_ws(&mut self) -> Result<(), HistoryError> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'\x0B' | b'\x0C' => self.pos += 1,
                b';' => {
                    self.pos = memchr::memchr(b'\n', &bytes[self.pos..])
                        .map_or(bytes.len(), |i| self.pos + i);
                }
                b'#' if bytes.get(self.pos + 1) == Some(&b'_') => {
                    let start = self.pos;
                    self.pos += 2;
                    self.enter(start)?;
                    self.read_form()?;
                    self.leave();
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Reads the next form.
    pub(super) fn read_form(&mut self) -> Result<Value, HistoryError> {
        self.skip_ws()?;
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.expected_at(start, "a value"));
        };
        match b {
            b'[' | b'(' => {
                let close = if b == b'[' { b']' } else { b')' };
                self.pos += 1;
                Ok(Value::List(self.read_seq(start, close)?.into_boxed_slice()))
            }
            b'{' => {
                self.pos += 1;
                self.enter(start)?;
                let mut entries = Vec::new();
                while let Some(entry) = self.read_entry(start)? {
                    entries.push((entry.key.into_value(), entry.value.into_value()));
                }
                self.leave();
                Ok(Value::Map(entries.into_boxed_slice()))
            }
            b'#' => self.read_dispatch(),
            b'"' => self.read_string(),
            b'\\' => self.read_char(),
            b':' => self.read_keyword(),
            b')' | b']' | b'}' => Err(self.expected_at(start, "a value")),
            _ => self.read_token(),
        }
    }

    /// Reads the next form, keeping a keyword borrowed (the cursor is past whitespace).
    pub(super) fn read_keyword_or_form(&mut self) -> Result<Form<'a>, HistoryError> {
        if self.peek() == Some(b':') {
            let start = self.pos;
            self.pos += 1;
            let name = self.token();
            if name.is_empty() || name.starts_with(':') {
                return Err(self.expected_at(start, "a keyword such as `:name`"));
            }
            return Ok(Form::Keyword(name));
        }
        self.read_form().map(Form::Value)
    }

    /// Reads forms up to the `close` of the collection opened at `open`.
    fn read_seq(&mut self, open: usize, close: u8) -> Result<Vec<Value>, HistoryError> {
        self.enter(open)?;
        let mut items = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek() {
                Some(b) if b == close => break,
                None | Some(b')' | b']' | b'}') => return Err(self.unclosed(open, close)),
                Some(_) => items.push(self.read_form()?),
            }
        }
        self.pos += 1;
        self.leave();
        Ok(items)
    }

    /// The error for a collection opened at `open` that does not end with `close` here.
    pub(super) fn unclosed(&self, open: usize, close: u8) -> HistoryError {
        self.unclosed_from(&self.location(open), close)
    }

    /// The error for a collection opened at `at` (perhaps in an earlier block) that does not end
    /// with `close` here.
    pub(super) fn unclosed_from(&self, at: &Location, close: u8) -> HistoryError {
        let what = match close {
            b']' => "vector",
            b')' => "list",
            _ => "map or set",
        };
        self.expected_at(
            self.pos,
            format!(
                "`{}` closing the {what} opened at line {}, column {}",
                close as char, at.line, at.column
            ),
        )
    }

    /// Reads the next entry of the map opened at `open` (after its `{`), or `None` after its `}`.
    pub(super) fn read_entry(&mut self, open: usize) -> Result<Option<Entry<'a>>, HistoryError> {
        self.skip_ws()?;
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            None | Some(b')' | b']') => return Err(self.unclosed(open, b'}')),
            Some(_) => {}
        }
        let key_pos = self.pos;
        let key = self.read_keyword_or_form()?;
        self.skip_ws()?;
        let value_pos = self.pos;
        if matches!(self.peek(), None | Some(b'}' | b')' | b']')) {
            return Err(self.expected_at(
                value_pos,
                format!("a value for the key {}", self.found_at(key_pos)),
            ));
        }
        let value = self.read_keyword_or_form()?;
        Ok(Some(Entry {
            key,
            key_pos,
            value,
            value_pos,
        }))
    }

    /// Reads what follows `#`: a set, a symbolic value (`##Inf`) or a tagged form.
    fn read_dispatch(&mut self) -> Result<Value, HistoryError> {
        let start = self.pos;
        match self.text.as_bytes().get(start + 1) {
            Some(b'{') => {
                self.pos += 2;
                Ok(Value::Set(self.read_seq(start, b'}')?.into_boxed_slice()))
            }
            Some(b'#') => {
                self.pos += 2;
                let token = self.token();
                match token {
                    "Inf" => Ok(Value::Float(f64::INFINITY)),
                    "-Inf" => Ok(Value::Float(f64::NEG_INFINITY)),
                    "NaN" => Ok(Value::Float(f64::NAN)),
                    _ => Err(self.expected_at(start, "`##Inf`, `##-Inf` or `##NaN`")),
                }
            }
            Some(b) if b.is_ascii_alphabetic() => {
                self.pos += 1;
                self.token();
                self.enter(start)?;
                let form = self.read_form()?;
                self.leave();
                Ok(form)
            }
            _ => {
                Err(self.expected_at(start, "`#{`, `#_`, `##` or a tag such as `#inst` after `#`"))
            }
        }
    }

    /// The token at the current position (up to the next delimiter), consumed.
    pub(super) fn token(&mut self) -> &'a str {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && !ends_token(bytes[self.pos]) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> Result<Value, String> {
        Reader::new(text, None, 1)
            .read_form()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ends_token_stops_at_every_edn_delimiter() {
        for b in *b" ,;\"()[]{}\\\n" {
            assert!(ends_token(b));
        }
        assert!(!ends_token(b'#') && !ends_token(b':') && !ends_token(b'/'));
    }

    #[test]
    fn reads_collections_sets_tags_and_discards() {
        let v = form("#foo/bar {:a [1 (2 #_ 3) #{:s}], #_ :skipped \"k\" ##Inf}").unwrap();
        let expected = Value::Map(
            vec![
                (
                    Value::Keyword("a".into()),
                    Value::list(vec![
                        Value::Int(1),
                        Value::list(vec![Value::Int(2)]),
                        Value::Set(vec![Value::Keyword("s".into())].into()),
                    ]),
                ),
                (Value::str("k"), Value::Float(f64::INFINITY)),
            ]
            .into(),
        );
        assert_eq!(v, expected);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(form(&ok).is_ok());
        for deep in [
            format!(
                "{}1{}",
                "[".repeat(MAX_DEPTH + 1),
                "]".repeat(MAX_DEPTH + 1)
            ),
            "#_".repeat(100_000),
            "#t ".repeat(100_000),
            "{".repeat(100_000),
        ] {
            let err = form(&deep).unwrap_err();
            assert!(
                err.contains("expected at most 256 levels of nesting"),
                "{err}"
            );
        }
    }

    #[test]
    fn unclosed_collection_names_where_it_opened() {
        assert_eq!(
            form("[1\n (2 3]").unwrap_err(),
            "line 2, column 6: expected `)` closing the list opened at line 2, column 2, found `]`"
        );
        assert_eq!(
            form("{:a}").unwrap_err(),
            "line 1, column 4: expected a value for the key :a, found `}`"
        );
    }
}
