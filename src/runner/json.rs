//! Conversions between message bodies (`serde_json::Value`) and history values ([`Value`]).

use serde_json::Value as Json;

use crate::history::Value;

/// A JSON datum as a history value. Integers outside `i64` become floats.
pub fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(items) => Value::list(items.iter().map(to_value).collect::<Vec<_>>()),
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::str(k.as_str()), to_value(v)))
                .collect(),
        ),
    }
}

/// A history value as JSON. Keywords become strings, sets arrays, and map keys that are not
/// strings their display text (as in the native history format).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Str(s) | Value::Keyword(s) => Json::String(s.to_string()),
        Value::List(items) | Value::Set(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k.as_text() {
                        Some(t) => t.to_string(),
                        None => k.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// A string map of string lists as a history value, e.g. a partition grudge.
pub fn string_map(entries: &[(String, Vec<String>)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, vs)| {
                (
                    Value::str(k.as_str()),
                    Value::list(
                        vs.iter()
                            .map(|v| Value::str(v.as_str()))
                            .collect::<Vec<_>>(),
                    ),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_history_values() {
        let j = json!({"a": [1, -2, 3.5, "x", null, true], "b": {"c": []}});
        assert_eq!(to_json(&to_value(&j)), j);
    }
}
