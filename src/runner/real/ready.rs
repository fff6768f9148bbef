//! Waiting for the nodes to be ready: a prober thread (in the client namespace, on netns) asks
//! each node in turn — an HTTP `GET` whose body must contain a string, a TCP connection, or a
//! line sent on a fresh connection whose answer must contain a string —
//! until all answer, the cluster file's timeout passes, or the run is stopped; a node that exits
//! first is an error naming its log.

use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::cluster_file::{ClusterFile, Ready};
use super::namespace::enter_if;
use crate::runner::protocol::node_id;
use crate::runner::store::Store;
use crate::runner::systems::http::HttpConn;
use crate::runner::systems::plain;
use crate::runner::{RunError, StopHandle};

/// Whether node at `addr` passes `probe` now.
fn probe(ready: &Ready, addr: SocketAddr, conn: &mut HttpConn) -> bool {
    match ready {
        Ready::HttpGet { path, expect } => conn
            .get(path, Duration::from_millis(500))
            .is_ok_and(|(_, body)| String::from_utf8_lossy(&body).contains(expect.as_str())),
        Ready::Tcp => TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok(),
        Ready::Send { send, expect } => {
            let timeout = Duration::from_millis(500);
            plain::ask(addr, send.as_bytes(), expect.as_bytes(), timeout).is_some()
        }
    }
}

/// Blocks until every node of `cluster` at `addrs` is ready (or `stop`), probing from
/// `namespace`; `exited` says which node, if any, has exited meanwhile (and how).
pub fn wait(
    cluster: &ClusterFile,
    namespace: Option<&str>,
    addrs: &[SocketAddr],
    mut exited: impl FnMut() -> Option<(usize, String)>,
    store: &Store,
    stop: &StopHandle,
) -> Result<(), RunError> {
    let deadline = Instant::now() + cluster.ready_timeout;
    let (tx, rx) = mpsc::channel();
    // The prober stops on the run's stop, or on this one when a node exits.
    let give_up = StopHandle::default();
    let probed = addrs
        .iter()
        .map(|a| SocketAddr::new(a.ip(), cluster.ready_port));
    let (ns, addrs_owned, ready) = (
        namespace.map(str::to_string),
        probed.collect::<Vec<_>>(),
        cluster.ready.clone(),
    );
    let (stop_run, give_up_probe) = (stop.clone(), give_up.clone());
    let prober = std::thread::Builder::new()
        .name("netns-probe".into())
        .spawn(move || {
            if let Err(e) = enter_if(ns.as_deref()) {
                let _ = tx.send(Err(e));
                return;
            }
            for (i, addr) in addrs_owned.into_iter().enumerate() {
                let mut conn = HttpConn::new(addr);
                loop {
                    let over = stop_run.is_stopped() || give_up_probe.is_stopped();
                    if over || Instant::now() > deadline {
                        let _ = tx.send(Ok(Some(i)));
                        return;
                    }
                    if probe(&ready, addr, &mut conn) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let _ = tx.send(Ok(None));
        })
        .map_err(|e| RunError::Real(format!("cannot start the probe thread: {e}")))?;
    let outcome = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(r) => break r,
            Err(RecvTimeoutError::Timeout) => {
                if let Some((i, status)) = exited() {
                    give_up.stop();
                    let _ = prober.join();
                    let id = node_id(i);
                    return Err(RunError::Real(format!(
                        "node {id} exited ({status}) before it was ready; see {}",
                        store.node_log(&id).display()
                    )));
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                break Err(RunError::Real("the probe thread died".into()))
            }
        }
    };
    let _ = prober.join();
    match outcome? {
        None => Ok(()),
        Some(_) if stop.is_stopped() => Ok(()),
        Some(i) => {
            let what = match &cluster.ready {
                Ready::HttpGet { path, expect } => format!("answer GET {path} with {expect:?}"),
                Ready::Tcp => format!("accept a connection on port {}", cluster.ready_port),
                Ready::Send { send, expect } => format!(
                    "answer {send:?} on port {} with {expect:?}",
                    cluster.ready_port
                ),
            };
            Err(RunError::Real(format!(
                "node {} did not {what} within {:?}; see {}",
                node_id(i),
                cluster.ready_timeout,
                store.node_log(&node_id(i)).display()
            )))
        }
    }
}
