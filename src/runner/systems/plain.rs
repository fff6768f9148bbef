//! [`ask`]: one request on a fresh TCP connection and its answer, for line protocols that
//! answer and close (ZooKeeper's four-letter words) or answer and wait (Redis's inline
//! commands): the readiness probe and the ZooKeeper adapter's leader reports use it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Largest answer read.
const LIMIT: usize = 1 << 16;

/// Writes `send` to a fresh connection to `addr` and reads the answer until it contains
/// `until` (or, with `until` empty, until the server closes); `None` if it never does within
/// `timeout`.
pub fn ask(addr: SocketAddr, send: &[u8], until: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&addr, timeout).ok()?;
    s.write_all(send).ok()?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < LIMIT {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        s.set_read_timeout(Some(left)).ok()?;
        match s.read(&mut buf) {
            Ok(0) => return until.is_empty().then_some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
        if !until.is_empty() && got.windows(until.len()).any(|w| w == until) {
            return Some(got);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn an_answer_is_read_until_it_contains_the_expected_text_or_the_server_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            for reply in [&b"+PO"[..], b"Mode: follower\n"] {
                let (mut s, _) = listener.accept().unwrap();
                let mut req = [0u8; 4];
                s.read_exact(&mut req).unwrap();
                s.write_all(reply).unwrap();
                if reply == b"+PO" {
                    s.write_all(b"NG\r\n").unwrap();
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        });
        let t = Duration::from_secs(5);
        assert!(ask(addr, b"PING", b"+PONG", t).is_some());
        let all = ask(addr, b"srvr", b"", t).unwrap();
        assert_eq!(all, b"Mode: follower\n");
        server.join().unwrap();
    }
}
