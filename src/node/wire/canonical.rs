//! A value's JSON text exactly as `serde_json::to_value(v)?.to_string()` writes it (compact,
//! every object's keys in byte order), written straight from its `Serialize` without building a
//! `serde_json::Value`.
//!
//! Why: the host writes every message body in that form, and the validator renders each message
//! the model's code sends the same way to compare it byte for byte with the journaled one; going
//! through a `Value` (a `String` and a tree node per key, a `BTreeMap` per object) was ~40 % of
//! validation time. Here an object's members are written in the order `Serialize` gives them,
//! each `"key":value` segment's range remembered, and, if the keys were not already in order,
//! the segments are copied back sorted: no allocation beyond the output and two reused buffers.
//!
//! Only shapes whose `Value` rendering is plain are taken: strings, integers, booleans, null,
//! sequences, structs, string-keyed maps and enum variants. Anything else — a float (whose
//! `Value` rendering depends on its width), bytes, a map key that is not a string, a key
//! written twice (a `Value` keeps the last), serde_json's own raw or arbitrary-precision values —
//! is refused with [`Unsupported`], and the caller renders through a `Value` instead. So the
//! text never differs from the `Value` rendering; a differential test checks it on every kind
//! of message the reference nodes send.

mod compound;
mod key;

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Serialize};

use compound::Compound;

/// A value this writer does not take (the caller renders it through a `Value`).
#[derive(Debug)]
pub(crate) struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not rendered canonically: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(what.to_string()))
}

/// `value`'s text as `serde_json::to_value(value)?.to_string()` writes it, or [`Unsupported`].
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Unsupported> {
    let mut writer = Writer {
        out: Vec::with_capacity(128),
        members: Vec::new(),
        scratch: Vec::new(),
    };
    value.serialize(&mut writer)?;
    // Every byte written is serde_json's escaped string text or ASCII punctuation and digits.
    String::from_utf8(writer.out).map_err(|_| Unsupported("invalid UTF-8".into()))
}

/// One `"key":value` segment of an open object.
struct Member {
    key: Cow<'static, str>,
    start: usize,
    end: usize,
}

struct Writer {
    out: Vec<u8>,
    /// The members of every open object, innermost last.
    members: Vec<Member>,
    /// Where an object's segments are copied to be written back sorted.
    scratch: Vec<u8>,
}

impl Writer {
    fn str(&mut self, text: &str) -> Result<(), Unsupported> {
        serde_json::to_writer(&mut self.out, text).map_err(|e| Unsupported(e.to_string()))
    }

    fn int(&mut self, n: impl itoa::Integer) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    /// Opens an object: `{`; its members follow.
    fn open(&mut self) -> Object {
        self.out.push(b'{');
        Object {
            at: self.out.len(),
            first_member: self.members.len(),
        }
    }

    /// Starts member `key` of `object`.
    fn key(&mut self, object: &Object, key: Cow<'static, str>) -> Result<(), Unsupported> {
        if self.members.len() > object.first_member {
            self.out.push(b',');
        }
        let start = self.out.len();
        self.str(&key)?;
        self.out.push(b':');
        self.members.push(Member {
            key,
            start,
            end: start,
        });
        Ok(())
    }

    /// Ends the member being written.
    fn end_member(&mut self) {
        let end = self.out.len();
        if let Some(member) = self.members.last_mut() {
            member.end = end;
        }
    }

    /// Closes `object`, its members in key order: `}`.
    fn close(&mut self, object: Object) -> Result<(), Unsupported> {
        let members = &mut self.members[object.first_member..];
        let sorted = members.windows(2).all(|w| w[0].key < w[1].key);
        if !sorted {
            members.sort_by(|a, b| a.key.cmp(&b.key));
            if members.windows(2).any(|w| w[0].key == w[1].key) {
                return unsupported("a key written twice");
            }
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.out[object.at..]);
            self.out.truncate(object.at);
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                let range = m.start - object.at..m.end - object.at;
                self.out.extend_from_slice(&self.scratch[range]);
            }
        }
        self.members.truncate(object.first_member);
        self.out.push(b'}');
        Ok(())
    }

    /// Opens `{"variant":` around an enum variant's content.
    fn open_variant(&mut self, variant: &'static str) -> Result<(), Unsupported> {
        self.out.push(b'{');
        self.str(variant)?;
        self.out.push(b':');
        Ok(())
    }
}

/// An open object: where its members start in the output and in `Writer::members`.
struct Object {
    at: usize,
    first_member: usize,
}

/// `fn name(self, v: T)` writing the integer, for each `name: T`.
macro_rules! write_integers {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(fn $name(self, v: $ty) -> Result<(), Unsupported> {
            self.int(v);
            Ok(())
        })*
    };
}

