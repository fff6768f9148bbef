//! A Jepsen op map → an [`Event`].
//!
//! `:type` (keyword or string: `invoke`, `ok`, `fail`, `info`), `:process` (non-negative integer
//! or `:nemesis`) and `:f` (keyword or string) are required; `:value` (absent → nil), `:key`,
//! `:index` (non-negative integer), `:time` (integer) and `:error` are optional; every other entry
//! is kept in [`Event::extra`], named by its key's text without the colon. Op map keys must be
//! keywords (or strings) and appear once.

use super::reader::{Entry, Form, Reader};
use crate::history::format::intern::Interner;
use crate::history::{Event, EventKind, HistoryError, Process, Value};

/// The fields Jepsen gives meaning to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Type,
    Process,
    F,
    Value,
    Key,
    Index,
    Time,
    Error,
}

impl Field {
    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "type" => Field::Type,
            "process" => Field::Process,
            "f" => Field::F,
            "value" => Field::Value,
            "key" => Field::Key,
            "index" => Field::Index,
            "time" => Field::Time,
            "error" => Field::Error,
            _ => return None,
        })
    }
}

/// Turns the entries of the op map whose `{` is at byte `open`, on line `line`, into an event.
pub(super) fn event(
    reader: &Reader<'_>,
    open: usize,
    line: u32,
    entries: Vec<Entry<'_>>,
    interner: &mut Interner,
) -> Result<Event, HistoryError> {
    let (mut kind, mut process, mut f) = (None, None, None);
    let (mut index, mut time, mut key, mut error) = (None, None, None, None);
    let mut value = Value::Nil;
    let mut extra: Vec<(Box<str>, Value)> = Vec::new();
    let mut seen: Vec<Field> = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(name) = entry.key.text() else {
            return Err(
                reader.expected_at(entry.key_pos, "a keyword such as :type as an op map key")
            );
        };
        let Some(field) = Field::from_name(name) else {
            if extra.iter().any(|(n, _)| &**n == name) {
                return Err(duplicate(reader, &entry));
            }
            extra.push((name.into(), entry.value.into_value()));
            continue;
        };
        if seen.contains(&field) {
            return Err(duplicate(reader, &entry));
        }
        seen.push(field);
        let wrong = |expected: &str| Err(reader.expected_at(entry.value_pos, expected));
        match field {
            Field::Type => match entry.value.text().and_then(EventKind::from_name) {
                Some(k) => kind = Some(k),
                None => return wrong(TYPE_EXPECTED),
            },
            Field::Process => match &entry.value {
                Form::Value(Value::Int(p)) if *p >= 0 => process = Some(Process::Client(*p as u64)),
                v if v.text() == Some("nemesis") => process = Some(Process::Nemesis),
                _ => return wrong(PROCESS_EXPECTED),
            },
            Field::F => match entry.value.text() {
                Some(name) => f = Some(interner.get(name)),
                None => return wrong(F_EXPECTED),
            },
            Field::Index => match entry.value {
                Form::Value(Value::Int(i)) if i >= 0 => index = Some(i as u64),
                _ => return wrong("a non-negative integer as :index"),
            },
            Field::Time => match entry.value {
                Form::Value(Value::Int(t)) => time = Some(t),
                _ => return wrong("an integer (nanoseconds) as :time"),
            },
            Field::Value => value = entry.value.into_value(),
            Field::Key => key = Some(entry.value.into_value()),
            Field::Error => error = Some(entry.value.into_value()),
        }
    }
    let missing = |expected: &str| {
        HistoryError::syntax(reader.location(open), expected, "an op map without one")
    };
    let kind = kind.ok_or_else(|| missing(TYPE_EXPECTED))?;
    Ok(Event {
        index,
        time,
        process: process.ok_or_else(|| missing(PROCESS_EXPECTED))?,
        kind,
        f: match (f, super::super::implied::function(Some(&value))) {
            (Some(f), _) => f,
            (None, Some(implied)) => interner.get(implied),
            (None, None) => return Err(missing(F_EXPECTED)),
        },
        key,
        value,
        error,
        extra,
        line,
    })
}

const TYPE_EXPECTED: &str = ":invoke, :ok, :fail or :info as :type";
const PROCESS_EXPECTED: &str = "a non-negative integer or :nemesis as :process";
const F_EXPECTED: &str = "a keyword naming the function as :f";

fn duplicate(reader: &Reader<'_>, entry: &Entry<'_>) -> HistoryError {
    HistoryError::syntax(
        reader.location(entry.key_pos),
        "each key once in an op map",
        format!("a second {}", reader.found_at(entry.key_pos)),
    )
}
