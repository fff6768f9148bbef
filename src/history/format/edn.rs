//! Jepsen EDN: Jepsen's `history.edn`, Knossos data files and Porcupine's kv logs.
//!
//! ```text
//! {:index 0, :time 1200, :type :invoke, :process 0, :f :write, :value 3}
//! {:index 1, :time 5400, :type :ok, :process 0, :f :write, :value 3}
//! ```
//!
//! The top level is either a sequence of op maps (one per line, Jepsen's `history.edn`) or one
//! vector or list of op maps (Knossos: `[{...} {...}]`). Op maps may be tagged
//! (`#jepsen.history.Op{...}`). The reader takes all of EDN: commas as whitespace, `;` comments,
//! `#_` discards, `nil`, booleans, integers (`N` suffix), floats (`M` suffix, `##Inf`, `##NaN`),
//! strings, characters (read as one-character strings), keywords (`:timed-out` is
//! `Keyword("timed-out")`), symbols (strings), vectors and lists (both lists), maps, sets and
//! tagged literals (read as the tagged form).
//!
//! Lossless where the data model allows: JSON lines → EDN → JSON lines is the identity, and
//! EDN → JSON lines → EDN keeps every field. What JSON cannot hold changes on the way through it:
//! keywords inside values come back as strings, sets as vectors, characters and symbols were
//! strings already, and vectors and lists are both written as vectors.
//!
//! One ambiguity is inherent in Jepsen's format: a history without keys whose every client
//! value is a two-element list (and whose cas values are pairs) reads as an independent-key
//! history (see `edn/independent.rs`).
//!
//! Map of this module:
//! - here: the top level (sequence or vector of op maps), event line numbers;
//! - `edn/reader.rs`: the datum reader (collections, tags, discards, depth bound, positions);
//! - `edn/atom.rs`: strings, characters, keywords, numbers, symbols;
//! - `edn/op.rs`: an op map → an [`Event`];
//! - `edn/independent.rs`: `:value [k v]` tuples of independent keys → `key` and `value`;
//! - `edn/writer.rs`: the writer.

mod atom;
mod independent;
mod op;
mod reader;
mod writer;

use std::path::Path;
use std::sync::Arc;

use super::intern::Interner;
use super::lines::not_utf8;
use super::text::saturate;
use crate::history::{Event, HistoryError};
use independent::Independent;
use reader::Reader;

pub(super) use writer::write;

/// Reads every event of the EDN `bytes` into `sink`; errors name `file`.
pub(super) fn read(
    bytes: &[u8],
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let bad = e.valid_up_to();
        let start = memchr::memrchr(b'\n', &bytes[..bad]).map_or(0, |i| i + 1);
        let line = saturate(memchr::memchr_iter(b'\n', &bytes[..bad]).count() + 1);
        not_utf8(file, line, &bytes[start..], bad - start)
    })?;
    let mut reader = Reader::new(text, file);
    let mut ops = Ops {
        lines: (0, 1),
        interner: Interner::default(),
        independent: Independent::default(),
    };
    reader.skip_ws()?;
    let open = reader.pos;
    let close = match reader.peek() {
        Some(b'[') => Some(b']'),
        Some(b'(') => Some(b')'),
        _ => None,
    };
    if close.is_some() {
        reader.pos += 1;
    }
    loop {
        reader.skip_ws()?;
        match (reader.peek(), close) {
            (None, None) => break,
            (None, Some(close)) => return Err(reader.unclosed(open, close)),
            (Some(b), Some(close)) if b == close => {
                reader.pos += 1;
                reader.skip_ws()?;
                if !reader.at_end() {
                    return Err(
                        reader.expected_at(reader.pos, "end of input after the vector of ops")
                    );
                }
                break;
            }
            _ => ops.read_op(&mut reader, sink)?,
        }
    }
    ops.independent.finish(sink)
}

/// State carried from one op map to the next.
struct Ops {
    /// A byte position and its 1-based line, moved forward as op maps are read.
    lines: (usize, usize),
    interner: Interner,
    independent: Independent,
}

