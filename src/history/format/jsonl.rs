//! Native JSON lines: one event object per line, Jepsen's op-map fields.
//!
//! ```text
//! {"index":0,"time":1200,"process":0,"type":"invoke","f":"write","key":"x","value":3}
//! {"index":2,"time":5500,"process":"nemesis","type":"info","f":"start-partition","value":[["n1"],["n2","n3"]]}
//! ```
//!
//! Fields: `index` (non-negative integer, optional), `time` (integer nanoseconds, optional),
//! `process` (non-negative integer or `"nemesis"`), `type` (`invoke`, `ok`, `fail`, `info`), `f`
//! (string), `key`, `value` (absent → nil) and `error` (any JSON, optional); any other field is
//! kept in [`Event::extra`](crate::history::Event::extra), in order. JSON integers are
//! [`Value::Int`](crate::history::Value::Int) (they must fit in an `i64`), other numbers floats.
//!
//! Map of this module:
//! - here: the line parser, and the small-input reader (one reused line buffer);
//! - `jsonl/blocks.rs`: the reader: blocks of whole lines parsed on all cores (the shared
//!   pipeline of `format/parallel.rs`), events delivered in order;
//! - `jsonl/fast.rs`: the fast path for lines in our writer's own shape (no serde; any other line
//!   falls through to the serde reader);
//! - `jsonl/event.rs`: a line → unchecked fields (serde) → checked [`Event`];
//! - `jsonl/value.rs`: the serde visitors that build values without `serde_json::Value`;
//! - `jsonl/error.rs`: serde_json's errors as "expected ..., found ..." at a column;
//! - `jsonl/array.rs`: elle-cli's JSON (one array, an op per line, or all on one line):
//!   punctuation blanked out, a line of several objects cut into them;
//! - `jsonl/writer.rs`: the writer (field order, and how EDN-only values are written).

mod array;
mod blocks;
mod error;
mod event;
mod fast;
mod value;
mod writer;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::intern::Interner;
use crate::history::{Event, HistoryError};
use event::{At, LineSeed};
use value::Seen;

pub(super) use writer::write;
pub use writer::write_event;

/// Reads every event of `reader` into `sink`, parsing on all cores when the input is large;
/// errors name `file`.
pub(super) fn read(
    reader: impl Read + Send,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    blocks::read(reader, file, sink)
}

/// Parses lines into events, sharing one [`Interner`] across them.
struct LineParser<'f> {
    file: Option<&'f Arc<Path>>,
    interner: Interner,
}

impl<'f> LineParser<'f> {
    fn new(file: Option<&'f Arc<Path>>) -> Self {
        LineParser {
            file,
            interner: Interner::default(),
        }
    }

    /// The events on line `line`, whose text (without line ending) is `text`, pushed to
    /// `events`: one, none for a line of elle-cli's JSON array that holds only its brackets, or
    /// several for elle-cli's array written on one line.
    fn parse(
        &mut self,
        line: u32,
        text: &str,
        events: &mut Vec<Event>,
    ) -> Result<(), HistoryError> {
        let Some(text) = array::unwrap(text) else {
            return Ok(());
        };
        let whole = match self.parse_object(line, &text) {
            Ok(event) => {
                events.push(event);
                return Ok(());
            }
            Err(err) => err,
        };
        // Not one object: several on one line are read one by one, anything else is the error.
        let Some(spans) = array::objects(&text) else {
            return Err(whole);
        };
        for span in spans {
            let event = match self.parse_object(line, &text[span.clone()]) {
                Ok(event) => event,
                // Read again in place, so the error names its column in the whole line.
                Err(_) => self.parse_object(line, &array::isolate(&text, &span))?,
            };
            events.push(event);
        }
        Ok(())
    }

    fn parse_object(&mut self, line: u32, text: &str) -> Result<Event, HistoryError> {
        match fast::event(text, line, &mut self.interner) {
            Some(event) => Ok(event),
            None => self.parse_with_serde(line, text),
        }
    }

