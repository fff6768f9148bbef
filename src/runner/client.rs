//! [`Conn`]: a client endpoint (`c<k>`) on the network, which sends requests and waits for the
//! matching replies.
//!
//! Replies are matched by `in_reply_to` only: a reply's own `msg_id` may repeat the request's
//! (several node libraries copy the request body), and replies to requests the client already
//! gave up on are ignored.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::mpsc;

use super::cluster::ClientIds;
use super::net::{Control, Endpoint, RouterHandle};
use super::protocol::client_id;

/// Why a call has no reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallError {
    /// No reply within the timeout.
    Timeout,
}

/// A client connection.
pub(crate) struct Conn {
    id: u32,
    name: String,
    inbox: mpsc::UnboundedReceiver<Arc<[u8]>>,
    router: RouterHandle,
    next_msg_id: u64,
}

impl Conn {
    /// A new client with the next id, registered with the router.
    pub(crate) fn open(router: &RouterHandle, ids: &ClientIds) -> Conn {
        let id = ids.next();
        let (tx, inbox) = mpsc::unbounded_channel();
        router.control(Control::Client {
            id,
            inbox: Some(tx),
        });
        Conn {
            id,
            name: client_id(id),
            inbox,
            router: router.clone(),
            next_msg_id: 1,
        }
    }

    /// Its number (`c<k>`).
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// Sends `body` (a JSON object; its `msg_id` is set here) to `dest` and waits up to `timeout`
    /// for the reply body.
    pub(crate) async fn call(
        &mut self,
        dest: Endpoint,
        mut body: Json,
        timeout: Duration,
    ) -> Result<Json, CallError> {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        if let Json::Object(map) = &mut body {
            map.insert("msg_id".into(), Json::from(msg_id));
        }
        let message = serde_json::json!({"src": self.name, "dest": dest.name(), "body": body});
        let line = serde_json::to_vec(&message).expect("JSON values serialize");
        self.router.send(super::net::Outgoing {
            from: Endpoint::Client(self.id),
            dest: Some(dest),
            line: line.into(),
        });
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.inbox.recv()).await {
                Ok(Some(line)) => line,
                Ok(None) | Err(_) => return Err(CallError::Timeout),
            };
            let Ok(mut reply) = serde_json::from_slice::<Json>(&line) else {
                continue;
            };
            let Some(body) = reply.get_mut("body") else {
                continue;
            };
            if body.get("in_reply_to").and_then(Json::as_u64) == Some(msg_id) {
                return Ok(body.take());
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.router.control(Control::Client {
            id: self.id,
            inbox: None,
        });
    }
}
