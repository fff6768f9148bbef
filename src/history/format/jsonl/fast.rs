//! The fast path: a line in the shape `splitbrain` itself writes, read without serde.
//!
//! Most large files come from our own writer: compact objects (no spaces) of the known fields,
//! integers, plain strings and small arrays. Reading them byte by byte, without serde's
//! visitors, is several times faster. Anything outside that shape — whitespace, escapes, floats,
//! objects, unknown fields, a missing `f`, any error — returns `None`, and the line goes to the
//! serde reader (`event.rs`), which builds the same event or the error with its exact column. So
//! this path only decides *how* a line is read, never what it means: for every line it accepts,
//! it must build exactly the event the serde reader builds (a differential test checks it).

use crate::history::format::intern::Interner;
use crate::history::{Event, EventKind, Process, Value};

/// Deepest array nesting read here; deeper values take the serde reader.
const MAX_DEPTH: u32 = 4;

/// Digits read here; longer numbers (which may not fit in an `i64`) take the serde reader.
const MAX_DIGITS: usize = 18;

/// The event on line `line` whose text is `text`, when the line has the fast shape.
pub(super) fn event(text: &str, line: u32, interner: &mut Interner) -> Option<Event> {
    let mut cursor = Cursor {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    cursor.eat(b'{')?;
    let mut fields = Fields::default();
    if !cursor.eat_if(b'}') {
        loop {
            match cursor.name()? {
                Name::Index => set(&mut fields.index, u64::try_from(cursor.int()?).ok()?)?,
                Name::Time => set(&mut fields.time, cursor.int()?)?,
                Name::Process => {
                    let process = if cursor.peek()? == b'"' {
                        (cursor.string()? == "nemesis").then_some(Process::Nemesis)?
                    } else {
                        Process::Client(u64::try_from(cursor.int()?).ok()?)
                    };
                    set(&mut fields.process, process)?;
                }
                Name::Type => set(&mut fields.kind, cursor.kind()?)?,
                Name::F => set(&mut fields.f, cursor.string()?)?,
                Name::Key => set(&mut fields.key, cursor.value(0)?)?,
                Name::Value => set(&mut fields.value, cursor.value(0)?)?,
                Name::Error => set(&mut fields.error, cursor.value(0)?)?,
            }
            if cursor.eat_if(b'}') {
                break;
            }
            cursor.eat(b',')?;
        }
    }
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    Some(Event {
        index: fields.index,
        time: fields.time,
        process: fields.process?,
        kind: fields.kind?,
        f: interner.get(fields.f?),
        key: fields.key,
        value: fields.value.unwrap_or(Value::Nil),
        error: fields.error,
        extra: Vec::new(),
        line,
    })
}

/// The fields read so far.
#[derive(Default)]
struct Fields<'a> {
    index: Option<u64>,
    time: Option<i64>,
    process: Option<Process>,
    kind: Option<EventKind>,
    f: Option<&'a str>,
    key: Option<Value>,
    value: Option<Value>,
    error: Option<Value>,
}

/// The fields this path reads; any other name is for the serde reader.
#[derive(Clone, Copy)]
enum Name {
    Index,
    Time,
    Process,
    Type,
    F,
    Key,
    Value,
    Error,
}

/// Each name as it appears in a line, quotes and colon included, so one comparison reads it
/// whole (a name with an escape in it, or not followed by a colon, matches none: serde's).
const NAMES: [(&[u8], Name); 8] = [
    (b"\"index\":", Name::Index),
    (b"\"time\":", Name::Time),
    (b"\"process\":", Name::Process),
    (b"\"type\":", Name::Type),
    (b"\"f\":", Name::F),
    (b"\"key\":", Name::Key),
    (b"\"value\":", Name::Value),
    (b"\"error\":", Name::Error),
];

/// The event types, quotes included.
const KINDS: [(&[u8], EventKind); 4] = [
    (b"\"invoke\"", EventKind::Invoke),
    (b"\"ok\"", EventKind::Ok),
    (b"\"fail\"", EventKind::Fail),
    (b"\"info\"", EventKind::Info),
];

/// Fills `slot`; a field given twice is for the serde reader to report.
fn set<T>(slot: &mut Option<T>, read: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(read);
    Some(())
}