    /// Any line: the event, or the error naming where the line goes wrong.
    fn parse_with_serde(&mut self, line: u32, text: &str) -> Result<Event, HistoryError> {
        let seen = Seen::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = match LineSeed(&seen).deserialize(&mut de) {
            Ok(raw) => raw,
            Err(e) => return Err(error::from_serde(&e, text, self.file, line)),
        };
        if let Err(e) = de.end() {
            return Err(error::from_serde(&e, text, self.file, line));
        }
        if seen.big_number.get() {
            if let Some((offset, token)) = error::big_integer(text) {
                return Err(error::big_integer_error(
                    text, offset, token, self.file, line,
                ));
            }
        }
        let at = At {
            file: self.file,
            line,
            text,
        };
        raw.check(&at, &mut self.interner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{EventKind, Process, Value};

    fn parse(text: &str) -> Result<Vec<Event>, HistoryError> {
        let mut events = Vec::new();
        read(text.as_bytes(), None, &mut |e| {
            events.push(e);
            Ok(())
        })?;
        Ok(events)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_design_example() {
        let events = parse(concat!(
            r#"{"index":0,"time":1200,"process":0,"type":"invoke","f":"write","key":"x","value":3}"#,
            "\n",
            r#"{"index":1,"time":5400,"process":0,"type":"ok","f":"write","key":"x","value":3}"#,
            "\n",
            r#"{"index":2,"time":5500,"process":"nemesis","type":"info","f":"start-partition","value":[["n1"],["n2","n3"]]}"#,
        ))
        .unwrap();
        assert_eq!(events.len(), 3);
        let mut expected = Event::new(0, EventKind::Invoke, "write", 3.into()).with_key("x".into());
        expected.index = Some(0);
        expected.time = Some(1200);
        expected.line = 1;
        assert_eq!(events[0], expected);
        assert_eq!(events[2].process, Process::Nemesis);
        assert_eq!(events[2].line, 3);
        assert_eq!(
            events[2].value,
            Value::list(vec![
                Value::list(vec!["n1".into()]),
                Value::list(vec!["n2".into(), "n3".into()])
            ])
        );
    }

    #[test]
    fn absent_value_is_nil_and_unknown_fields_are_kept_in_order() {
        let events = parse(
            r#"{"zeta":1,"process":2,"type":"fail","f":"cas","error":"timeout","node":"n1"}"#,
        )
        .unwrap();
        let e = &events[0];
        assert_eq!(e.value, Value::Nil);
        assert_eq!(e.error, Some("timeout".into()));
        assert_eq!(
            e.extra,
            vec![("zeta".into(), Value::Int(1)), ("node".into(), "n1".into())]
        );
    }

    #[test]
    fn repeated_function_names_share_one_allocation() {
        let events = parse(concat!(
            r#"{"process":0,"type":"invoke","f":"read"}"#,
            "\n",
            r#"{"process":0,"type":"ok","f":"read"}"#
        ))
        .unwrap();
        assert!(Arc::ptr_eq(&events[0].f, &events[1].f));
    }

    #[test]
    fn elle_clis_array_on_one_line_reads_every_op_in_order() {
        // The shape of elle-cli's histories/knossos/cas-register/good/memstress3-9.json.
        let events = parse(concat!(
            r#"[{"process":94,"type":"invoke","f":"read","value":null},"#,
            r#"{"process":94,"type":"ok","f":"read","value":null}, "#,
            r#"{"process":3,"type":"invoke","f":"write","value":{"a":"},{"}}]"#,
            "\n"
        ))
        .unwrap();
        let seen: Vec<_> = events.iter().map(|e| (e.process, e.kind)).collect();
        assert_eq!(
            seen,
            [
                (Process::Client(94), EventKind::Invoke),
                (Process::Client(94), EventKind::Ok),
                (Process::Client(3), EventKind::Invoke),
            ]
        );
    }

    #[test]
    fn an_error_in_a_later_object_of_a_one_line_array_names_its_column() {
        assert_eq!(
            error(r#"[{"process":0,"type":"invoke","f":"read"},{"process":0,"type":"done","f":"read"}]"#),
            "line 1, column 63: expected \"invoke\", \"ok\", \"fail\" or \"info\" as \"type\", found \"done\""
        );
        // Two objects without a comma are not an array: the line's own error stands.
        assert!(error(
            r#"{"process":0,"type":"ok","f":"read"} {"process":0,"type":"ok","f":"read"}"#
        )
        .contains("column 38"));
    }

    #[test]
    fn error_names_line_and_column_of_a_bad_type() {
        assert_eq!(
            error("\n{\"process\":0, \"type\":\"done\",\"f\":\"read\"}"),
            "line 2, column 22: expected \"invoke\", \"ok\", \"fail\" or \"info\" as \"type\", found \"done\""
        );
    }

    #[test]
    fn missing_field_points_at_the_object() {
        assert_eq!(
            error(r#"  {"process":0,"f":"read"}"#),
            "line 1, column 3: expected \"invoke\", \"ok\", \"fail\" or \"info\" as \"type\", found an object without a \"type\" field"
        );
    }

    #[test]
    fn negative_process_is_rejected() {
        assert_eq!(
            error(r#"{"process":-1,"type":"ok","f":"read"}"#),
            "line 1, column 12: expected a non-negative integer or \"nemesis\" as \"process\", found -1"
        );
    }

    #[test]
    fn syntax_errors_say_what_was_expected_where() {
        assert_eq!(
            error(r#"{"process":0,"type":"ok" "f":"read"}"#),
            "line 1, column 26: expected `,` or `}`, found \"f\""
        );
        assert_eq!(
            error(r#"{"process":0,"type":"ok","f":"read""#),
            "line 1, column 36: expected `,` or `}`, found end of line"
        );
        assert_eq!(
            error(r#"{"process":0,"type":"ok","f":"read"} x"#),
            "line 1, column 38: expected end of line after the event object, found x"
        );
        assert_eq!(
            error("[1,2]"),
            "line 1, column 1: expected a JSON object (one event per line), found `[`"
        );
    }

    #[test]
    fn integer_out_of_i64_range_is_a_clear_error() {
        assert_eq!(
            error(r#"{"process":0,"type":"ok","f":"read","value":[1,99999999999999999999]}"#),
            "line 1, column 48: expected an integer between -9223372036854775808 and 9223372036854775807, found 99999999999999999999"
        );
        let events = parse(r#"{"process":0,"type":"ok","f":"read","value":1e300}"#).unwrap();
        assert_eq!(events[0].value, Value::Float(1e300));
    }

    #[test]
    fn duplicate_field_is_rejected() {
        let err = error(r#"{"process":0,"type":"ok","type":"ok","f":"read"}"#);
        assert!(
            err.contains("expected each field once, found a second `type` field"),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            r#"{{"process":0,"type":"ok","f":"read","value":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(error(&deep).contains("expected at most 128 levels of nesting"));
    }

    #[test]
    fn crlf_bom_and_non_ascii_columns_are_handled() {
        let events =
            parse("\u{feff}{\"process\":0,\"type\":\"invoke\",\"f\":\"é\"}\r\n\r\n").unwrap();
        assert_eq!(&*events[0].f, "é");
        assert_eq!(
            error("{\"f\":\"é\",\"process\":0,\"type\":1}"),
            "line 1, column 29: expected \"invoke\", \"ok\", \"fail\" or \"info\" as \"type\", found 1"
        );
    }
}
