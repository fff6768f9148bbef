//! Writing Jepsen EDN: one op map per line,
//! `{:index 0, :time 1200, :type :invoke, :process 0, :f :write, :value 3}`.
//!
//! Entries come in the order `:index`, `:time`, `:type`, `:process`, `:f`, `:key`, `:value`,
//! `:error`, then the extra fields; absent `:index`, `:time`, `:key` and `:error` are omitted.
//! `:type` and `:f` are keywords (`:f` a string when its text is not a valid keyword name), the
//! nemesis is `:process :nemesis`. Keys: when every client event has one (and the tuples would
//! read back as such, see `independent.rs`), they are written as Jepsen's `:value [k v]` tuples so
//! Jepsen's own tooling reads them; otherwise as `:key k` entries.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use super::independent::tuples_read_back;
use crate::history::{Event, History, Process, Value};

/// Writes `history`, one op map per line.
pub(in crate::history::format) fn write(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let tuples = tuples_read_back(&history.events);
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut line = String::with_capacity(256);
    for event in &history.events {
        line.clear();
        encode_event(event, tuples, &mut line);
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Whether `name` can be written as a keyword `:name` and read back as the same text.
pub(super) fn is_keyword_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(':')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "*+!-_?<>=./:#'%&$|".contains(c))
}

/// Appends the op map of `event` and a newline; client keys as `[k v]` tuples when `tuples`.
fn encode_event(event: &Event, tuples: bool, out: &mut String) {
    let mut entries = Entries { out, first: true };
    out_entry(&mut entries, "index", event.index.map(|i| i.to_string()));
    out_entry(&mut entries, "time", event.time.map(|t| t.to_string()));
    out_entry(&mut entries, "type", Some(format!(":{}", event.kind)));
    let process = match event.process {
        Process::Client(p) => p.to_string(),
        Process::Nemesis => ":nemesis".to_string(),
    };
    out_entry(&mut entries, "process", Some(process));
    entries.key("f");
    encode_name(&event.f, entries.out);
    let tuple = tuples && event.process != Process::Nemesis;
    if let (Some(key), false) = (&event.key, tuple) {
        entries.key("key");
        encode_value(key, entries.out);
    }
    entries.key("value");
    match (&event.key, tuple) {
        (Some(key), true) => {
            entries.out.push('[');
            encode_value(key, entries.out);
            entries.out.push(' ');
            encode_value(&event.value, entries.out);
            entries.out.push(']');
        }
        _ => encode_value(&event.value, entries.out),
    }
    if let Some(error) = &event.error {
        entries.key("error");
        encode_value(error, entries.out);
    }
    for (name, value) in &event.extra {
        entries.separate();
        encode_name(name, entries.out);
        entries.out.push(' ');
        encode_value(value, entries.out);
    }
    out.push_str("}\n");
}

/// The entries of one map being written.
struct Entries<'o> {
    out: &'o mut String,
    first: bool,
}

impl Entries<'_> {
    fn separate(&mut self) {
        self.out.push_str(if self.first { "{" } else { ", " });
        self.first = false;
    }

    /// Starts the entry for the keyword key `:name`.
    fn key(&mut self, name: &str) {
        self.separate();
        self.out.push(':');
        self.out.push_str(name);
        self.out.push(' ');
    }
}

fn out_entry(entries: &mut Entries<'_>, name: &str, value: Option<String>) {
    if let Some(value) = value {
        entries.key(name);
        entries.out.push_str(&value);
    }
}

/// A name as a keyword when possible, else as a string.
fn encode_name(name: &str, out: &mut String) {
    if is_keyword_name(name) {
        out.push(':');
        out.push_str(name);
    } else {
        encode_str(name, out);
    }
}

/// Appends `value` as EDN.
pub(super) fn encode_value(value: &Value, out: &mut String) {
    match value {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) if x.is_nan() => out.push_str("##NaN"),
        Value::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "##Inf" } else { "##-Inf" })
        }
        Value::Float(x) => {
            let _ = write!(out, "{x:?}");
        }
        Value::Str(s) => encode_str(s, out),
        Value::Keyword(k) => encode_name(k, out),
        Value::List(items) => encode_items("[", items, "]", out),
        Value::Set(items) => encode_items("#{", items, "}", out),
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                encode_value(k, out);
                out.push(' ');
                encode_value(v, out);
            }
            out.push('}');
        }
    }
}

fn encode_items(open: &str, items: &[Value], close: &str, out: &mut String) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        encode_value(item, out);
    }
    out.push_str(close);
}

/// Appends `s` as an EDN string literal.
fn encode_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;

    fn line(event: &Event, tuples: bool) -> String {
        let mut out = String::new();
        encode_event(event, tuples, &mut out);
        out
    }

    #[test]
    fn writes_jepsens_op_map_layout() {
        let mut e = Event::new(0, EventKind::Invoke, "write", 3.into());
        e.index = Some(0);
        e.time = Some(1200);
        assert_eq!(
            line(&e, false),
            "{:index 0, :time 1200, :type :invoke, :process 0, :f :write, :value 3}\n"
        );
    }

    #[test]
    fn nemesis_errors_and_extras_are_written() {
        let mut e = Event::new(
            0,
            EventKind::Info,
            "start-partition",
            Value::Keyword("majority".into()),
        );
        e.process = Process::Nemesis;
        e.error = Some("timeout".into());
        e.extra = vec![
            ("node name".into(), "n1".into()),
            ("ns".into(), Value::Float(f64::NAN)),
        ];
        assert_eq!(
            line(&e, false),
            "{:type :info, :process :nemesis, :f :start-partition, :value :majority, :error \"timeout\", \"node name\" \"n1\", :ns ##NaN}\n"
        );
    }

    #[test]
    fn keys_are_tuples_or_key_entries() {
        let e = Event::new(
            1,
            EventKind::Ok,
            "cas",
            Value::list(vec![1.into(), 2.into()]),
        )
        .with_key("x".into());
        assert_eq!(
            line(&e, true),
            "{:type :ok, :process 1, :f :cas, :value [\"x\" [1 2]]}\n"
        );
        assert_eq!(
            line(&e, false),
            "{:type :ok, :process 1, :f :cas, :key \"x\", :value [1 2]}\n"
        );
    }

    #[test]
    fn values_use_edn_syntax() {
        let mut out = String::new();
        let v = Value::Map(
            vec![(
                Value::Keyword("a b".into()),
                Value::Set(vec![Value::Float(1.0), Value::str("q\"\u{1}")].into()),
            )]
            .into(),
        );
        encode_value(&v, &mut out);
        assert_eq!(out, "{\"a b\" #{1.0 \"q\\\"\\u0001\"}}");
    }
}