/// serde_json's private struct names: a raw value, an arbitrary-precision number.
fn private_to_serde_json(name: &str) -> bool {
    name.starts_with("$serde_json")
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    write_integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    }
    fn serialize_i128(self, _: i128) -> Result<(), Unsupported> {
        unsupported("a 128-bit integer")
    }
    fn serialize_u128(self, _: u128) -> Result<(), Unsupported> {
        unsupported("a 128-bit integer")
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        unsupported("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        unsupported("a float")
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.str(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        if private_to_serde_json(name) {
            return unsupported(name);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w>, Unsupported> {
        Ok(Compound::sequence(self, false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'w>, Unsupported> {
        Ok(Compound::sequence(self, false))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Compound<'w>, Unsupported> {
        Ok(Compound::sequence(self, false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w>, Unsupported> {
        self.open_variant(variant)?;
        Ok(Compound::sequence(self, true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w>, Unsupported> {
        Ok(Compound::object(self, false))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'w>, Unsupported> {
        if private_to_serde_json(name) {
            return unsupported(name);
        }
        Ok(Compound::object(self, false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w>, Unsupported> {
        self.open_variant(variant)?;
        Ok(Compound::object(self, true))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Arc;

    use serde::Serialize;
    use serde_json::{json, Value};

    use super::to_string;

    fn through_value<T: Serialize>(value: &T) -> String {
        serde_json::to_value(value).unwrap().to_string()
    }

    /// Asserts the canonical text is the `Value` rendering.
    fn same<T: Serialize>(value: &T) {
        assert_eq!(to_string(value).unwrap(), through_value(value));
    }

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Tagged {
        Unsorted {
            zeta: u64,
            alpha: Option<i64>,
            mid: Vec<Inner>,
        },
        Newtype(Inner),
        Empty,
    }

    #[derive(Serialize)]
    struct Inner {
        z: &'static str,
        a: Arc<[u8]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        nested: Outer,
    }

    #[derive(Serialize)]
    enum Outer {
        Unit,
        Tuple(u8, String),
        Struct { y: bool, b: char },
        Newtype(BTreeMap<String, Value>),
    }

    fn inner(nested: Outer) -> Inner {
        Inner {
            z: "quote \" backslash \\ newline \n tab \t unicode é \u{1} ",
            a: Arc::from(vec![3, 1, 2]),
            skipped: None,
            nested,
        }
    }

    #[test]
    fn every_serde_shape_renders_as_a_value_renders_it() {
        let map: BTreeMap<String, Value> = [
            ("b".to_string(), json!({"y": [1, -2], "a": null, "": "x"})),
            ("a".to_string(), json!(u64::MAX)),
        ]
        .into_iter()
        .collect();
        same(&Tagged::Unsorted {
            zeta: 7,
            alpha: Some(i64::MIN),
            mid: vec![
                inner(Outer::Unit),
                inner(Outer::Tuple(1, "t".into())),
                inner(Outer::Struct { y: true, b: 'é' }),
                inner(Outer::Newtype(map)),
            ],
        });
        same(&Tagged::Newtype(inner(Outer::Unit)));
        same(&Tagged::Empty);
        same(&Tagged::Unsorted {
            zeta: 0,
            alpha: None,
            mid: Vec::new(),
        });
        let keys: HashMap<String, u8> = (0..20).map(|i| (format!("k{i}"), i)).collect();
        same(&keys);
        same(&(1u8, "two", [3i16; 2], ()));
    }

    #[test]
    fn shapes_a_value_renders_its_own_way_are_refused() {
        let int_keys: BTreeMap<u64, u8> = [(10, 1), (9, 2)].into_iter().collect();
        assert!(to_string(&int_keys).is_err());
        assert!(to_string(&json!({"x": 1.5})).is_err());
        assert!(to_string(&1.0f32).is_err());
        assert!(to_string(&u128::MAX).is_err());
        let raw = serde_json::value::RawValue::from_string("{ }".into()).unwrap();
        assert!(to_string(&raw).is_err());
        #[derive(Serialize)]
        struct Twice {
            a: u8,
            #[serde(flatten)]
            more: BTreeMap<String, u8>,
        }
        let twice = Twice {
            a: 1,
            more: [("a".to_string(), 2)].into_iter().collect(),
        };
        assert!(to_string(&twice).is_err());
    }

    #[test]
    fn the_host_body_text_falls_back_to_the_value_rendering() {
        let value = json!({"type": "x", "f": 0.5, "a": [1]});
        assert_eq!(super::super::body_text(&value), value.to_string());
        let raft = splitbrain_models::raft::RaftMsg::RequestVoteRes {
            term: 2,
            vote_granted: true,
        };
        assert_eq!(
            super::super::body_text(&raft),
            r#"{"term":2,"type":"request_vote_res","vote_granted":true}"#
        );
    }
}
