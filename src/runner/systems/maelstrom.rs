//! The Maelstrom adapter: Maelstrom's own messages, one JSON line each, over a TCP connection
//! to `splitbrain shim`, which runs a Maelstrom-protocol program on each node and carries its
//! messages to the other nodes over the real network. Every workload speaks it: the request
//! bodies are the workload's own, and replies are judged by the workload as on the router.
//!
//! A connection is a client (`c<k>`, numbered across the run); requests carry a `msg_id` and
//! the reply is the line whose `in_reply_to` matches. A refused connection means nothing was
//! sent (the operation failed); a connection that breaks after the request was written, or a
//! reply that does not come in time, is a timeout (the workload decides what that means).

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::settings::Settings;
use super::{SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::backend::Reply;
use crate::runner::protocol::{client_id, node_id, reply_to, request_line};
use crate::runner::workload::{Completion, Invocation, WorkloadName};

/// The Maelstrom-over-TCP adapter.
#[derive(Debug)]
pub(super) struct Maelstrom {
    next_client: Arc<AtomicU32>,
}

impl Default for Maelstrom {
    fn default() -> Maelstrom {
        // `c0` is the client each shim sends `init` from.
        Maelstrom {
            next_client: Arc::new(AtomicU32::new(1)),
        }
    }
}

/// The adapter (it takes no settings).
pub(super) fn build(
    _settings: &Settings,
    _nodes: &[SocketAddr],
    _workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    Box::new(Maelstrom::default())
}

impl SystemAdapter for Maelstrom {
    fn name(&self) -> &'static str {
        "maelstrom"
    }

    fn supports(&self, _workload: WorkloadName) -> Result<(), String> {
        Ok(())
    }

    fn connect(&self, node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(MaelstromClient {
            node: node_id(node),
            addr,
            ids: self.next_client.clone(),
            conn: None,
            next_msg_id: 1,
        })
    }
}

struct Conn {
    name: String,
    reader: BufReader<TcpStream>,
}

/// One client of one node's shim.
struct MaelstromClient {
    node: String,
    addr: SocketAddr,
    ids: Arc<AtomicU32>,
    conn: Option<Conn>,
    next_msg_id: u64,
}

enum CallError {
    /// Nothing was sent.
    Connect(std::io::Error),
    /// Sent, but no reply in time (or the connection broke).
    NoReply,
}

impl MaelstromClient {
    fn call(&mut self, request: &Json, timeout: Duration) -> Result<Json, CallError> {
        let deadline = Instant::now() + timeout;
        let result = self.exchange(request, deadline);
        if result.is_err() {
            // A late reply is told apart by its msg_id, but a fresh connection is also a fresh
            // client: after an unknown outcome that is what Jepsen's clients do too.
            self.conn = None;
        }
        result
    }

    fn exchange(&mut self, request: &Json, deadline: Instant) -> Result<Json, CallError> {
        if self.conn.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            let stream = TcpStream::connect_timeout(&self.addr, left.max(Duration::from_millis(1)))
                .map_err(CallError::Connect)?;
            let _ = stream.set_nodelay(true);
            let name = client_id(self.ids.fetch_add(1, Ordering::Relaxed));
            self.conn = Some(Conn {
                name,
                reader: BufReader::new(stream),
            });
        }
        let conn = self.conn.as_mut().expect("connected above");
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        let line = request_line(&conn.name, &self.node, request.clone(), msg_id);
        conn.reader
            .get_mut()
            .write_all(&line)
            .map_err(|_| CallError::NoReply)?;
        let mut buf = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CallError::NoReply);
            }
            let _ = conn.reader.get_ref().set_read_timeout(Some(left));
            match conn.reader.read_until(b'\n', &mut buf) {
                Ok(0) => return Err(CallError::NoReply),
                Ok(_) if buf.ends_with(b"\n") => {
                    if let Some(body) = reply_to(&buf, msg_id) {
                        return Ok(body);
                    }
                    buf.clear();
                }
                // A partial line: keep it and read on.
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(CallError::NoReply)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Err(CallError::NoReply),
            }
        }
    }
}

impl SystemClient for MaelstromClient {
    fn invoke(&mut self, _op: &Invocation, request: &Json, timeout: Duration) -> Reply {
        match self.call(request, timeout) {
            Ok(body) => Reply::Body(body),
            Err(CallError::Connect(e)) => Reply::Done(Completion::Fail(Value::list(vec![
                Value::str("connect"),
                Value::str(e.to_string()),
            ]))),
            Err(CallError::NoReply) => Reply::Timeout,
        }
    }

    fn setup(&mut self, request: &Json, timeout: Duration) -> Result<Json, String> {
        match self.call(request, timeout) {
            Ok(body) => Ok(body),
            Err(CallError::Connect(e)) => Err(format!("cannot connect to {}: {e}", self.addr)),
            Err(CallError::NoReply) => Err("timed out".into()),
        }
    }
}
