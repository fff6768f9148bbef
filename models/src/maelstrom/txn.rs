//! [`Mop`]: one micro-operation of Maelstrom's `txn` workloads (`txn-list-append`,
//! `txn-rw-register`), serialized as Maelstrom's three-element arrays: `["r",k,null]` in a
//! request and `["r",k,[1,2]]` or `["r",k,3]` in a reply, `["append",k,v]`, `["w",k,v]`.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a read returned: a list (list-append) or a single value (rw-register).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReadValue {
    /// A register's value.
    Int(u64),
    /// A list's elements, in append order.
    List(Vec<u64>),
}

/// One micro-operation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mop {
    /// Read `key`: `None` in a request (and for a key never written, in a reply).
    Read {
        /// The key.
        key: u64,
        /// The value read.
        value: Option<ReadValue>,
    },
    /// Append `value` to the list at `key`.
    Append {
        /// The key.
        key: u64,
        /// The element.
        value: u64,
    },
    /// Set the register at `key` to `value`.
    Write {
        /// The key.
        key: u64,
        /// The value.
        value: u64,
    },
}

impl Mop {
    /// Whether this micro-op changes nothing.
    pub fn is_read(&self) -> bool {
        matches!(self, Mop::Read { .. })
    }
}

impl Serialize for Mop {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Mop::Read { key, value } => ("r", key, value).serialize(s),
            Mop::Append { key, value } => ("append", key, value).serialize(s),
            Mop::Write { key, value } => ("w", key, value).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Mop {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Mop, D::Error> {
        let (f, key, value) = <(String, u64, Option<ReadValue>)>::deserialize(d)?;
        let written = |value: Option<ReadValue>| match value {
            Some(ReadValue::Int(v)) => Ok(v),
            other => Err(D::Error::custom(format!(
                "a {f:?} micro-op needs an integer value, found {other:?}"
            ))),
        };
        match f.as_str() {
            "r" => Ok(Mop::Read { key, value }),
            "append" => Ok(Mop::Append {
                key,
                value: written(value)?,
            }),
            "w" => Ok(Mop::Write {
                key,
                value: written(value)?,
            }),
            other => Err(D::Error::custom(format!(
                "unknown micro-op {other:?}; expected r, append or w"
            ))),
        }
    }
}

/// A transactional store: registers and lists, each key in its own namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TxnStore {
    /// Registers (`w`).
    pub registers: BTreeMap<u64, u64>,
    /// Lists (`append`).
    pub lists: BTreeMap<u64, Vec<u64>>,
}

impl TxnStore {
    /// Applies `txn` in order, atomically; returns it with the reads filled in. A read of a
    /// key that holds a list returns the list, else the register (or `None`).
    pub fn apply(&mut self, txn: &[Mop]) -> Vec<Mop> {
        txn.iter()
            .map(|mop| match *mop {
                Mop::Read { key, .. } => Mop::Read {
                    key,
                    value: self.read(key),
                },
                Mop::Append { key, value } => {
                    self.lists.entry(key).or_default().push(value);
                    mop.clone()
                }
                Mop::Write { key, value } => {
                    self.registers.insert(key, value);
                    mop.clone()
                }
            })
            .collect()
    }

    /// A read-only transaction's reads, without changing anything.
    pub fn read_only(&self, txn: &[Mop]) -> Vec<Mop> {
        txn.iter()
            .map(|mop| match *mop {
                Mop::Read { key, .. } => Mop::Read {
                    key,
                    value: self.read(key),
                },
                _ => mop.clone(),
            })
            .collect()
    }

    fn read(&self, key: u64) -> Option<ReadValue> {
        match self.lists.get(&key) {
            Some(list) => Some(ReadValue::List(list.clone())),
            None => self.registers.get(&key).copied().map(ReadValue::Int),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_ops_are_maelstrom_arrays() {
        let txn: Vec<Mop> =
            serde_json::from_str(r#"[["r",1,null],["append",1,5],["w",2,3]]"#).unwrap();
        assert_eq!(
            txn,
            [
                Mop::Read {
                    key: 1,
                    value: None
                },
                Mop::Append { key: 1, value: 5 },
                Mop::Write { key: 2, value: 3 },
            ]
        );
        let mut store = TxnStore::default();
        let done = store.apply(&txn);
        assert_eq!(
            serde_json::to_string(&done).unwrap(),
            r#"[["r",1,null],["append",1,5],["w",2,3]]"#
        );
        let again = store.apply(&[
            Mop::Read {
                key: 1,
                value: None,
            },
            Mop::Read {
                key: 2,
                value: None,
            },
        ]);
        assert_eq!(
            serde_json::to_string(&again).unwrap(),
            r#"[["r",1,[5]],["r",2,3]]"#
        );
        assert!(serde_json::from_str::<Mop>(r#"["x",1,2]"#).is_err());
        assert!(serde_json::from_str::<Mop>(r#"["append",1,null]"#).is_err());
    }
}
