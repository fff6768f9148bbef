//! The open sequences, objects and enum variants of [`Writer`]: serde's `Serialize*` traits
//! for them.

use std::borrow::Cow;

use serde::ser::{self, Serialize};

use super::key::KeyText;
use super::{Object, Unsupported, Writer};

/// An open sequence, object or variant.
pub(crate) struct Compound<'w> {
    writer: &'w mut Writer,
    /// `None` for a sequence.
    object: Option<Object>,
    /// Elements written so far (sequences).
    count: usize,
    /// The variant's closing `}` is due after the content.
    in_variant: bool,
}

impl<'w> Compound<'w> {
    pub(super) fn sequence(writer: &'w mut Writer, in_variant: bool) -> Self {
        writer.out.push(b'[');
        Compound {
            writer,
            object: None,
            count: 0,
            in_variant,
        }
    }

    pub(super) fn object(writer: &'w mut Writer, in_variant: bool) -> Self {
        let object = Some(writer.open());
        Compound {
            writer,
            object,
            count: 0,
            in_variant,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if self.count > 0 {
            self.writer.out.push(b',');
        }
        self.count += 1;
        value.serialize(&mut *self.writer)
    }

    fn member<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key(key)?;
        self.value(value)
    }

    fn key(&mut self, key: Cow<'static, str>) -> Result<(), Unsupported> {
        let object = self.object.as_ref().expect("members belong to an object");
        self.writer.key(object, key)
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(&mut *self.writer)?;
        self.writer.end_member();
        Ok(())
    }

    fn finish(self) -> Result<(), Unsupported> {
        match self.object {
            Some(object) => self.writer.close(object)?,
            None => self.writer.out.push(b']'),
        }
        if self.in_variant {
            self.writer.out.push(b'}');
        }
        Ok(())
    }
}

/// `impl $trait for Compound` whose `$method` writes an element of a sequence.
macro_rules! sequence_impl {
    ($($trait:ident :: $method:ident),* $(,)?) => {
        $(impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.finish()
            }
        })*
    };
}

sequence_impl! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
}

/// `impl $trait for Compound` whose `serialize_field` writes a member of an object.
macro_rules! struct_impl {
    ($($trait:ident),* $(,)?) => {
        $(impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Unsupported> {
                self.member(Cow::Borrowed(key), value)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.finish()
            }
        })*
    };
}

struct_impl!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        let key = key.serialize(KeyText)?;
        self.key(Cow::Owned(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}
