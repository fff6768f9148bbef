//! `seq-kv`: sequentially consistent, as Maelstrom implements it.
//!
//! The service keeps its last 32 states and, per client, the index of the last state that client
//! saw. An operation picks a random state between the client's index and the newest; if running it
//! there changes nothing (a read, a failed cas, a write of the value already there) that answer
//! stands and the client's index moves to that state. Otherwise it runs on the newest state, which
//! it extends. So each client sees a monotonic sequence, and reads may be stale.

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json};

use super::{kv, Service};

/// States kept (Maelstrom's ring buffer size).
const STATES: u64 = 32;

/// The sequentially consistent store. Each key's history is a list of `(state index, value)`;
/// the value at state `i` is the last entry at or before `i`.
#[derive(Debug, Default)]
pub(super) struct SeqKv {
    last: u64,
    versions: HashMap<String, Vec<(u64, Json)>>,
    clients: HashMap<String, u64>,
}

impl SeqKv {
    fn value_at(&self, key: &str, index: u64) -> Option<&Json> {
        let versions = self.versions.get(key)?;
        let after = versions.partition_point(|(i, _)| *i <= index);
        after.checked_sub(1).map(|p| &versions[p].1)
    }

    fn oldest(&self) -> u64 {
        self.last.saturating_sub(STATES - 1)
    }
}

impl Service for SeqKv {
    fn handle(&mut self, client: &str, body: &Map<String, Json>, rng: &mut ChaCha8Rng) -> Json {
        let (key, op) = match kv::parse(body) {
            Ok(x) => x,
            Err(reply) => return reply,
        };
        let seen = self
            .clients
            .get(client)
            .copied()
            .unwrap_or(0)
            .max(self.oldest());
        let index = rng.gen_range(seen..=self.last);
        let current = self.value_at(&key, index);
        let (reply, new) = kv::step(current, op, true);
        if new.is_none() || new.as_ref() == current {
            self.clients.insert(client.to_string(), index);
            return reply;
        }
        let (reply, new) = kv::step(self.value_at(&key, self.last), op, true);
        self.last += 1;
        if let Some(v) = new {
            let oldest = self.oldest();
            let versions = self.versions.entry(key).or_default();
            versions.push((self.last, v));
            // Keep the one entry at or before the oldest state, and everything after it.
            let keep_from = versions.partition_point(|(i, _)| *i <= oldest);
            if keep_from > 1 {
                versions.drain(..keep_from - 1);
            }
        }
        self.clients.insert(client.to_string(), self.last);
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn call(s: &mut SeqKv, rng: &mut ChaCha8Rng, client: &str, j: Json) -> Json {
        s.handle(client, j.as_object().unwrap(), rng)
    }

    #[test]
    fn a_client_sees_its_own_writes_and_never_goes_back() {
        let mut s = SeqKv::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for v in 0..100 {
            call(
                &mut s,
                &mut rng,
                "a",
                json!({"type":"write","key":"k","value":v}),
            );
            let r = call(&mut s, &mut rng, "a", json!({"type":"read","key":"k"}));
            assert_eq!(r["value"], v);
        }
    }

    #[test]
    fn other_clients_may_read_stale_values_but_monotonically() {
        let mut s = SeqKv::default();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut stale = 0;
        let mut last_seen = -1;
        for v in 0..200 {
            call(
                &mut s,
                &mut rng,
                "w",
                json!({"type":"write","key":"k","value":v}),
            );
            let r = call(&mut s, &mut rng, "r", json!({"type":"read","key":"k"}));
            let seen = r["value"].as_i64().unwrap_or(-1);
            assert!(seen >= last_seen, "went back from {last_seen} to {seen}");
            last_seen = seen;
            if seen != v {
                stale += 1;
            }
        }
        assert!(stale > 0, "seq-kv never served a stale read");
    }

    #[test]
    fn a_write_forces_the_newest_state() {
        let mut s = SeqKv::default();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for v in 0..50 {
            call(
                &mut s,
                &mut rng,
                "w",
                json!({"type":"write","key":"k","value":v}),
            );
        }
        call(
            &mut s,
            &mut rng,
            "r",
            json!({"type":"write","key":"sync","value":1}),
        );
        let r = call(&mut s, &mut rng, "r", json!({"type":"read","key":"k"}));
        assert_eq!(r["value"], 49);
    }
}
