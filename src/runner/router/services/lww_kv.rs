//! `lww-kv`: eventually consistent, as Maelstrom implements it: several replicas, each with a
//! Lamport clock; before every operation one random replica is merged into another (per key, the
//! higher timestamp wins, ties go to the larger value), then the operation runs on a random
//! replica. `create_if_not_exists` is ignored.

use std::cmp::Ordering;
use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json};

use super::{kv, Service};

#[derive(Clone, Debug, Default)]
struct Replica {
    clock: u64,
    map: HashMap<String, (u64, Json)>,
}

/// The last-write-wins store.
#[derive(Debug)]
pub(super) struct LwwKv {
    replicas: Vec<Replica>,
}

impl LwwKv {
    pub(super) fn new(replicas: usize) -> LwwKv {
        LwwKv {
            replicas: vec![Replica::default(); replicas.max(1)],
        }
    }
}

/// Natural order on JSON values for ties: numbers by value, then strings, then by text.
fn compare(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Json::String(x), Json::String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn merge(into: &mut Replica, from: &Replica) {
    into.clock = into.clock.max(from.clock);
    for (k, (ts, v)) in &from.map {
        match into.map.get(k) {
            Some((mine, w)) if *mine > *ts || (*mine == *ts && compare(w, v).is_ge()) => {}
            _ => {
                into.map.insert(k.clone(), (*ts, v.clone()));
            }
        }
    }
}

impl Service for LwwKv {
    fn handle(&mut self, _client: &str, body: &Map<String, Json>, rng: &mut ChaCha8Rng) -> Json {
        let (key, op) = match kv::parse(body) {
            Ok(x) => x,
            Err(reply) => return reply,
        };
        let n = self.replicas.len();
        let (source, dest) = (rng.gen_range(0..n), rng.gen_range(0..n));
        if source != dest {
            let from = self.replicas[source].clone();
            merge(&mut self.replicas[dest], &from);
        }
        let replica = &mut self.replicas[rng.gen_range(0..n)];
        let current = replica.map.get(&key).map(|(_, v)| v);
        let (reply, new) = kv::step(current, op, false);
        if let Some(v) = new {
            let ts = replica.clock;
            replica.clock += 1;
            replica.map.insert(key, (ts, v));
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn replicas_converge_to_the_last_write() {
        let mut s = LwwKv::new(5);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut call = |j: Json| s.handle("n0", j.as_object().unwrap(), &mut rng);
        for v in 0..5 {
            call(json!({"type":"write","key":"k","value":v}));
        }
        // Enough reads merge every replica into every other.
        let reads: Vec<Json> = (0..400)
            .map(|_| call(json!({"type":"read","key":"k"}))["value"].clone())
            .collect();
        assert!(reads[300..].iter().all(|r| r == &reads[399]), "{reads:?}");
    }
}
