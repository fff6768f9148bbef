//! Maelstrom's services, which nodes call like any other node: `lin-kv`, `seq-kv`, `lww-kv` and
//! `lin-tso`.
//!
//! Each is a pure state machine ([`Service`]): a request body in, a reply body out. The router
//! calls it when a request is delivered and sends the reply back over the network.
//!
//! - `kv.rs`: the key-value operations the three stores share (`read`, `write`, `cas` with
//!   `create_if_not_exists`, errors 20 and 22);
//! - `lin_kv.rs`: one map; every operation linearizable;
//! - `seq_kv.rs`: sequentially consistent: a read-only operation may see any of the last 32
//!   states at or after the client's last-seen one;
//! - `lww_kv.rs`: eventually consistent: five replicas with Lamport clocks, merged at random,
//!   last write wins;
//! - `lin_tso.rs`: a timestamp oracle counting up from 0.

mod kv;
mod lin_kv;
mod lin_tso;
mod lww_kv;
mod seq_kv;

use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json};

use crate::runner::protocol::ServiceId;

/// A service: handles one request body from `client` (the request's `src`) and returns the reply
/// body (without `in_reply_to`, which the router adds).
pub(crate) trait Service: Send {
    fn handle(&mut self, client: &str, body: &Map<String, Json>, rng: &mut ChaCha8Rng) -> Json;
}

/// One instance of every service.
pub(crate) struct Services {
    services: [Box<dyn Service>; 4],
}

impl Services {
    pub(crate) fn new() -> Services {
        Services {
            services: [
                Box::new(lin_kv::LinKv::default()),
                Box::new(seq_kv::SeqKv::default()),
                Box::new(lww_kv::LwwKv::new(5)),
                Box::new(lin_tso::LinTso::default()),
            ],
        }
    }

    /// Handles a request line sent to `service`; returns the reply line, or `None` when the
    /// request cannot be answered (not JSON, no body).
    pub(crate) fn handle(
        &mut self,
        service: ServiceId,
        line: &[u8],
        rng: &mut ChaCha8Rng,
    ) -> Option<Vec<u8>> {
        let message: Json = serde_json::from_slice(line).ok()?;
        let src = message.get("src")?.as_str()?;
        let body = message.get("body")?.as_object()?;
        let index = ServiceId::ALL.iter().position(|s| *s == service)?;
        let mut reply = self.services[index].handle(src, body, rng);
        if let (Json::Object(map), Some(id)) = (&mut reply, body.get("msg_id")) {
            map.insert("in_reply_to".into(), id.clone());
        }
        let out = serde_json::json!({"src": service.name(), "dest": src, "body": reply});
        serde_json::to_vec(&out).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn replies_carry_in_reply_to_and_go_back_to_the_sender() {
        let mut s = Services::new();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let line = br#"{"src":"n1","dest":"lin-tso","body":{"type":"ts","msg_id":9}}"#;
        let reply: Json =
            serde_json::from_slice(&s.handle(ServiceId::LinTso, line, &mut rng).unwrap()).unwrap();
        assert_eq!(
            reply,
            serde_json::json!({"src":"lin-tso","dest":"n1","body":{"type":"ts_ok","ts":0,"in_reply_to":9}})
        );
    }
}
