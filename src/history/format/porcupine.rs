//! Porcupine's etcd Jepsen logs (read only): one operation event per line, no index or time.
//!
//! ```text
//! line  := "INFO" SP+ "jepsen.util" SP+ "-" SP+ PROC WS TYPE WS F WS VALUE
//! TYPE  := ":invoke" | ":ok" | ":fail" | ":info"
//! F     := ":read" | ":write" | ":cas"
//! VALUE := "nil" | INT | "[" INT SP+ INT "]" | ":" KEYWORD
//! SP    := " "          WS := runs of spaces and tabs
//! ```
//!
//! The grammar (from `histories/corpus/porcupine/README.md`) is enforced strictly: any other line
//! is an error naming the line, the column and the token expected there. Blank lines are skipped.
//! `nil` is [`Value::Nil`], `INT` an integer, `[A B]` a two-element list. A keyword value (in
//! practice `:timed-out`, on `fail` reads and `info` writes and cases) is an outcome, not a datum:
//! it becomes the event's `error` and the value is nil. Every TYPE × F × VALUE combination is
//! accepted; what they mean is the checker's business.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use super::intern::Interner;
use super::lines::Lines;
use super::text::{char_column, token_at};
use crate::history::{Event, EventKind, HistoryError, Location, Process, Value};

/// Reads every event of `reader` into `sink`; errors name `file`.
pub(super) fn read(
    reader: impl BufRead,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let mut lines = Lines::new(reader, file);
    let mut interner = Interner::default();
    while let Some((number, text)) = lines.next_line()? {
        let mut cursor = Cursor {
            text,
            pos: 0,
            file,
            line: number,
        };
        sink(cursor.event(&mut interner)?)?;
    }
    Ok(())
}

/// A position in one line.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    file: Option<&'a Arc<Path>>,
    line: u32,
}

