//! Native JSON lines for the tests: one event per line, Jepsen's op-map fields.
//!
//! Kept here, apart from `src/history/format`, so that what the differential tests print and
//! replay does not depend on the code under test. The shape is DESIGN.md's:
//! `{"index":0,"process":0,"type":"invoke","f":"write","key":"x","value":3}`.
//! Keywords are written as strings and sets as arrays, as the native format does.

use serde_json::{json, Map, Number};
use splitbrain::history::{Event, EventKind, Process, Value};

/// `value` as JSON.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into),
        Value::Str(s) | Value::Keyword(s) => json!(&**s),
        Value::List(items) | Value::Set(items) => items.iter().map(to_json).collect(),
        Value::Map(entries) => {
            let object: Map<String, serde_json::Value> = entries
                .iter()
                .map(|(k, v)| {
                    let key = k.as_text().map_or_else(|| k.to_string(), str::to_string);
                    (key, to_json(v))
                })
                .collect();
            serde_json::Value::Object(object)
        }
    }
}

/// JSON as a value: integers that fit in 64 bits stay integers, objects become maps.
pub fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::list(items.iter().map(from_json).collect::<Vec<_>>())
        }
        serde_json::Value::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// The history `events` as JSON lines, numbered from 0 (each line ends in a newline), fields in
/// DESIGN.md's order.
pub fn write_events(events: &[Event]) -> String {
    let mut out = String::new();
    for (index, event) in events.iter().enumerate() {
        let process = match event.process {
            Process::Client(p) => p.to_string(),
            Process::Nemesis => "\"nemesis\"".to_string(),
        };
        let kind = event.kind.as_str();
        let f = json!(&*event.f);
        out.push_str(&format!(
            "{{\"index\":{index},\"process\":{process},\"type\":\"{kind}\",\"f\":{f}"
        ));
        if let Some(key) = &event.key {
            out.push_str(&format!(",\"key\":{}", to_json(key)));
        }
        out.push_str(&format!(",\"value\":{}}}\n", to_json(&event.value)));
    }
    out
}

/// Events from JSON lines (blank lines skipped). Panics on malformed input: test data only.
pub fn read_events(text: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = number + 1;
        let json: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {at}: not JSON ({e}): {line}"));
        let field = |name: &str| json.get(name).unwrap_or(&serde_json::Value::Null);
        let process = match field("process") {
            serde_json::Value::String(s) if s == "nemesis" => Process::Nemesis,
            p => Process::Client(p.as_u64().unwrap_or_else(|| panic!("line {at}: process"))),
        };
        let kind = field("type")
            .as_str()
            .and_then(EventKind::from_name)
            .unwrap_or_else(|| panic!("line {at}: type"));
        let f = field("f")
            .as_str()
            .unwrap_or_else(|| panic!("line {at}: f"));
        let mut event = Event::new(0, kind, f, from_json(field("value")));
        event.process = process;
        event.key = json.get("key").map(from_json);
        event.index = json.get("index").and_then(serde_json::Value::as_u64);
        events.push(event);
    }
    events
}
