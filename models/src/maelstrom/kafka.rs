//! [`KafkaStore`]: the state machine of Maelstrom's `kafka` workload: an append-only log per key
//! (offsets are positions in it) and each key's committed offset.
//!
//! The requests and replies are [`KvBody`](super::KvBody) variants (`send`, `poll`,
//! `commit_offsets`, `list_committed_offsets` and their `_ok`s), so every server that takes
//! `lin-kv` and `txn` bodies takes these too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The most messages one poll returns per key. A client that wants more polls again from the
/// offset after the last one it got, as Jepsen's client does.
pub const POLL_LIMIT: usize = 64;

/// Key → `[[offset, msg], ...]`, a `poll_ok`'s `msgs`.
pub type PolledMsgs = BTreeMap<String, Vec<(u64, u64)>>;

/// The logs and the committed offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KafkaStore {
    /// Per key, its messages; a message's offset is its index.
    pub logs: BTreeMap<String, Vec<u64>>,
    /// Per key, the highest offset committed.
    pub committed: BTreeMap<String, u64>,
}

impl KafkaStore {
    /// Whether nothing was ever sent or committed.
    pub fn is_empty(&self) -> bool {
        self.logs.is_empty() && self.committed.is_empty()
    }

    /// Appends `msg` to `key`'s log; returns its offset.
    pub fn send(&mut self, key: &str, msg: u64) -> u64 {
        let log = self.logs.entry(key.to_string()).or_default();
        log.push(msg);
        log.len() as u64 - 1
    }

    /// The number of messages `key`'s log holds: the next offset it will give.
    pub fn next_offset(&self, key: &str) -> u64 {
        self.logs.get(key).map_or(0, |log| log.len() as u64)
    }

    /// For each key of `from`, its messages from that offset on (at most [`POLL_LIMIT`]); keys
    /// with none are left out, as Maelstrom's own nodes do.
    pub fn poll(&self, from: &BTreeMap<String, u64>) -> PolledMsgs {
        from.iter()
            .filter_map(|(key, &start)| {
                let log = self.logs.get(key)?;
                let pairs: Vec<(u64, u64)> = (start..log.len() as u64)
                    .take(POLL_LIMIT)
                    .map(|offset| (offset, log[offset as usize]))
                    .collect();
                (!pairs.is_empty()).then(|| (key.clone(), pairs))
            })
            .collect()
    }

    /// Raises each key's committed offset to the one given (a lower one changes nothing: two
    /// consumers committing out of order never move a key back).
    pub fn commit(&mut self, offsets: &BTreeMap<String, u64>) {
        for (key, &offset) in offsets {
            let committed = self.committed.entry(key.clone()).or_insert(offset);
            *committed = (*committed).max(offset);
        }
    }

    /// The committed offsets of those of `keys` that have one.
    pub fn committed(&self, keys: &[String]) -> BTreeMap<String, u64> {
        keys.iter()
            .filter_map(|key| Some((key.clone(), *self.committed.get(key)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|&(k, o)| (k.to_string(), o)).collect()
    }

    #[test]
    fn offsets_are_log_positions_and_polls_start_where_asked() {
        let mut store = KafkaStore::default();
        assert_eq!(store.send("a", 10), 0);
        assert_eq!(store.send("a", 11), 1);
        assert_eq!(store.send("b", 20), 0);
        let polled = store.poll(&offsets(&[("a", 1), ("b", 1), ("c", 0)]));
        assert_eq!(polled, BTreeMap::from([("a".to_string(), vec![(1, 11)])]));
        assert_eq!(store.next_offset("a"), 2);
        assert_eq!(store.next_offset("c"), 0);
    }

    #[test]
    fn a_poll_returns_at_most_the_limit_per_key() {
        let mut store = KafkaStore::default();
        for m in 0..(POLL_LIMIT as u64 + 5) {
            store.send("k", m);
        }
        let polled = store.poll(&offsets(&[("k", 2)]));
        assert_eq!(polled["k"].len(), POLL_LIMIT);
        assert_eq!(polled["k"][0], (2, 2));
    }

    #[test]
    fn committed_offsets_only_move_forward_and_list_only_known_keys() {
        let mut store = KafkaStore::default();
        store.commit(&offsets(&[("a", 3)]));
        store.commit(&offsets(&[("a", 1), ("b", 0)]));
        let keys = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(store.committed(&keys), offsets(&[("a", 3), ("b", 0)]));
    }
}
