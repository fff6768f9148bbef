//! Clients on the router: [`Conn`], a client endpoint (`c<k>`) that sends requests and waits for
//! the matching replies, and [`RouterClient`], the run's [`Client`]: a connection opened on its
//! first call and replaced by a fresh one (a new client id) after an indefinite outcome.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::mpsc;

use super::task::{Control, Outgoing, RouterHandle};
use crate::runner::backend::{Call, Client, Reply};
use crate::runner::protocol::{client_id, reply_to, request_line, Endpoint};

/// Hands out client ids `c0`, `c1`, ... in order.
#[derive(Debug, Default)]
pub(crate) struct ClientIds(AtomicU32);

impl ClientIds {
    pub(crate) fn next(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

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
        body: Json,
        timeout: Duration,
    ) -> Result<Json, CallError> {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        let mut line = request_line(&self.name, &dest.name(), body, msg_id);
        line.pop(); // the router carries lines without their newline
        self.router.send(Outgoing {
            from: Endpoint::Client(self.id),
            dest: Some(dest),
            line: line.into(),
        });
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.inbox.recv()).await {
                Ok(Some(line)) => {
                    if let Some(body) = reply_to(&line, msg_id) {
                        return Ok(body);
                    }
                }
                Ok(None) | Err(_) => return Err(CallError::Timeout),
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

/// A worker's client: its connection is opened on the first call, so the nodes' `init` clients
/// get the first ids.
pub struct RouterClient {
    router: RouterHandle,
    ids: Arc<ClientIds>,
    conn: Option<Conn>,
}

impl RouterClient {
    pub(super) fn new(router: RouterHandle, ids: Arc<ClientIds>) -> RouterClient {
        RouterClient {
            router,
            ids,
            conn: None,
        }
    }

    fn conn(&mut self) -> &mut Conn {
        let (router, ids) = (&self.router, &self.ids);
        self.conn.get_or_insert_with(|| Conn::open(router, ids))
    }
}

impl Client for RouterClient {
    async fn call(&mut self, call: Call<'_>) -> Reply {
        let dest = Endpoint::Node(call.node);
        match self
            .conn()
            .call(dest, call.request.clone(), call.timeout)
            .await
        {
            Ok(body) => Reply::Body(body),
            Err(CallError::Timeout) => Reply::Timeout,
        }
    }

    async fn setup(&mut self, call: Call<'_>) -> Result<Json, String> {
        let dest = Endpoint::Node(call.node);
        let reply = self.conn().call(dest, call.request.clone(), call.timeout);
        reply
            .await
            .map_err(|CallError::Timeout| "timed out".to_string())
    }

    fn reset(&mut self) {
        self.conn = None;
    }
}
