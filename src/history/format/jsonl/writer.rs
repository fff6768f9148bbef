//! Writing the native format: one object per line, fields in the order `index`, `time`,
//! `process`, `type`, `f`, `key`, `value`, `error`, then the extra fields in their order.
//!
//! Absent `index`, `time`, `key` and `error` are omitted; `value` is always written (`null` when
//! nil). JSON has no keywords, sets or non-finite floats: a keyword is written as a plain string,
//! a set as an array, NaN and infinities as `null`, and a map key that is not a string as its
//! display text (`1`, `:k`, `[1, 2]`).

use std::io::{self, BufWriter, Write};

use crate::history::{Event, History, Process, Value};

/// Writes `history`, one event per line.
pub(in crate::history::format) fn write(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut line = Vec::with_capacity(256);
    for event in &history.events {
        line.clear();
        encode_event(event, &mut line);
        out.write_all(&line)?;
    }
    out.flush()
}

/// Writes one event as a line of the native format (with its `\n`), for recorders that write
/// events as they happen.
pub fn write_event(event: &Event, out: &mut dyn Write) -> io::Result<()> {
    let mut line = Vec::with_capacity(128);
    encode_event(event, &mut line);
    out.write_all(&line)
}

/// Appends `event`'s line, with its `\n`, to `out`.
pub(super) fn encode_event(event: &Event, out: &mut Vec<u8>) {
    out.push(b'{');
    if let Some(index) = event.index {
        out.extend_from_slice(b"\"index\":");
        out.extend_from_slice(itoa::Buffer::new().format(index).as_bytes());
        out.push(b',');
    }
    if let Some(time) = event.time {
        out.extend_from_slice(b"\"time\":");
        out.extend_from_slice(itoa::Buffer::new().format(time).as_bytes());
        out.push(b',');
    }
    out.extend_from_slice(b"\"process\":");
    match event.process {
        Process::Client(p) => out.extend_from_slice(itoa::Buffer::new().format(p).as_bytes()),
        Process::Nemesis => out.extend_from_slice(b"\"nemesis\""),
    }
    out.extend_from_slice(b",\"type\":\"");
    out.extend_from_slice(event.kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"f\":");
    encode_str(&event.f, out);
    if let Some(key) = &event.key {
        out.extend_from_slice(b",\"key\":");
        encode_value(key, out);
    }
    out.extend_from_slice(b",\"value\":");
    encode_value(&event.value, out);
    if let Some(error) = &event.error {
        out.extend_from_slice(b",\"error\":");
        encode_value(error, out);
    }
    for (name, value) in &event.extra {
        out.push(b',');
        encode_str(name, out);
        out.push(b':');
        encode_value(value, out);
    }
    out.extend_from_slice(b"}\n");
}

/// Appends `value` as JSON.
pub(super) fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::Float(x) if x.is_finite() => out.extend_from_slice(format!("{x:?}").as_bytes()),
        Value::Float(_) => out.extend_from_slice(b"null"),
        Value::Str(s) | Value::Keyword(s) => encode_str(s, out),
        Value::List(items) | Value::Set(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode_value(item, out);
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            out.push(b'{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match key {
                    Value::Str(s) => encode_str(s, out),
                    other => encode_str(&other.to_string(), out),
                }
                out.push(b':');
                encode_value(value, out);
            }
            out.push(b'}');
        }
    }
}

/// Appends `s` as a JSON string literal.
pub(super) fn encode_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;

    fn line(event: &Event) -> String {
        let mut out = Vec::new();
        encode_event(event, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_come_in_the_documented_order_and_absent_ones_are_omitted() {
        let mut e = Event::new(0, EventKind::Invoke, "write", 3.into()).with_key("x".into());
        e.index = Some(0);
        e.time = Some(1200);
        assert_eq!(
            line(&e),
            "{\"index\":0,\"time\":1200,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":3}\n"
        );
        let e = Event::new(1, EventKind::Ok, "read", Value::Nil);
        assert_eq!(
            line(&e),
            "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":null}\n"
        );
    }

    #[test]
    fn keywords_sets_and_odd_keys_become_plain_json() {
        let mut out = Vec::new();
        let v = Value::Map(
            vec![
                (Value::Int(1), Value::Keyword("ok".into())),
                (Value::str("s"), Value::Set(vec![Value::Float(1.0)].into())),
            ]
            .into(),
        );
        encode_value(&v, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"1":"ok","s":[1.0]}"#);
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        let mut out = Vec::new();
        encode_str("a\"b\\c\nd\u{1}é", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\nd\\u0001é\""
        );
    }
}
