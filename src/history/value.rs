//! [`Value`]: the data model shared by the JSON and EDN history formats.
//!
//! A value is what Jepsen's op maps carry in `:value`, `:key` and `:error`. JSON and EDN agree on
//! most of it; EDN adds keywords and sets. JSON has neither, so a keyword is written to JSON as a
//! plain string and a set as an array (see `format::jsonl`); everything else round-trips exactly.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A JSON/EDN datum.
///
/// Equality, hashing and ordering are total (floats compare by [`f64::total_cmp`]), so values
/// can serve as model states and as keys.
#[derive(Debug)]
pub enum Value {
    /// JSON `null`, EDN `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(Box<str>),
    /// An EDN keyword, without its leading colon (`:timed-out` is `Keyword("timed-out")`).
    Keyword(Box<str>),
    /// A JSON array, EDN vector or EDN list.
    List(Box<[Value]>),
    /// An EDN set (`#{...}`), in the order it was written.
    Set(Box<[Value]>),
    /// A JSON object or EDN map, in the order it was written.
    Map(Box<[(Value, Value)]>),
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<Box<str>>) -> Value {
        Value::Str(s.into())
    }

    /// A list value.
    pub fn list(items: impl Into<Vec<Value>>) -> Value {
        Value::List(items.into().into_boxed_slice())
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string or keyword text, if this is one of those.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Keyword(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is a list or a set.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// The two elements, if this is a list of exactly two (a `[k v]` tuple or `[old new]` pair).
    pub fn as_pair(&self) -> Option<(&Value, &Value)> {
        match self.as_list() {
            Some([a, b]) => Some((a, b)),
            _ => None,
        }
    }

    /// Whether this is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Str(_) => 4,
            Value::Keyword(_) => 5,
            Value::List(_) => 6,
            Value::Set(_) => 7,
            Value::Map(_) => 8,
        }
    }
}

/// Scalars (the usual register values and states) are copied in place; only the boxed variants
/// take a call. The checker clones a value for nearly every operation it lifts and state it steps to.
impl Clone for Value {
    #[inline]
    fn clone(&self) -> Value {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            _ => self.clone_boxed(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_boxed(&self) -> Value {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Keyword(k) => Value::Keyword(k.clone()),
            Value::List(items) => Value::List(items.clone()),
            Value::Set(items) => Value::Set(items.clone()),
            Value::Map(entries) => Value::Map(entries.clone()),
        }
    }
}

impl PartialEq for Value {
    /// Integers and `nil` (the usual register values) compared in place, without the call to
    /// the total order.
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Nil, Value::Nil) => true,
            _ => self.cmp(other) == Ordering::Equal,
        }
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        use Value::*;
        match (self, other) {
            (Nil, Nil) => Ordering::Equal,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (Str(a), Str(b)) | (Keyword(a), Keyword(b)) => a.cmp(b),
            (List(a), List(b)) | (Set(a), Set(b)) => a.cmp(b),
            (Map(a), Map(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.rank());
        match self {
            Value::Nil => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            Value::Str(s) | Value::Keyword(s) => s.hash(state),
            Value::List(items) | Value::Set(items) => items.hash(state),
            Value::Map(entries) => entries.hash(state),
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

/// Values print in the native (JSON) syntax, keywords as `:name` so they stay recognisable.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Keyword(k) => write!(f, ":{k}"),
            Value::List(items) | Value::Set(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Serialises as JSON would carry it: keywords as strings, sets as arrays, maps with their keys
/// rendered as strings when they are not strings already.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Nil => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Str(s) | Value::Keyword(s) => serializer.serialize_str(s),
            Value::List(items) | Value::Set(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries.iter() {
                    match k.as_text() {
                        Some(text) => map.serialize_entry(text, v)?,
                        None => map.serialize_entry(&k.to_string(), v)?,
                    }
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_have_a_total_order_so_values_can_be_states() {
        let nan = Value::Float(f64::NAN);
        assert_eq!(nan, nan.clone());
        assert!(Value::Float(1.0) < Value::Float(2.0));
    }

    #[test]
    fn every_variant_clones_to_an_equal_value() {
        let values = [
            Value::Nil,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(1.5),
            Value::str("a"),
            Value::Keyword("k".into()),
            Value::list(vec![Value::Int(1), Value::Nil]),
            Value::Set(vec![Value::Int(2)].into_boxed_slice()),
            Value::Map(vec![(Value::str("a"), Value::Int(3))].into_boxed_slice()),
        ];
        for (i, v) in values.iter().enumerate() {
            assert_eq!(&v.clone(), v);
            // The fast equality agrees with the total order, across variants too.
            for (j, w) in values.iter().enumerate() {
                assert_eq!(v == w, i == j, "{v} vs {w}");
            }
        }
    }

    #[test]
    fn keyword_and_string_with_the_same_text_differ() {
        assert_ne!(Value::Keyword("a".into()), Value::str("a"));
    }
}
