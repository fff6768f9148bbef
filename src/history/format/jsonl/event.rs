//! One line of the native format: serde reads it into a [`RawEvent`] (fields unchecked, strings
//! borrowed), then [`RawEvent::check`] turns it into an [`Event`] or an error that points at the
//! offending field.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::value::{Scalar, ScalarSeed, Seen, ValueSeed};
use crate::history::format::intern::Interner;
use crate::history::format::text::{char_column, token_at};
use crate::history::{Event, EventKind, HistoryError, Location, Process, Value};

/// A line's fields as read, before they are checked.
#[derive(Debug, Default)]
pub(super) struct RawEvent<'de> {
    index: Option<Scalar<'de>>,
    time: Option<Scalar<'de>>,
    process: Option<Scalar<'de>>,
    kind: Option<Scalar<'de>>,
    f: Option<Scalar<'de>>,
    key: Option<Value>,
    value: Option<Value>,
    error: Option<Value>,
    extra: Vec<(Box<str>, Value)>,
}

/// Reads one line's object into a [`RawEvent`].
pub(super) struct LineSeed<'s>(pub(super) &'s Seen);

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = RawEvent<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawEvent<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

/// A key of the line's object.
enum Field {
    Index,
    Time,
    Process,
    Type,
    F,
    Key,
    Value,
    Error,
    Extra(Box<str>),
}

struct FieldSeed;

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldSeed {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Field, E> {
        Ok(match name {
            "index" => Field::Index,
            "time" => Field::Time,
            "process" => Field::Process,
            "type" => Field::Type,
            "f" => Field::F,
            "key" => Field::Key,
            "value" => Field::Value,
            "error" => Field::Error,
            other => Field::Extra(other.into()),
        })
    }
}

/// Stores `read` in `slot`, refusing a second occurrence of the field `name`.
fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, read: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(read);
    Ok(())
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = RawEvent<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (one event per line)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent<'de>, A::Error> {
        let seen = self.0;
        let mut raw = RawEvent::default();
        while let Some(field) = map.next_key_seed(FieldSeed)? {
            match field {
                Field::Index => once(
                    &mut raw.index,
                    "index",
                    map.next_value_seed(ScalarSeed(seen))?,
                )?,
                Field::Time => once(
                    &mut raw.time,
                    "time",
                    map.next_value_seed(ScalarSeed(seen))?,
                )?,
                Field::Process => once(
                    &mut raw.process,
                    "process",
                    map.next_value_seed(ScalarSeed(seen))?,
                )?,
                Field::Type => once(
                    &mut raw.kind,
                    "type",
                    map.next_value_seed(ScalarSeed(seen))?,
                )?,
                Field::F => once(&mut raw.f, "f", map.next_value_seed(ScalarSeed(seen))?)?,
                Field::Key => once(&mut raw.key, "key", map.next_value_seed(ValueSeed(seen))?)?,
                Field::Value => once(
                    &mut raw.value,
                    "value",
                    map.next_value_seed(ValueSeed(seen))?,
                )?,
                Field::Error => once(
                    &mut raw.error,
                    "error",
                    map.next_value_seed(ValueSeed(seen))?,
                )?,
                Field::Extra(name) => {
                    if raw.extra.iter().any(|(n, _)| *n == name) {
                        return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
                    }
                    raw.extra
                        .push((name, map.next_value_seed(ValueSeed(seen))?));
                }
            }
        }
        Ok(raw)
    }
}

/// Where a checked field's problem is: the line, and the file for messages.
pub(super) struct At<'a> {
    pub(super) file: Option<&'a Arc<Path>>,
    pub(super) line: u32,
    pub(super) text: &'a str,
}

impl At<'_> {
    /// An error about field `name` (its value's column, or the object's when it is missing).
    fn field_error(&self, name: &str, expected: &str) -> HistoryError {
        let (offset, found) = match value_offset(self.text, name) {
            Some(offset) => (offset, token_at(self.text, offset, "end of line")),
            None => (
                object_offset(self.text),
                format!("an object without a \"{name}\" field"),
            ),
        };
        HistoryError::syntax(
            Location::new(
                self.file,
                self.line,
                char_column(self.text.as_bytes(), offset),
            ),
            expected,
            found,
        )
    }
}

/// Byte offset of the value of field `name` in the line `text`, if it can be found.
fn value_offset(text: &str, name: &str) -> Option<usize> {
    let quoted = format!("\"{name}\"");
    let mut from = 0;
    while let Some(found) = text[from..].find(&quoted) {
        let after = from + found + quoted.len();
        let rest = text[after..].trim_start();
        if let Some(value) = rest.strip_prefix(':') {
            let value = value.trim_start();
            return Some(text.len() - value.len());
        }
        from = after;
    }
    None
}

/// Byte offset of the line's `{`.
fn object_offset(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

const TYPE_NAMES: &str = "\"invoke\", \"ok\", \"fail\" or \"info\" as \"type\"";

impl RawEvent<'_> {
    /// The event, or an error naming the first field that is missing or has the wrong type.
    pub(super) fn check(self, at: &At<'_>, interner: &mut Interner) -> Result<Event, HistoryError> {
        let index = match self.index {
            None => None,
            Some(Scalar::UInt(u)) => Some(u),
            Some(_) => return Err(at.field_error("index", "a non-negative integer as \"index\"")),
        };
        let time = match self.time {
            None => None,
            Some(Scalar::Int(i)) => Some(i),
            Some(Scalar::UInt(u)) if i64::try_from(u).is_ok() => Some(u as i64),
            Some(_) => return Err(at.field_error("time", "an integer (nanoseconds) as \"time\"")),
        };
        let process = match self.process {
            Some(Scalar::UInt(u)) => Process::Client(u),
            Some(Scalar::Str(s)) if s == "nemesis" => Process::Nemesis,
            _ => {
                let expected = "a non-negative integer or \"nemesis\" as \"process\"";
                return Err(at.field_error("process", expected));
            }
        };
        let kind = match &self.kind {
            Some(Scalar::Str(s)) => EventKind::from_name(s),
            _ => None,
        };
        let Some(kind) = kind else {
            return Err(at.field_error("type", TYPE_NAMES));
        };
        let f = match (
            &self.f,
            crate::history::format::implied::function(self.value.as_ref()),
        ) {
            (Some(Scalar::Str(s)), _) => interner.get(s),
            (None, Some(implied)) => interner.get(implied),
            _ => return Err(at.field_error("f", "a string naming the function as \"f\"")),
        };
        Ok(Event {
            index,
            time,
            process,
            kind,
            f,
            key: self.key,
            value: self.value.unwrap_or(Value::Nil),
            error: self.error,
            extra: self.extra,
            line: at.line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_offset_finds_the_key_not_an_equal_string_value() {
        let text = r#"{"f":"type", "type" : 3}"#;
        assert_eq!(&text[value_offset(text, "type").unwrap()..], "3}");
        assert_eq!(value_offset(text, "index"), None);
    }
}
