//! The compact form of a transactional history: [`Txn`]s over [`Mop`]s (micro-operations), keys
//! and values interned as `u32` ids, list reads stored as a prefix length of their key's trace.
//!
//! Why compact: a 10^6-transaction list-append history holds ~10^7 read elements. As parsed
//! [`Value`]s that is gigabytes; as `(key, prefix length)` against one per-key trace it is a few
//! bytes per read, whatever the read's length. Reads that fit no trace (incompatible orders,
//! duplicates) keep their own element list ([`OddRead`]); a correct history has none.

use std::ops::Range;

use hashbrown::HashMap;

use super::options::Workload;
use crate::history::{Outcome, Value};

/// A key, interned: index into [`TxnHistory::keys`].
pub type KeyId = u32;

/// A value (an appended element, a written or read register value), interned.
///
/// Non-negative integers below 2^31 are their own id (no table lookup: the common case of
/// generated histories); every other value is numbered in [`Atoms`] and has the top bit set.
pub type AtomId = u32;

const INTERNED: u32 = 1 << 31;

/// What a micro-operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MopKind {
    /// `[:r k v]`.
    Read,
    /// `[:append k v]` (list-append).
    Append,
    /// `[:w k v]` (rw-register).
    Write,
}

impl MopKind {
    /// The name in histories (`r`, `append`, `w`).
    pub fn name(self) -> &'static str {
        match self {
            MopKind::Read => "r",
            MopKind::Append => "append",
            MopKind::Write => "w",
        }
    }

    /// Whether this micro-op writes.
    pub fn is_write(self) -> bool {
        !matches!(self, MopKind::Read)
    }
}

/// `Mop::value` of a read whose result is unknown (an invocation, an `info` or `fail` txn).
pub const READ_UNKNOWN: u32 = u32::MAX;
/// `Mop::value` of a register read of `nil` (the initial state).
pub const READ_NIL: u32 = u32::MAX - 1;

/// One micro-operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mop {
    /// Read, append or write.
    pub kind: MopKind,
    /// The key.
    pub key: KeyId,
    /// Append/write: the value's [`AtomId`]. List-append read: an index into
    /// [`TxnHistory::reads`] (or [`READ_UNKNOWN`]). Register read: the value's [`AtomId`],
    /// [`READ_NIL`] or [`READ_UNKNOWN`].
    pub value: u32,
}

impl Mop {
    /// Whether this is a read with a known result.
    pub fn is_known_read(&self) -> bool {
        self.kind == MopKind::Read && self.value != READ_UNKNOWN
    }
}

/// A list-append read: which prefix of its key's trace it returned, or which odd read it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListRead {
    /// Elements read, when the read is a prefix of the trace.
    pub len: u32,
    /// Index into [`TxnHistory::odd`] when the read is not a prefix of the trace.
    pub odd: Option<u32>,
    /// A hash of the elements as written in the history, computed from the parsed values and
    /// not from the trace: `verify.rs` recomputes it from the trace to prove the read was
    /// resolved correctly.
    pub fingerprint: u64,
}

/// A list read that is not a prefix of its key's trace, kept whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OddRead {
    /// The key.
    pub key: KeyId,
    /// The elements, as read.
    pub elements: Vec<AtomId>,
    /// Why it is odd.
    pub why: OddWhy,
}

/// Why a list read is not a prefix of its key's trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OddWhy {
    /// The same element twice.
    Duplicates,
    /// Neither a prefix of the trace nor an extension of it.
    Incompatible,
}

/// One transaction: an invocation and its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txn {
    /// The client process.
    pub process: u64,
    /// `ok`, `fail` or `info` (an invocation never completed is `info`).
    pub outcome: Outcome,
    /// Position of the invocation in the history (0-based, every event counted).
    pub call: u64,
    /// Position of the completion; [`NEVER`](crate::history::NEVER) for `info`.
    pub ret: u64,
    /// Its micro-ops: a range of [`TxnHistory::mops`]. For `ok` the completion's; otherwise the
    /// invocation's (reads unknown).
    pub mops: Range<u32>,
    /// Source line of the invocation and the completion (0: none).
    pub lines: (u32, u32),
}

impl Txn {
    /// Whether it committed.
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }
}

