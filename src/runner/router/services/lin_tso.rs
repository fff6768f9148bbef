//! `lin-tso`: `{"type":"ts"}` → `{"type":"ts_ok","ts":n}`, n counting up from 0.

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value as Json};

use super::{kv, Service};

/// The timestamp oracle.
#[derive(Debug, Default)]
pub(super) struct LinTso {
    next: u64,
}

impl Service for LinTso {
    fn handle(&mut self, _client: &str, body: &Map<String, Json>, _rng: &mut ChaCha8Rng) -> Json {
        match body.get("type").and_then(Json::as_str).unwrap_or("") {
            "ts" => {
                let ts = self.next;
                self.next += 1;
                json!({"type": "ts_ok", "ts": ts})
            }
            other => kv::not_supported(other),
        }
    }
}
