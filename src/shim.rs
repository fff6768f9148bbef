//! `splitbrain shim`: a Maelstrom-protocol program (JSON lines on stdin/stdout) on a real
//! network. The shim runs the program as its child, sends it `init`, and then carries its
//! messages over TCP: to another node through that node's shim, to a client back on the
//! connection the client came in on. Partitions, loss and latency are then whatever the real
//! network does (`--net netns` applies them with iptables), and a kill or pause of the shim's
//! process group reaches the program too.
//!
//! Map of this module:
//! - [`ShimOptions`], [`run`] (here): start the child, `init`, serve until the child exits;
//! - `links.rs`: the outgoing connection to each peer's shim (reconnecting, bounded queue);
//! - `inbound.rs`: connections from peers and clients, and who gets a client's replies.
//!
//! On the wire a message is exactly what the program would print to Maelstrom:
//! `{"src": …, "dest": …, "body": {…}}` and a newline. Maelstrom's services (`lin-kv` …) do not
//! exist on a real network: a request to one gets error 10 (`not-supported`) back at once.

mod inbound;
mod links;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value as Json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{ChildStdout, Command};
use tokio::sync::mpsc;

use crate::runner::protocol::{init_body, parse_line, ServiceId, INIT_TIMEOUT, NOT_SUPPORTED};
use inbound::Clients;
use links::Link;

/// What the shim runs, and where.
#[derive(Clone, Debug)]
pub struct ShimOptions {
    /// This node's id (`n0`).
    pub id: String,
    /// Where peers and clients connect.
    pub listen: SocketAddr,
    /// Every node of the cluster (this one included), in order: id and shim address.
    pub peers: Vec<(String, SocketAddr)>,
    /// The program and its arguments.
    pub argv: Vec<String>,
}

/// Why the shim could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    /// The program could not be started.
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The program did not answer `init` with `init_ok`.
    #[error("{id} did not answer init with init_ok within {seconds} s (it said: {said})")]
    Init {
        /// The node id.
        id: String,
        /// The limit.
        seconds: u64,
        /// What it printed instead, if anything.
        said: String,
    },
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs the program under the shim until it exits; its exit code (128 + the signal when a
/// signal ended it).
pub fn run(options: ShimOptions) -> Result<i32, ShimError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ShimError::Runtime)?
        .block_on(serve(options))
}

async fn serve(options: ShimOptions) -> Result<i32, ShimError> {
    let program = options.argv.first().cloned().unwrap_or_default();
    let mut child = Command::new(&program)
        .args(&options.argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ShimError::Spawn { program, source })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let ids: Vec<String> = options.peers.iter().map(|(id, _)| id.clone()).collect();
    // `c0` is the init client on every node; the Maelstrom adapter numbers its clients from 1.
    let init = json!({"src": "c0", "dest": options.id, "body": init_body(&options.id, &ids)});
    let mut line = serde_json::to_vec(&init).expect("JSON values serialize");
    line.push(b'\n');
    let _ = stdin.write_all(&line).await;
    let said = tokio::time::timeout(INIT_TIMEOUT, await_init_ok(&mut stdout)).await;
    if !matches!(said, Ok(Ok(()))) {
        let said = match said {
            Ok(Err(said)) => said,
            _ => "nothing".into(),
        };
        return Err(ShimError::Init {
            id: options.id,
            seconds: INIT_TIMEOUT.as_secs(),
            said,
        });
    }
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|source| ShimError::Listen {
            addr: options.listen,
            source,
        })?;
    let (to_node, mut node_inbox) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        while let Some(line) = node_inbox.recv().await {
            if stdin.write_all(&line).await.is_err() {
                break;
            }
        }
    });
    let clients = Arc::new(Mutex::new(Clients::default()));
    tokio::spawn(inbound::accept(listener, to_node.clone(), clients.clone()));
    let links: HashMap<String, Link> = options
        .peers
        .iter()
        .filter(|(id, _)| *id != options.id)
        .map(|(id, addr)| (id.clone(), Link::start(*addr)))
        .collect();
    route_stdout(stdout, &options.id, &links, &clients, &to_node).await;
    let status = child.wait().await.ok();
    use std::os::unix::process::ExitStatusExt;
    Ok(status.map_or(1, |s| {
        s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
    }))
}

/// Reads the program's stdout until its `init_ok`; `Err` with what it printed instead.
async fn await_init_ok(stdout: &mut BufReader<ChildStdout>) -> Result<(), String> {
    let mut line = String::new();
    match stdout.read_line(&mut line).await {
        Ok(0) | Err(_) => return Err("nothing: it closed its stdout".into()),
        Ok(_) => {}
    }
    let reply: Json = serde_json::from_str(&line).map_err(|_| line.trim().to_string())?;
    match reply["body"]["type"].as_str() {
        Some("init_ok") => Ok(()),
        _ => Err(line.trim().to_string()),
    }
}

/// Carries each line the program prints to its destination, until its stdout ends.
async fn route_stdout(
    mut stdout: BufReader<ChildStdout>,
    id: &str,
    links: &HashMap<String, Link>,
    clients: &Mutex<Clients>,
    to_node: &mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdout.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") {
            line.push(b'\n');
        }
        let Ok(dest) = parse_line(&line) else {
            eprintln!(
                "shim {id}: not a message, dropped: {}",
                String::from_utf8_lossy(&line).trim_end()
            );
            continue;
        };
        let dest = dest.into_owned();
        if let Some(link) = links.get(&dest) {
            link.send(line.clone());
        } else if ServiceId::from_name(&dest).is_some() {
            let _ = to_node.send(not_supported(&line, &dest, id));
        } else if !clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(&dest, line.clone())
        {
            // A client that has gone away: its reply is lost, as on any network.
        }
    }
}

/// The `not-supported` error a service that does not exist here answers `request` with.
fn not_supported(request: &[u8], service: &str, node: &str) -> Vec<u8> {
    let msg_id = serde_json::from_slice::<Json>(request)
        .ok()
        .and_then(|m| m["body"]["msg_id"].as_u64());
    let reply = json!({"src": service, "dest": node, "body": {
        "type": "error", "in_reply_to": msg_id, "code": NOT_SUPPORTED,
        "text": format!("{service} is a Maelstrom service; there are none on a real network"),
    }});
    let mut line = serde_json::to_vec(&reply).expect("JSON values serialize");
    line.push(b'\n');
    line
}

/// How long a peer link waits before reconnecting after a failure.
const RECONNECT: Duration = Duration::from_millis(100);
