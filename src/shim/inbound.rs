//! Connections into the shim: from peers (their messages go to the program) and from clients
//! (theirs too, and the program's replies to a client go back on the connection it came in on).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Where each client's replies go: its connection's writer, by client id.
#[derive(Default)]
pub(super) struct Clients {
    writers: HashMap<String, (u64, mpsc::UnboundedSender<Vec<u8>>)>,
}

impl Clients {
    /// Sends `line` to client `id`; whether it is still connected.
    pub(super) fn send(&self, id: &str, line: Vec<u8>) -> bool {
        self.writers
            .get(id)
            .is_some_and(|(_, w)| w.send(line).is_ok())
    }

    fn register(&mut self, id: &str, conn: u64, writer: &mpsc::UnboundedSender<Vec<u8>>) {
        if self.writers.get(id).map(|(c, _)| *c) != Some(conn) {
            self.writers.insert(id.to_string(), (conn, writer.clone()));
        }
    }

    fn forget(&mut self, conn: u64) {
        self.writers.retain(|_, (c, _)| *c != conn);
    }
}

/// Accepts connections until the shim ends.
pub(super) async fn accept(
    listener: TcpListener,
    to_node: mpsc::UnboundedSender<Vec<u8>>,
    clients: Arc<Mutex<Clients>>,
) {
    let mut next = 0u64;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        next += 1;
        tokio::spawn(connection(next, stream, to_node.clone(), clients.clone()));
    }
}

/// One connection: every line goes to the program; a line from a client also makes this
/// connection where that client's replies go.
async fn connection(
    conn: u64,
    stream: TcpStream,
    to_node: mpsc::UnboundedSender<Vec<u8>>,
    clients: Arc<Mutex<Clients>>,
) {
    let (read, mut write) = stream.into_split();
    let (writer, mut replies) = mpsc::unbounded_channel::<Vec<u8>>();
    let writing = tokio::spawn(async move {
        while let Some(line) = replies.recv().await {
            if write.write_all(&line).await.is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") {
            line.push(b'\n');
        }
        if let Some(src) = source(&line) {
            if crate::runner::protocol::node_index(&src, usize::MAX).is_none() {
                clients
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .register(&src, conn, &writer);
            }
        }
        if to_node.send(line.clone()).is_err() {
            break;
        }
    }
    clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .forget(conn);
    writing.abort();
}

/// The `src` of a message line.
fn source(line: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Src {
        src: String,
    }
    serde_json::from_slice::<Src>(line).ok().map(|s| s.src)
}
