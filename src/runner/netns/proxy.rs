//! Delay without netem: a userspace TCP proxy on every peer link, used when `--nemesis latency`
//! is asked for and the cluster file names a `peer_port`.
//!
//! In node i's namespace a DNAT rule sends connections for `IPj:peer_port` to the alias address
//! `Aj:peer_port` (Aj = SUBNET.(100+j), on the bridge in the client namespace), where the proxy
//! accepts them, learns i from the source address, and connects on to `IPj:peer_port` from
//! `Ai`. So node j sees i's traffic coming from Ai and node i sees j's answers coming from Aj:
//! partition rules drop both IPk and Ak, and partitions cut proxied links exactly as direct
//! ones. Each direction of a connection is a reader thread stamping chunks with their arrival
//! time and a writer thread releasing them at `arrival + delay`, where the delay is read when
//! the chunk is released, per link, from [`Delays`].

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, SockaddrIn};

use crate::runner::real::namespace::enter;
use crate::runner::{RunError, StopHandle};

/// Extra delay per node in microseconds: a chunk on a link between i and j waits the larger of
/// the two nodes' delays. Counts the chunks it held back (the evidence latency took effect).
#[derive(Debug)]
pub struct Delays(Vec<AtomicU64>, AtomicU64, AtomicU64);

impl Delays {
    /// No delay on any of `n` nodes.
    pub fn new(n: usize) -> Delays {
        Delays(
            (0..n).map(|_| AtomicU64::new(0)).collect(),
            AtomicU64::new(0),
            AtomicU64::new(0),
        )
    }

    /// Chunks held back by an extra delay since a delay was last set on some node.
    pub fn delayed_since_set(&self) -> u64 {
        self.1
            .load(Ordering::Relaxed)
            .saturating_sub(self.2.load(Ordering::Relaxed))
    }

    /// Sets the extra delay of `nodes` (others: none).
    pub fn set(&self, nodes: &[usize], extra: Duration) {
        if !nodes.is_empty() {
            self.2
                .store(self.1.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        for (i, d) in self.0.iter().enumerate() {
            let v = if nodes.contains(&i) {
                extra.as_micros() as u64
            } else {
                0
            };
            d.store(v, Ordering::Relaxed);
        }
    }

    fn link(&self, a: usize, b: usize) -> Duration {
        let us = self.0[a]
            .load(Ordering::Relaxed)
            .max(self.0[b].load(Ordering::Relaxed));
        Duration::from_micros(us)
    }
}

/// Where the proxies listen and connect.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Node addresses.
    pub nodes: Vec<Ipv4Addr>,
    /// Alias addresses (Ak).
    pub aliases: Vec<Ipv4Addr>,
    /// The peer port.
    pub port: u16,
}

/// Starts one listener thread per node in the client namespace `ns`; they run until `stop`.
pub fn start(
    ns: &str,
    layout: Layout,
    delays: Arc<Delays>,
    stop: StopHandle,
) -> Result<(), RunError> {
    let (tx, rx) = mpsc::channel();
    for j in 0..layout.nodes.len() {
        let (ns, layout, delays, stop, tx) = (
            ns.to_string(),
            layout.clone(),
            delays.clone(),
            stop.clone(),
            tx.clone(),
        );
        std::thread::Builder::new()
            .name(format!("netns-proxy-{j}"))
            .spawn(move || {
                let bound = enter(&ns).and_then(|_| {
                    let addr = SocketAddrV4::new(layout.aliases[j], layout.port);
                    let l = TcpListener::bind(addr)
                        .map_err(|e| RunError::Netns(format!("proxy bind {addr}: {e}")))?;
                    l.set_nonblocking(true)
                        .map_err(|e| RunError::Netns(format!("proxy {addr}: {e}")))?;
                    Ok(l)
                });
                let listener = match bound {
                    Ok(l) => {
                        let _ = tx.send(Ok(()));
                        l
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                accept_loop(j, &listener, &layout, &delays, &stop);
            })
            .map_err(|e| RunError::Netns(format!("cannot start a proxy thread: {e}")))?;
    }
    for _ in 0..layout.nodes.len() {
        rx.recv()
            .map_err(|_| RunError::Netns("a proxy thread died at start".into()))??;
    }
    Ok(())
}

fn accept_loop(
    j: usize,
    l: &TcpListener,
    layout: &Layout,
    delays: &Arc<Delays>,
    stop: &StopHandle,
) {
    while !stop.is_stopped() {
        let (inbound, from) = match l.accept() {
            Ok(x) => x,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let SocketAddr::V4(from) = from else { continue };
        let Some(i) = layout.nodes.iter().position(|a| *a == *from.ip()) else {
            continue;
        };
        let (layout, delays, stop) = (layout.clone(), delays.clone(), stop.clone());
        let _ = std::thread::Builder::new()
            .name(format!("netns-proxy-{i}-{j}"))
            .spawn(move || {
                let _ = inbound.set_nonblocking(false);
                let Ok(outbound) = connect_from(layout.aliases[i], layout.nodes[j], layout.port)
                else {
                    return;
                };
                pipe(inbound, outbound, i, j, delays, stop);
            });
    }
}

/// A TCP connection to `to:port` from the local address `from` (std cannot bind before connect).
fn connect_from(from: Ipv4Addr, to: Ipv4Addr, port: u16) -> std::io::Result<TcpStream> {
    let fd = socket::socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    socket::bind(
        fd.as_raw_fd(),
        &SockaddrIn::from(SocketAddrV4::new(from, 0)),
    )?;
    socket::connect(
        fd.as_raw_fd(),
        &SockaddrIn::from(SocketAddrV4::new(to, port)),
    )?;
    let s = TcpStream::from(fd);
    s.set_nodelay(true)?;
    Ok(s)
}

/// Both directions of one proxied connection, each delayed.
fn pipe(a: TcpStream, b: TcpStream, i: usize, j: usize, delays: Arc<Delays>, stop: StopHandle) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let d = delays.clone();
    let s = stop.clone();
    let forward = std::thread::spawn(move || relay(a, b2, i, j, &d, &s));
    relay(b, a2, i, j, &delays, &stop);
    let _ = forward.join();
}

/// Copies `from` to `to`, each chunk released `delay` after it arrived.
fn relay(
    mut from: TcpStream,
    to: TcpStream,
    i: usize,
    j: usize,
    delays: &Delays,
    stop: &StopHandle,
) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let mut writer_to = match to.try_clone() {
        Ok(t) => t,
        Err(_) => return,
    };
    let writer = std::thread::scope(|scope| {
        let w = scope.spawn(move || {
            while let Ok((at, chunk)) = rx.recv() {
                let extra = delays.link(i, j);
                if !extra.is_zero() {
                    delays.1.fetch_add(1, Ordering::Relaxed);
                }
                let due = at + extra;
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if writer_to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = writer_to.shutdown(Shutdown::Write);
        });
        let _ = from.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if stop.is_stopped() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        drop(tx);
        w.join()
    });
    let _ = writer;
    let _ = to.shutdown(Shutdown::Write);
}
