//! [`HttpConn`]: a minimal blocking HTTP/1.1 client with one persistent (keep-alive) connection,
//! enough for etcd's JSON gateway and readiness probes; and base64, which the gateway needs.
//!
//! Why not a crate: the harness needs `POST` + `Content-Length`/chunked bodies on sockets opened
//! by a thread that lives in the client namespace, and a hard deadline per request; that is ~150
//! lines. A connection is dropped after any error or timeout, because a late response would
//! otherwise be read as the answer to the next request.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Why a request has no response.
#[derive(Debug)]
pub enum HttpError {
    /// The connection could not be made: the request was never sent.
    Connect(io::Error),
    /// The deadline passed after the request may have been sent.
    Timeout,
    /// The connection broke, or the response was not HTTP, after the request may have been sent.
    Broken(String),
}

/// One persistent connection to `addr`, reopened on demand.
pub struct HttpConn {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
}

impl HttpConn {
    /// A connection to `addr`, opened on the first request.
    pub fn new(addr: SocketAddr) -> HttpConn {
        HttpConn { addr, stream: None }
    }

    /// `POST path` with a JSON `body`; the status and the response body, within `timeout`.
    pub fn post(
        &mut self,
        path: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>), HttpError> {
        self.request("POST", path, body, timeout)
    }

    /// `GET path`.
    pub fn get(&mut self, path: &str, timeout: Duration) -> Result<(u16, Vec<u8>), HttpError> {
        self.request("GET", path, b"", timeout)
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>), HttpError> {
        let deadline = Instant::now() + timeout;
        let result = self.exchange(method, path, body, deadline);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        deadline: Instant,
    ) -> Result<(u16, Vec<u8>), HttpError> {
        // No retries: a request that may have reached the server is never sent twice.
        if self.stream.is_none() {
            let left = remaining(deadline).ok_or(HttpError::Timeout)?;
            let s = TcpStream::connect_timeout(&self.addr, left).map_err(HttpError::Connect)?;
            s.set_nodelay(true).map_err(HttpError::Connect)?;
            self.stream = Some(BufReader::new(s));
        }
        let reader = self.stream.as_mut().expect("opened above");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let mut message = head.into_bytes();
        message.extend_from_slice(body);
        set_deadline(reader.get_ref(), deadline)?;
        reader.get_mut().write_all(&message).map_err(io_error)?;
        read_response(reader, deadline)
    }
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

fn set_deadline(s: &TcpStream, deadline: Instant) -> Result<(), HttpError> {
    let left = remaining(deadline).ok_or(HttpError::Timeout)?;
    s.set_read_timeout(Some(left)).map_err(io_error)?;
    s.set_write_timeout(Some(left)).map_err(io_error)
}

fn io_error(e: io::Error) -> HttpError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => HttpError::Timeout,
        _ => HttpError::Broken(e.to_string()),
    }
}

fn read_line(r: &mut BufReader<TcpStream>, deadline: Instant) -> Result<String, HttpError> {
    set_deadline(r.get_ref(), deadline)?;
    let mut line = String::new();
    let n = r.read_line(&mut line).map_err(io_error)?;
    if n == 0 {
        return Err(HttpError::Broken("connection closed".into()));
    }
    Ok(line.trim_end().to_string())
}

fn read_response(
    r: &mut BufReader<TcpStream>,
    deadline: Instant,
) -> Result<(u16, Vec<u8>), HttpError> {
    let status_line = read_line(r, deadline)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HttpError::Broken(format!("not an HTTP status line: {status_line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let line = read_line(r, deadline)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let size_line = read_line(r, deadline)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or(""), 16)
                .map_err(|_| HttpError::Broken(format!("bad chunk size {size_line:?}")))?;
            if size == 0 {
                read_line(r, deadline)?;
                break;
            }
            read_exact(r, size, &mut body, deadline)?;
            read_line(r, deadline)?;
        }
    } else if let Some(n) = length {
        read_exact(r, n, &mut body, deadline)?;
    } else {
        return Err(HttpError::Broken(
            "a response without Content-Length cannot be kept alive".into(),
        ));
    }
    Ok((status, body))
}

fn read_exact(
    r: &mut BufReader<TcpStream>,
    n: usize,
    out: &mut Vec<u8>,
    deadline: Instant,
) -> Result<(), HttpError> {
    let start = out.len();
    out.resize(start + n, 0);
    let mut filled = start;
    while filled < out.len() {
        set_deadline(r.get_ref(), deadline)?;
        match r.read(&mut out[filled..]) {
            Ok(0) => return Err(HttpError::Broken("connection closed mid-body".into())),
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(e)),
        }
    }
    Ok(())
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u32> = text
        .trim_end_matches('=')
        .bytes()
        .map(|c| ALPHABET.iter().position(|&a| a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | (d << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn base64_round_trips_and_matches_known_values() {
        assert_eq!(base64_encode(b"k1"), "azE=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_decode("djI=").unwrap(), b"v2");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("a$==").is_none());
        for n in 0..20u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn keep_alive_serves_two_requests_on_one_connection_and_chunked_bodies_are_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            let mut r = BufReader::new(s);
            for reply in [
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_string(),
                "HTTP/1.1 503 Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_string(),
            ] {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    r.read_line(&mut line).unwrap();
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.trim().parse().unwrap();
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                r.get_mut().write_all(reply.as_bytes()).unwrap();
            }
        });
        let mut c = HttpConn::new(addr);
        let t = Duration::from_secs(5);
        assert_eq!(c.post("/a", b"{}", t).unwrap(), (200, b"{}".to_vec()));
        assert_eq!(c.post("/b", b"{}", t).unwrap(), (503, b"abcde".to_vec()));
        server.join().unwrap();
    }

    #[test]
    fn a_silent_server_times_out_and_a_closed_port_is_a_connect_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = HttpConn::new(listener.local_addr().unwrap());
        let r = c.post("/", b"{}", Duration::from_millis(100));
        assert!(matches!(r, Err(HttpError::Timeout)), "{r:?}");
        // Port 1 (tcpmux) has no listener here. A port freed by dropping a listener would not
        // do: a test running beside this one may bind it again in between.
        let closed: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let r = HttpConn::new(closed).post("/", b"{}", Duration::from_millis(500));
        assert!(matches!(r, Err(HttpError::Connect(_))), "{r:?}");
    }
}