struct Cursor<'a> {
    /// The line, for cutting strings out of it without validating their UTF-8 again.
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.eat_if(byte).then_some(())
    }

    fn eat_if(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.at += usize::from(hit);
        hit
    }

    /// A field name and its colon. The byte after the opening quote tells the one candidate
    /// (`time` and `type` share theirs: the next one tells them apart).
    fn name(&mut self) -> Option<Name> {
        let rest = &self.bytes[self.at..];
        let candidate = match *rest.get(1)? {
            b'i' => 0,
            b't' => match *rest.get(2)? {
                b'i' => 1,
                _ => 3,
            },
            b'p' => 2,
            b'f' => 4,
            b'k' => 5,
            b'v' => 6,
            b'e' => 7,
            _ => return None,
        };
        let (text, name) = NAMES[candidate];
        rest.starts_with(text).then(|| {
            self.at += text.len();
            name
        })
    }

    /// An event type: `"invoke"`, `"ok"`, `"fail"` or `"info"` (the only strings
    /// [`EventKind::from_name`] takes; anything else is for serde to reject).
    fn kind(&mut self) -> Option<EventKind> {
        let rest = &self.bytes[self.at..];
        let &(text, kind) = KINDS.iter().find(|(text, _)| rest.starts_with(text))?;
        self.at += text.len();
        Some(kind)
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let mut end = start;
        loop {
            match *self.bytes.get(end)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        // The line is UTF-8 and the cut is at ASCII quotes (char boundaries), so this is
        // always `Some`, without a second validation.
        self.text.get(start..end)
    }

    /// An integer of at most [`MAX_DIGITS`] digits, in JSON's grammar (no leading zeros, no
    /// `-0`, no fraction or exponent).
    fn int(&mut self) -> Option<i64> {
        let negative = self.eat_if(b'-');
        let start = self.at;
        let mut end = start;
        let mut magnitude = 0i64;
        // One pass: digits are read and summed together (at most 18 fit an `i64`).
        while let Some(&d) = self.bytes.get(end) {
            if !d.is_ascii_digit() {
                break;
            }
            if end - start == MAX_DIGITS {
                return None;
            }
            magnitude = magnitude * 10 + i64::from(d - b'0');
            end += 1;
        }
        let digits = end - start;
        if digits == 0 || (digits > 1 && self.bytes[start] == b'0') {
            return None;
        }
        if matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.at = end;
        if negative && magnitude == 0 {
            return None;
        }
        Some(if negative { -magnitude } else { magnitude })
    }

    /// `null`, `true`, `false`, an integer, a plain string, or an array of these.
    fn value(&mut self, depth: u32) -> Option<Value> {
        match self.peek()? {
            b'"' => Some(Value::Str(self.string()?.into())),
            b'[' if depth < MAX_DEPTH => {
                self.at += 1;
                // Two items is the common case (a cas's `[old, new]`): room for exactly those,
                // so boxing the slice does not reallocate.
                let mut items = Vec::with_capacity(2);
                if !self.eat_if(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat_if(b']') {
                            break;
                        }
                        self.eat(b',')?;
                    }
                }
                Some(Value::List(items.into_boxed_slice()))
            }
            b'n' => self.word(b"null", Value::Nil),
            b't' => self.word(b"true", Value::Bool(true)),
            b'f' => self.word(b"false", Value::Bool(false)),
            _ => self.int().map(Value::Int),
        }
    }

    fn word(&mut self, word: &[u8], value: Value) -> Option<Value> {
        self.bytes[self.at..].starts_with(word).then(|| {
            self.at += word.len();
            value
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::super::LineParser;
    use super::*;

    fn fast(text: &str) -> Option<Event> {
        event(text, 7, &mut Interner::default())
    }

    fn serde(text: &str) -> Result<Event, crate::history::HistoryError> {
        LineParser::new(None).parse_with_serde(7, text)
    }

    /// Tokens for values inside the fast shape.
    const GOOD: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "7",
        "-3",
        "123456789012345678",
        "\"x\"",
        "\"é\"",
        "\"nemesis\"",
        "\"invoke\"",
        "\"ok\"",
        "\"\"",
    ];

    /// Tokens outside it: for serde to read or reject.
    const BAD: &[&str] = &[
        "1234567890123456789",
        "99999999999999999999",
        "-0",
        "01",
        "1.5",
        "1e3",
        "-",
        "\"a\\\"b\"",
        "{}",
        "{\"a\":1}",
        "nul",
        "[",
        "]",
    ];

    fn value(rng: &mut ChaCha8Rng, depth: u32) -> String {
        if depth < 6 && rng.gen_bool(0.3) {
            let items: Vec<String> = (0..rng.gen_range(0..4))
                .map(|_| value(rng, depth + 1))
                .collect();
            return format!("[{}]", items.join(","));
        }
        let tokens = if rng.gen_bool(0.1) { BAD } else { GOOD };
        tokens.choose(rng).unwrap().to_string()
    }

    /// A line of random fields, mostly well-formed, sometimes with a flaw.
    fn line(rng: &mut ChaCha8Rng) -> String {
        let mut fields = vec![
            format!(
                "\"process\":{}",
                ["3", "0", "\"nemesis\"", "-1", "\"x\""]
                    .choose(rng)
                    .unwrap()
            ),
            format!(
                "\"type\":{}",
                [
                    "\"invoke\"",
                    "\"ok\"",
                    "\"fail\"",
                    "\"info\"",
                    "\"done\"",
                    "1"
                ]
                .choose(rng)
                .unwrap()
            ),
        ];
        // Rarely a field the fast path leaves to serde: an unknown one, or one given twice.
        let names = [
            ("index", 0.5),
            ("time", 0.5),
            ("f", 0.9),
            ("key", 0.5),
            ("value", 0.5),
            ("error", 0.3),
            ("extra", 0.05),
            ("index", 0.05),
        ];
        for (name, p) in names {
            if rng.gen_bool(p) {
                let v = match name {
                    "f" if rng.gen_bool(0.8) => "\"write\"".to_string(),
                    "index" | "time" if rng.gen_bool(0.8) => rng.gen_range(0..1000).to_string(),
                    _ => value(rng, 0),
                };
                fields.push(format!("\"{name}\":{v}"));
            }
        }
        fields.shuffle(rng);
        let mut text = format!("{{{}}}", fields.join(","));
        match rng.gen_range(0..10) {
            0 => {
                let mut at = rng.gen_range(0..=text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert(at, ' ');
            }
            1 => text.push_str(" x"),
            2 => {
                text.pop();
            }
            _ => {}
        }
        text
    }

    #[test]
    fn every_line_the_fast_path_reads_is_read_the_same_by_serde() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let text = line(&mut rng);
            let Some(event) = fast(&text) else { continue };
            accepted += 1;
            assert_eq!(serde(&text).ok(), Some(event), "{text}");
        }
        // The generator reaches both paths: a fast path that accepts nothing proves nothing.
        assert!(accepted > 2_000, "only {accepted} lines took the fast path");
    }

    #[test]
    fn our_writers_lines_take_the_fast_path() {
        for text in [
            r#"{"index":0,"time":0,"process":20,"type":"invoke","f":"read","key":710,"value":null}"#,
            r#"{"index":1,"time":9,"process":30,"type":"ok","f":"cas","key":254,"value":[0,4]}"#,
            r#"{"index":2,"process":"nemesis","type":"info","f":"start","value":[["n1"],["n2"]]}"#,
            r#"{"process":1,"type":"info","f":"write","value":-3,"error":"timeout"}"#,
        ] {
            let event = fast(text).unwrap_or_else(|| panic!("slow path for {text}"));
            assert_eq!(serde(text).ok(), Some(event), "{text}");
        }
    }

    #[test]
    fn lines_outside_the_shape_are_left_to_serde() {
        for text in [
            r#"{"process":1, "type":"ok","f":"read"}"#,
            r#"{"process":1,"type":"ok","f":"read","value":1.5}"#,
            r#"{"process":1,"type":"ok","f":"read","value":-0}"#,
            r#"{"process":1,"type":"ok","f":"read","value":1234567890123456789}"#,
            r#"{"process":1,"type":"ok","f":"r\u0065ad"}"#,
            r#"{"process":1,"type":"ok","value":[["r",1,null]]}"#,
            r#"{"process":1,"type":"ok","f":"read","node":"n1"}"#,
            r#"{"process":1,"type":"ok","f":"read","f":"read"}"#,
            r#"{"process":1,"type":"ok","f":"read"} "#,
            r#"{"process":1,"type":"ok","f":"read","value":{"a":1}}"#,
        ] {
            assert_eq!(fast(text), None, "{text}");
        }
    }
}
