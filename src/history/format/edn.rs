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
//! - here: the entry point;
//! - `edn/blocks.rs`: the input in blocks read on all cores, each checked against the one before,
//!   one thread wherever a block cannot be trusted;
//! - `edn/top.rs`: the top level (sequence or vector of op maps) from any state between op maps,
//!   UTF-8, event line numbers;
//! - `edn/reader.rs`: the datum reader (collections, tags, discards, depth bound, positions);
//! - `edn/atom.rs`: strings, characters, keywords, numbers, symbols;
//! - `edn/op.rs`: an op map → an [`Event`];
//! - `edn/independent.rs`: `:value [k v]` tuples of independent keys → `key` and `value`;
//! - `edn/writer.rs`: the writer.

mod atom;
mod blocks;
mod independent;
mod op;
mod reader;
mod top;
mod writer;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::history::{Event, HistoryError};

pub(super) use writer::write;

/// Reads every event of the EDN `reader` into `sink`, on all cores when the input is large;
/// errors name `file`.
pub(super) fn read(
    reader: impl Read + Send,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    blocks::read(reader, file, sink)
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
        let err = read(&text[..], None, &mut |_| Ok(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 6: expected UTF-8 text, found byte 0xC3"
        );
    }
}
