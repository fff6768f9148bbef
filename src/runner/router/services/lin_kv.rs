//! `lin-kv`: one map, every operation applied atomically in arrival order (linearizable).

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json};

use super::{kv, Service};

/// The linearizable key-value store.
#[derive(Debug, Default)]
pub(super) struct LinKv {
    map: HashMap<String, Json>,
}

impl Service for LinKv {
    fn handle(&mut self, _client: &str, body: &Map<String, Json>, _rng: &mut ChaCha8Rng) -> Json {
        let (key, op) = match kv::parse(body) {
            Ok(x) => x,
            Err(reply) => return reply,
        };
        let (reply, new) = kv::step(self.map.get(&key), op, true);
        if let Some(v) = new {
            self.map.insert(key, v);
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
    fn reads_see_the_latest_write() {
        let mut s = LinKv::default();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut call = |j: Json| s.handle("n0", j.as_object().unwrap(), &mut rng);
        assert_eq!(call(json!({"type":"read","key":"x"}))["code"], 20);
        call(json!({"type":"write","key":"x","value":1}));
        call(json!({"type":"cas","key":"x","from":1,"to":2}));
        assert_eq!(
            call(json!({"type":"read","key":"x"})),
            json!({"type":"read_ok","value":2})
        );
    }
}