impl Ops {
    /// Reads the op map at the reader's position (optionally tagged) and passes its event on.
    fn read_op(
        &mut self,
        reader: &mut Reader<'_>,
        sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
    ) -> Result<(), HistoryError> {
        let start = reader.pos;
        let tagged = reader.peek() == Some(b'#')
            && reader
                .text
                .as_bytes()
                .get(start + 1)
                .is_some_and(u8::is_ascii_alphabetic);
        if tagged {
            reader.pos += 1;
            reader.token();
            reader.skip_ws()?;
        }
        let open = reader.pos;
        if reader.peek() != Some(b'{') {
            return Err(reader.expected_at(
                open,
                "an op map such as {:type :invoke, :f :read, :process 0}",
            ));
        }
        reader.pos += 1;
        let mut entries = Vec::with_capacity(8);
        while let Some(entry) = reader.read_entry(open)? {
            entries.push(entry);
        }
        let (pos, line) = &mut self.lines;
        *line += memchr::memchr_iter(b'\n', &reader.text.as_bytes()[*pos..open]).count();
        *pos = open;
        let event = op::event(reader, open, saturate(*line), entries, &mut self.interner)?;
        self.independent.push(event, sink)
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
    fn reads_jepsen_history_edn_one_map_per_line() {
        let events = parse(
            "{:index 0, :time 1200, :type :invoke, :process 0, :f :write, :value 3}\n\
             {:index 1, :time 5400, :type :ok, :process 0, :f :write, :value 3, :node \"n1\"}\n\
             {:type :info, :process :nemesis, :f :start-partition, :value [[\"n1\"] [\"n2\"]]}\n",
        )
        .unwrap();
        let mut first = Event::new(0, EventKind::Invoke, "write", 3.into());
        first.index = Some(0);
        first.time = Some(1200);
        first.line = 1;
        assert_eq!(events[0], first);
        assert_eq!(events[1].extra, vec![("node".into(), "n1".into())]);
        assert_eq!((events[2].process, events[2].line), (Process::Nemesis, 3));
    }

    #[test]
    fn reads_knossos_vector_of_maps() {
        let events = parse(
            "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 1}]\n",
        )
        .unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[1].line, events[1].value.clone()),
            (2, Value::Int(1))
        );
        let listed = parse("({:process 0, :type :invoke, :f :read}) ; done\n").unwrap();
        assert_eq!(listed.len(), 1);
    }

    #[test]
    fn reads_tagged_ops_comments_and_string_names() {
        let events = parse(
            "; a comment\n#jepsen.history.Op{:type \"invoke\", :f \"read\", :process 1, :value #_ 5 nil}\n",
        )
        .unwrap();
        assert_eq!(
            (events[0].kind, &*events[0].f, events[0].line),
            (EventKind::Invoke, "read", 2)
        );
    }

    #[test]
    fn reads_porcupine_kv_lines_with_their_key() {
        let events =
            parse("{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n")
                .unwrap();
        assert_eq!(events[0].key, Some("0".into()));
        assert_eq!(events[0].value, "x 0 0 y".into());
    }

    #[test]
    fn independent_tuples_split_into_key_and_value() {
        let events = parse(
            "{:type :invoke, :f :cas, :process 0, :value [5 [1 2]]}\n\
             {:type :info, :f :cas, :process 0, :value [5 nil]}\n\
             {:type :info, :f :kill, :process :nemesis, :value [:n1 :n2]}\n\
             {:type :invoke, :f :read, :process 1, :value [6 nil]}\n",
        )
        .unwrap();
        assert_eq!(events[0].key, Some(5.into()));
        assert_eq!(events[0].value, Value::list(vec![1.into(), 2.into()]));
        assert_eq!(
            (events[1].key.clone(), events[1].value.clone()),
            (Some(5.into()), Value::Nil)
        );
        assert_eq!(events[2].key, None);
        assert_eq!(events[3].key, Some(6.into()));
    }

    #[test]
    fn plain_cas_register_is_not_read_as_independent() {
        let events = parse(
            "{:type :invoke, :f :cas, :process 0, :value [1 2]}\n{:type :ok, :f :cas, :process 0, :value [1 2]}\n",
        )
        .unwrap();
        assert_eq!(events[0].key, None);
        assert_eq!(events[0].value, Value::list(vec![1.into(), 2.into()]));
    }

    #[test]
    fn missing_type_names_line_and_column_of_the_map() {
        assert_eq!(
            error("{:type :invoke, :process 0, :f :read}\n  {:process 0, :f :read}"),
            "line 2, column 3: expected :invoke, :ok, :fail or :info as :type, found an op map without one"
        );
    }

    #[test]
    fn error_names_line_and_column_of_bad_token() {
        assert_eq!(
            error("{:type :invoke, :process 0, :f :read}\n{:type :done, :process 0, :f :read}"),
            "line 2, column 8: expected :invoke, :ok, :fail or :info as :type, found :done"
        );
        assert_eq!(
            error("{:type :ok, :process -1, :f :read}"),
            "line 1, column 22: expected a non-negative integer or :nemesis as :process, found -1"
        );
        assert_eq!(
            error("{:type :ok, :process 0, :f :read, :value 99999999999999999999}"),
            "line 1, column 42: expected an integer between -9223372036854775808 and 9223372036854775807, found 99999999999999999999"
        );
        assert_eq!(
            error("{:type :ok, :process 0, :f :read, :value \"abc}"),
            "line 1, column 47: expected `\"` closing the string opened at line 1, column 42, found end of input"
        );
        assert_eq!(
            error("{:type :ok, :type :ok, :process 0, :f :read}"),
            "line 1, column 13: expected each key once in an op map, found a second :type"
        );
    }

    #[test]
    fn top_level_must_be_op_maps() {
        assert_eq!(
            error("42"),
            "line 1, column 1: expected an op map such as {:type :invoke, :f :read, :process 0}, found 42"
        );
        assert_eq!(
            error("[{:type :ok, :process 0, :f :read}] {}"),
            "line 1, column 37: expected end of input after the vector of ops, found `{`"
        );
        assert_eq!(
            error("[{:type :ok, :process 0, :f :read}"),
            "line 1, column 35: expected `]` closing the vector opened at line 1, column 1, found end of input"
        );
    }

    #[test]
    fn strings_characters_and_escapes_read_as_text() {
        let events = parse(
            "{:type :ok, :process 0, :f :read, :value [\"a\\n\\t\\\"\\\\\\u00e9\\ud83d\\ude00\" \\a \\newline \\space \\u0041 sym]}",
        )
        .unwrap();
        assert_eq!(
            events[0].value,
            Value::list(vec![
                "a\n\t\"\\é😀".into(),
                "a".into(),
                "\n".into(),
                " ".into(),
                "A".into(),
                "sym".into()
            ])
        );
    }

    #[test]
    fn non_utf8_input_is_an_error_naming_the_byte() {
        let mut text = b"{:type :ok, :process 0, :f :read}\n{:f \"".to_vec();
        text.extend_from_slice(b"\xC3\x28\"}");
        let err = read(&text, None, &mut |_| Ok(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 6: expected UTF-8 text, found byte 0xC3"
        );
    }
}