impl Cursor<'_> {
    fn event(&mut self, interner: &mut Interner) -> Result<Event, HistoryError> {
        self.literal("INFO")?;
        self.separator(false)?;
        self.literal("jepsen.util")?;
        self.separator(false)?;
        self.literal("-")?;
        self.separator(false)?;
        let process = self.process()?;
        self.separator(true)?;
        let start = self.pos;
        let kind = match self.word() {
            ":invoke" => EventKind::Invoke,
            ":ok" => EventKind::Ok,
            ":fail" => EventKind::Fail,
            ":info" => EventKind::Info,
            _ => return Err(self.expected_at(start, "`:invoke`, `:ok`, `:fail` or `:info`")),
        };
        self.separator(true)?;
        let start = self.pos;
        let f = match self.word() {
            f @ (":read" | ":write" | ":cas") => interner.get(&f[1..]),
            _ => return Err(self.expected_at(start, "`:read`, `:write` or `:cas`")),
        };
        self.separator(true)?;
        let (value, error) = self.value()?;
        if self.pos < self.text.len() {
            return Err(self.expected_at(self.pos, "end of line"));
        }
        Ok(Event {
            index: None,
            time: None,
            process: Process::Client(process),
            kind,
            f,
            key: None,
            value,
            error,
            extra: Vec::new(),
            line: self.line,
        })
    }

    fn rest(&self) -> &[u8] {
        &self.text.as_bytes()[self.pos..]
    }

    fn expected_at(&self, offset: usize, expected: &str) -> HistoryError {
        HistoryError::syntax(
            Location::new(
                self.file,
                self.line,
                char_column(self.text.as_bytes(), offset),
            ),
            expected,
            token_at(self.text, offset, "end of line"),
        )
    }

    fn literal(&mut self, literal: &str) -> Result<(), HistoryError> {
        if self.rest().starts_with(literal.as_bytes()) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.expected_at(self.pos, &format!("`{literal}`")))
        }
    }

    /// One or more spaces (and tabs, when `tabs` is true).
    fn separator(&mut self, tabs: bool) -> Result<(), HistoryError> {
        let n = self
            .rest()
            .iter()
            .take_while(|&&b| b == b' ' || (tabs && b == b'\t'))
            .count();
        if n == 0 {
            let expected = if tabs { "a tab or spaces" } else { "a space" };
            return Err(self.expected_at(self.pos, expected));
        }
        self.pos += n;
        Ok(())
    }

    /// The text up to the next space or tab.
    fn word(&mut self) -> &str {
        let start = self.pos;
        let n = self
            .rest()
            .iter()
            .take_while(|&&b| b != b' ' && b != b'\t')
            .count();
        self.pos += n;
        &self.text[start..self.pos]
    }

    fn digits(&self) -> usize {
        self.rest()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    fn process(&mut self) -> Result<u64, HistoryError> {
        let n = self.digits();
        let parsed = self.text[self.pos..self.pos + n].parse().ok();
        match parsed {
            Some(p) if n > 0 => {
                self.pos += n;
                Ok(p)
            }
            _ => Err(self.expected_at(self.pos, "a process number (a non-negative integer)")),
        }
    }

    fn int(&mut self) -> Result<i64, HistoryError> {
        let start = self.pos;
        let sign = usize::from(self.rest().first() == Some(&b'-'));
        self.pos += sign;
        let n = self.digits();
        self.pos += n;
        if n == 0 {
            return Err(self.expected_at(start, "an integer"));
        }
        self.text[start..self.pos].parse().map_err(|_| {
            self.expected_at(
                start,
                "an integer between -9223372036854775808 and 9223372036854775807",
            )
        })
    }

    /// VALUE: the event's value and error.
    fn value(&mut self) -> Result<(Value, Option<Value>), HistoryError> {
        const EXPECTED: &str = "`nil`, an integer, `[A B]` or a keyword such as `:timed-out`";
        match self.rest().first() {
            Some(b'n') if self.rest().starts_with(b"nil") => {
                self.pos += 3;
                Ok((Value::Nil, None))
            }
            Some(b'-' | b'0'..=b'9') => Ok((Value::Int(self.int()?), None)),
            Some(b'[') => {
                self.pos += 1;
                let a = self.int()?;
                self.separator(false)?;
                let b = self.int()?;
                self.literal("]")?;
                Ok((Value::list(vec![Value::Int(a), Value::Int(b)]), None))
            }
            Some(b':') => {
                let start = self.pos;
                let name = self.word();
                let name = &name[1..];
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"*+!_?<>=./-".contains(&b));
                if !valid {
                    return Err(self.expected_at(start, "a keyword such as `:timed-out`"));
                }
                Ok((Value::Nil, Some(Value::Keyword(name.into()))))
            }
            _ => Err(self.expected_at(self.pos, EXPECTED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Event>, HistoryError> {
        let mut events = Vec::new();
        read(text.as_bytes(), None, &mut |e| {
            events.push(e);
            Ok(())
        })?;
        Ok(events)
    }

    fn one(line: &str) -> Event {
        parse(line).unwrap().remove(0)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_every_line_shape_of_the_grammar() {
        let e = one("INFO  jepsen.util - 0\t:invoke\t:read\tnil");
        assert_eq!(
            (e.process, e.kind, &*e.f, e.value, e.line),
            (Process::Client(0), EventKind::Invoke, "read", Value::Nil, 1)
        );
        assert_eq!(
            one("INFO  jepsen.util - 0\t:ok\t:read\t3").value,
            Value::Int(3)
        );
        assert_eq!(
            one("INFO  jepsen.util - 2\t:invoke\t:write\t-4").value,
            Value::Int(-4)
        );
        let cas = one("INFO  jepsen.util - 2\t:ok\t:cas\t[3 0]");
        assert_eq!(cas.value, Value::list(vec![3.into(), 0.into()]));
        let fail = one("INFO  jepsen.util - 1\t:fail\t:cas\t[0 3]");
        assert_eq!(
            (fail.kind, fail.value),
            (EventKind::Fail, Value::list(vec![0.into(), 3.into()]))
        );
    }

    #[test]
    fn timed_out_is_an_error_with_a_nil_value() {
        for (line, kind) in [
            (
                "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out",
                EventKind::Fail,
            ),
            (
                "INFO  jepsen.util - 13\t:info\t:cas\t:timed-out",
                EventKind::Info,
            ),
            (
                "INFO  jepsen.util - 4   :info   :write  :timed-out",
                EventKind::Info,
            ),
        ] {
            let e = one(line);
            assert_eq!(e.kind, kind);
            assert_eq!(e.value, Value::Nil);
            assert_eq!(e.error, Some(Value::Keyword("timed-out".into())));
        }
    }

    #[test]
    fn runs_of_spaces_separate_fields_like_tabs() {
        let e = one("INFO  jepsen.util - 4   :invoke :cas    [1 2]");
        assert_eq!(
            (&*e.f, e.value),
            ("cas", Value::list(vec![1.into(), 2.into()]))
        );
    }

    #[test]
    fn error_names_the_expected_token_at_its_column() {
        assert_eq!(
            error("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:done\t:read\tnil"),
            "line 2, column 23: expected `:invoke`, `:ok`, `:fail` or `:info`, found :done"
        );
        assert_eq!(
            error("WARN  jepsen.util - 0\t:ok\t:read\tnil"),
            "line 1, column 1: expected `INFO`, found WARN"
        );
        assert_eq!(
            error("INFO  jepsen.util - 0\t:ok\t:get\tnil"),
            "line 1, column 27: expected `:read`, `:write` or `:cas`, found :get"
        );
        assert_eq!(
            error("INFO  jepsen.util - 0\t:ok\t:cas\t[1 2"),
            "line 1, column 36: expected `]`, found end of line"
        );
        assert_eq!(
            error("INFO  jepsen.util - 0\t:ok\t:read\tnil extra"),
            "line 1, column 36: expected end of line, found a space"
        );
        assert_eq!(
            error("INFO  jepsen.util - x\t:ok\t:read\tnil"),
            "line 1, column 21: expected a process number (a non-negative integer), found x"
        );
    }

    #[test]
    fn integer_out_of_range_is_an_error() {
        assert_eq!(
            error("INFO  jepsen.util - 0\t:ok\t:read\t99999999999999999999"),
            "line 1, column 33: expected an integer between -9223372036854775808 and 9223372036854775807, found 99999999999999999999"
        );
    }
}
