//! [`Link`]: the outgoing connection to one peer's shim. Messages queue (boundedly) while it
//! connects; a write that fails loses the message, as a network may, and the link reconnects.
//! Under a partition that drops packets, TCP itself retries until the partition heals or the
//! connection gives up — which is what a TCP-speaking system sees on a real network.

use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::RECONNECT;

/// Messages waiting for a link; beyond this, new ones are dropped.
const QUEUE: usize = 10_000;

/// A link to one peer.
pub(super) struct Link {
    queue: mpsc::Sender<Vec<u8>>,
}

impl Link {
    /// Starts the link's task, which connects to `addr` when there is something to send.
    pub(super) fn start(addr: SocketAddr) -> Link {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(carry(addr, rx));
        Link { queue }
    }

    /// Queues `line` (dropped when the queue is full).
    pub(super) fn send(&self, line: Vec<u8>) {
        let _ = self.queue.try_send(line);
    }
}

async fn carry(addr: SocketAddr, mut rx: mpsc::Receiver<Vec<u8>>) {
    let mut stream: Option<TcpStream> = None;
    while let Some(line) = rx.recv().await {
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(_) => {
                    // Unreachable now: this message is lost; try again for the next one.
                    tokio::time::sleep(RECONNECT).await;
                    continue;
                }
            }
        }
        if let Some(s) = &mut stream {
            if s.write_all(&line).await.is_err() {
                stream = None;
            }
        }
    }
}
