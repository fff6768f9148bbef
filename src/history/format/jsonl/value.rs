//! serde visitors that build a [`Value`] straight from serde_json's tokens (no
//! `serde_json::Value` in between), and [`Scalar`], the unchecked form of the typed fields.
//!
//! Integers that do not fit in an `i64` reach us as `u64` or as `f64`; the visitors only raise
//! [`Seen::big_number`] and the line reader then finds the offending token (see `error.rs`), so
//! the message can quote it.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::history::Value;

/// What the visitors noticed while reading one line.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// A number that may be an integer outside the `i64` range was read.
    pub(super) big_number: Cell<bool>,
}

impl Seen {
    fn note_u64(&self, u: u64) {
        if i64::try_from(u).is_err() {
            self.big_number.set(true);
        }
    }

    fn note_f64(&self, x: f64) {
        // 2^63: every integer literal outside the i64 range that serde_json turns into a float.
        if x.abs() >= 9_223_372_036_854_775_808.0 {
            self.big_number.set(true);
        }
    }
}

/// Reads any JSON value as a [`Value`].
#[derive(Clone, Copy)]
pub(super) struct ValueSeed<'s>(pub(super) &'s Seen);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        self.0.note_u64(u);
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        self.0.note_f64(x);
        Ok(Value::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s.into_boxed_str()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::List(items.into_boxed_slice()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(self)? {
            entries.push((key, map.next_value_seed(self)?));
        }
        Ok(Value::Map(entries.into_boxed_slice()))
    }
}

/// A typed field (`index`, `time`, `process`, `type`, `f`) as read, before it is checked; strings
/// are borrowed from the line when they have no escapes.
#[derive(Debug)]
pub(super) enum Scalar<'de> {
    /// A string.
    Str(Cow<'de, str>),
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    /// A float (or an integer too large for 64 bits).
    Float,
    /// `null`, a boolean, an array or an object.
    Other,
}

/// Reads a [`Scalar`].
#[derive(Clone, Copy)]
pub(super) struct ScalarSeed<'s>(pub(super) &'s Seen);

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Scalar<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other)
    }

    fn visit_i64<E>(self, i: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Scalar<'de>, E> {
        self.0.note_u64(u);
        Ok(Scalar::UInt(u))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Scalar<'de>, E> {
        self.0.note_f64(x);
        Ok(Scalar::Float)
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: &str) -> (Value, bool) {
        let seen = Seen::default();
        let mut de = serde_json::Deserializer::from_str(json);
        let v = ValueSeed(&seen).deserialize(&mut de).unwrap();
        (v, seen.big_number.get())
    }

    #[test]
    fn integers_are_ints_and_other_numbers_are_floats() {
        assert_eq!(value("3").0, Value::Int(3));
        assert_eq!(value("-3").0, Value::Int(-3));
        assert_eq!(value("3.0").0, Value::Float(3.0));
        assert_eq!(value("1e3").0, Value::Float(1000.0));
    }

    #[test]
    fn arrays_are_lists_and_objects_are_maps_with_string_keys_in_order() {
        let (v, _) = value(r#"{"b":[1,null,true],"a":"x"}"#);
        let expected = Value::Map(
            vec![
                (
                    Value::str("b"),
                    Value::list(vec![Value::Int(1), Value::Nil, Value::Bool(true)]),
                ),
                (Value::str("a"), Value::str("x")),
            ]
            .into(),
        );
        assert_eq!(v, expected);
    }

    #[test]
    fn numbers_beyond_i64_are_flagged() {
        assert!(value("9223372036854775808").1);
        assert!(value("-99999999999999999999").1);
        assert!(!value("9223372036854775807").1);
        assert!(!value("-9223372036854775808").1);
    }
}