/// A transactional history in compact form.
#[derive(Debug, Default)]
pub struct TxnHistory {
    /// The workload the micro-ops belong to (`None`: nothing told, e.g. only nil reads).
    pub workload: Option<Workload>,
    /// Transactions in invocation order.
    pub txns: Vec<Txn>,
    /// Jepsen `:index` of each transaction's invocation and completion, by transaction, as
    /// far as the last one that had any (empty when none had: the flat formats). Kept apart
    /// from [`Txn`] because most histories have none and a `Txn` is per transaction: at 10^6
    /// transactions the two options were 32 MB.
    pub indices: Vec<(Option<u64>, Option<u64>)>,
    /// Every transaction's micro-ops.
    pub mops: Vec<Mop>,
    /// List-append reads.
    pub reads: Vec<ListRead>,
    /// List-append reads that are not a prefix of their key's trace.
    pub odd: Vec<OddRead>,
    /// List-append: per key, the longest list read that every other compatible read is a prefix
    /// of (the version order of appends, as far as reads show it).
    pub traces: Vec<Vec<AtomId>>,
    /// Keys by [`KeyId`].
    pub keys: Vec<Value>,
    /// Values by [`AtomId`].
    pub atoms: Atoms,
    /// Source file, named in errors and explanations.
    pub file: Option<std::sync::Arc<std::path::Path>>,
}

impl TxnHistory {
    /// The Jepsen `:index` of transaction `t`'s invocation and completion, when it had them.
    pub fn indices_of(&self, t: usize) -> (Option<u64>, Option<u64>) {
        self.indices.get(t).copied().unwrap_or((None, None))
    }

    /// Sets transaction `t`'s `:index` pair (growing the table only for an index present).
    pub fn set_index(&mut self, t: usize, completion: bool, index: Option<u64>) {
        if index.is_none() && self.indices.len() <= t {
            return;
        }
        if self.indices.len() <= t {
            self.indices.resize(t + 1, (None, None));
        }
        let slot = &mut self.indices[t];
        if completion {
            slot.1 = index;
        } else {
            slot.0 = index;
        }
    }

    /// The micro-ops of `txn`.
    pub fn mops_of(&self, txn: &Txn) -> &[Mop] {
        &self.mops[txn.mops.start as usize..txn.mops.end as usize]
    }

    /// The elements a list read returned.
    pub fn list_elements(&self, key: KeyId, read: &ListRead) -> &[AtomId] {
        match read.odd {
            Some(odd) => &self.odd[odd as usize].elements,
            None => &self.traces[key as usize][..read.len as usize],
        }
    }

    /// The key's value.
    pub fn key(&self, key: KeyId) -> &Value {
        &self.keys[key as usize]
    }
}

/// Interned values: small non-negative integers are their own id; everything else is numbered.
#[derive(Debug, Default)]
pub struct Atoms {
    ids: HashMap<Value, u32>,
    values: Vec<Value>,
}

impl Atoms {
    /// The id of `value`, interning it if new.
    pub fn intern(&mut self, value: &Value) -> AtomId {
        if let Value::Int(i) = value {
            if (0..INTERNED as i64).contains(i) {
                return *i as u32;
            }
        }
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = INTERNED | self.values.len() as u32;
        self.values.push(value.clone());
        self.ids.insert(value.clone(), id);
        id
    }

    /// The value of `id`.
    pub fn value(&self, id: AtomId) -> Value {
        if id & INTERNED == 0 {
            Value::Int(id as i64)
        } else {
            self.values[(id & !INTERNED) as usize].clone()
        }
    }
}

/// A hash of one value, the same whether computed from the parsed value or from its atom.
pub fn value_fingerprint(value: &Value) -> u64 {
    match value {
        Value::Int(i) => splitmix(*i as u64),
        other => {
            // FNV-1a over the printed form: values other than integers are rare in list reads.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in other.to_string().bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
            h
        }
    }
}

/// Folds one element's fingerprint into a list's.
pub fn fold_fingerprint(list: u64, element: u64) -> u64 {
    splitmix(list.rotate_left(5) ^ element)
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_are_their_own_atom_and_others_round_trip() {
        let mut atoms = Atoms::default();
        assert_eq!(atoms.intern(&Value::Int(7)), 7);
        let neg = atoms.intern(&Value::Int(-1));
        let s = atoms.intern(&Value::str("x"));
        assert_ne!(neg, s);
        assert_eq!(atoms.intern(&Value::str("x")), s);
        assert_eq!(atoms.value(neg), Value::Int(-1));
        assert_eq!(atoms.value(s), Value::str("x"));
        assert_eq!(atoms.value(7), Value::Int(7));
    }
}
