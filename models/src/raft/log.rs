//! [`Log`]: a Raft log shared between a server's state and what it persists, that knows its own
//! digest.
//!
//! A server persists its whole log at every change (Figure 2: `log[]` is persistent state), and
//! `splitbrain validate` compares every persist of a real node with the model's by
//! [`durable_digest`]. With a plain `Vec` each persist cloned the log and each comparison
//! serialized all of it: quadratic in a run's length. Here the entries sit behind an `Arc`, so
//! the persisted copy, a stateright successor state and a lifted state share them (a change
//! copies them only while another holder keeps the old version), and beside each entry the log
//! keeps the digest of the prefix ending there, chained — `chain[i]` is the digest of
//! `(chain[i - 1], entry i)` — so an append costs one entry's digest, a truncation nothing.
//!
//! The log's `Hash` is its length and its chained digest, so the durable digest of a
//! [`Persistent`](super::Persistent) costs the same at any length. `Eq` and `Ord` compare the
//! entries themselves; [`Log::same_prefix`] compares two prefixes by their digests, in
//! constant time, for the spec's properties, which compare logs on every state. On disk and on
//! the wire it is the plain JSON array of its entries.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Entry;
use crate::digest::{durable_digest, Digest};

/// A Raft log (see the module docs of `raft::log`).
#[derive(Clone, Default)]
pub struct Log {
    shared: Arc<Chained>,
}

#[derive(Clone, Default)]
struct Chained {
    entries: Vec<Entry>,
    /// `chain[i]`: the digest of the prefix `entries[..=i]`.
    chain: Vec<Digest>,
}

/// The digest of the empty log.
const EMPTY: Digest = 0;

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// Appends `entry`.
    pub fn push(&mut self, entry: Entry) {
        let shared = Arc::make_mut(&mut self.shared);
        let before = shared.chain.last().copied().unwrap_or(EMPTY);
        shared.chain.push(durable_digest(&(before, &entry)));
        shared.entries.push(entry);
    }

    /// Keeps the first `len` entries.
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            let shared = Arc::make_mut(&mut self.shared);
            shared.entries.truncate(len);
            shared.chain.truncate(len);
        }
    }

    /// The digest of the whole log, chained over its entries.
    pub fn digest(&self) -> Digest {
        self.prefix_digest(self.len())
    }

    /// Whether both logs hold at least `len` entries and agree on the first `len`, decided by
    /// their chained digests in constant time: equal digests of different prefixes would need a
    /// 128-bit collision (see [`crate::digest`]), so the properties that compare logs on every
    /// state of a run (log matching, leader completeness, state machine safety) use this.
    pub fn same_prefix(&self, other: &Log, len: usize) -> bool {
        len <= self.len()
            && len <= other.len()
            && (Arc::ptr_eq(&self.shared, &other.shared)
                || self.prefix_digest(len) == other.prefix_digest(len))
    }

    /// The digest of the first `len` entries (`len` at most the log's length).
    pub fn prefix_digest(&self, len: usize) -> Digest {
        match len {
            0 => EMPTY,
            n => self.shared.chain[n - 1],
        }
    }
}

impl Deref for Log {
    type Target = [Entry];

    fn deref(&self) -> &[Entry] {
        &self.shared.entries
    }
}

impl<'a> IntoIterator for &'a Log {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.shared.entries.iter()
    }
}

impl FromIterator<Entry> for Log {
    fn from_iter<I: IntoIterator<Item = Entry>>(entries: I) -> Log {
        let mut log = Log::new();
        for entry in entries {
            log.push(entry);
        }
        log
    }
}

impl From<Vec<Entry>> for Log {
    fn from(entries: Vec<Entry>) -> Log {
        entries.into_iter().collect()
    }
}

impl PartialEq for Log {
    fn eq(&self, other: &Log) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
            || (self.len() == other.len()
                && self.digest() == other.digest()
                && self.shared.entries == other.shared.entries)
    }
}

impl Eq for Log {}

impl PartialOrd for Log {
    fn partial_cmp(&self, other: &Log) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Log {
    fn cmp(&self, other: &Log) -> std::cmp::Ordering {
        self.shared.entries.cmp(&other.shared.entries)
    }
}

impl Hash for Log {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.len().hash(state);
        self.digest().hash(state);
    }
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Log {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.shared.entries.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Log {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Log, D::Error> {
        Vec::<Entry>::deserialize(deserializer).map(Log::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::NodeId;
    use crate::raft::Op;

    fn entry(term: u64, msg_id: u64) -> Entry {
        Entry {
            term,
            client: NodeId::client(0),
            msg_id,
            op: Op::Write {
                key: 0,
                value: msg_id,
            },
        }
    }

    #[test]
    fn the_digest_of_a_log_depends_on_its_entries_not_on_how_it_was_built() {
        let mut built = Log::new();
        built.push(entry(1, 1));
        built.push(entry(1, 9));
        built.truncate(1);
        built.push(entry(2, 2));
        let direct = Log::from(vec![entry(1, 1), entry(2, 2)]);
        assert_eq!(built, direct);
        assert_eq!(built.digest(), direct.digest());
        assert_eq!(durable_digest(&built), durable_digest(&direct));
        let other = Log::from(vec![entry(1, 1), entry(3, 2)]);
        assert_ne!(built.digest(), other.digest());
        assert_ne!(built, other);
        assert_eq!(built.prefix_digest(1), other.prefix_digest(1));
        assert_ne!(Log::new().digest(), Log::from(vec![entry(1, 1)]).digest());
        assert!(built.same_prefix(&other, 1) && !built.same_prefix(&other, 2));
        assert!(
            !built.same_prefix(&Log::new(), 1),
            "a shorter log holds no such prefix"
        );
        assert!(built.same_prefix(&direct, 2) && built.same_prefix(&Log::new(), 0));
    }

    #[test]
    fn a_shared_copy_keeps_its_entries_when_the_original_changes() {
        let mut log = Log::from(vec![entry(1, 1)]);
        let persisted = log.clone();
        log.push(entry(1, 2));
        assert_eq!(persisted.len(), 1);
        assert_eq!(persisted.digest(), Log::from(vec![entry(1, 1)]).digest());
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn a_log_is_the_json_array_of_its_entries() {
        let log = Log::from(vec![entry(1, 1), entry(2, 2)]);
        let json = serde_json::to_string(&log).unwrap();
        assert_eq!(json, serde_json::to_string(&log.to_vec()).unwrap());
        let back: Log = serde_json::from_str(&json).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.digest(), log.digest());
    }
}
