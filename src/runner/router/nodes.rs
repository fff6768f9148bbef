//! [`Nodes`]: the router's node processes, one slot per node id, each holding the node's current
//! process.
//!
//! - `process.rs`: one process: spawn (argv, own process group, stderr to its log), the stdin
//!   writer, the stdout supervisor that routes messages and reports protocol failures.
//!
//! A node is started by spawning its process and completing the `init` handshake (within the init
//! timeout). The nemesis kills (SIGKILL to the process group), restarts (same node id, same data
//! directory, a fresh `init`), pauses (SIGSTOP) and resumes (SIGCONT) nodes through this type.
//! Dropping it kills every process group, so nothing outlives a run, whatever ends it.

mod process;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::{mpsc, Mutex};

use super::clients::{CallError, ClientIds, Conn};
use super::task::{Control, RouterHandle};
use crate::history::Value;
use crate::runner::clock_skew;
use crate::runner::effect::{self, Effect};
use crate::runner::error::{FailureKind, NodeFailure};
use crate::runner::host_clock;
use crate::runner::plan::NodeCommand;
use crate::runner::protocol::{init_body, node_id, Endpoint};
use crate::runner::store::Store;
use crate::runner::RunError;
use crate::units::format_duration;
use process::{NodeProcess, Spawn};

#[derive(Default)]
struct Slot {
    process: Option<NodeProcess>,
    paused: bool,
}

/// How nodes are started: how long `init` may take, and the run's seed (reference nodes get it
/// as `--seed`).
#[derive(Clone, Debug)]
pub(crate) struct StartOptions {
    pub init_timeout: Duration,
    pub seed: u64,
    /// libfaketime, when the run skews clocks: every node starts with it preloaded.
    pub libfaketime: Option<PathBuf>,
    /// Where the nodes' clock files are, when their host owns their clocks (reference nodes
    /// under `--nemesis clock`): every node starts with `--clock <dir>/nX`.
    pub host_clock: Option<PathBuf>,
}

/// The node processes of a run.
pub(crate) struct Nodes {
    command: NodeCommand,
    /// The run's seed, handed to reference nodes.
    seed: u64,
    ids: Vec<String>,
    slots: Vec<Mutex<Slot>>,
    store: Store,
    router: RouterHandle,
    clients: Arc<ClientIds>,
    failures: mpsc::UnboundedSender<NodeFailure>,
    init_timeout: Duration,
    libfaketime: Option<PathBuf>,
    host_clock: Option<PathBuf>,
}

impl Nodes {
    pub(crate) fn new(
        command: NodeCommand,
        node_count: usize,
        store: Store,
        router: RouterHandle,
        clients: Arc<ClientIds>,
        failures: mpsc::UnboundedSender<NodeFailure>,
        start: StartOptions,
    ) -> Nodes {
        let StartOptions {
            init_timeout,
            seed,
            libfaketime,
            host_clock,
        } = start;
        Nodes {
            libfaketime,
            host_clock,
            seed,
            command,
            ids: (0..node_count).map(node_id).collect(),
            slots: (0..node_count)
                .map(|_| Mutex::new(Slot::default()))
                .collect(),
            store,
            router,
            clients,
            failures,
            init_timeout,
        }
    }

    /// Node `i`'s data directory.
    pub(crate) fn data_dir(&self, i: usize) -> Result<std::path::PathBuf, RunError> {
        self.store.data_dir(&self.ids[i])
    }

    /// Starts (or restarts) node `i` and waits for its `init_ok`.
    pub(crate) async fn start(&self, i: usize) -> Result<(), RunError> {
        let mut slot = self.slots[i].lock().await;
        if slot.process.is_some() {
            return Ok(());
        }
        let id = &self.ids[i];
        let data_dir = self.store.data_dir(id)?;
        let mut argv = self.command.argv(&data_dir, self.seed);
        if let Some(dir) = &self.host_clock {
            let args =
                host_clock::node_args(dir, id).map_err(|e| RunError::Clock(e.to_string()))?;
            argv.extend(args.into_iter().map(Into::into));
        }
        let env = match &self.libfaketime {
            Some(lib) => clock_skew::node_env(&self.store.path("clock"), id, lib)
                .map_err(|e| RunError::Clock(e.to_string()))?,
            None => Vec::new(),
        };
        let mut conn = Conn::open(&self.router, &self.clients);
        let process = NodeProcess::spawn(
            Spawn {
                node: i,
                node_id: id,
                node_count: self.ids.len(),
                command: self.command.describe(),
                argv,
                log: self.store.node_log(id),
                log_file: self.store.open_node_log(id)?,
                data_dir,
                env,
                init_client: conn.id(),
            },
            &self.router,
            self.failures.clone(),
        )?;
        let reply = conn
            .call(
                Endpoint::Node(i),
                init_body(id, &self.ids),
                self.init_timeout,
            )
            .await;
        let ok = match &reply {
            Ok(body) => body.get("type").and_then(|t| t.as_str()) == Some("init_ok"),
            Err(_) => false,
        };
        if !ok {
            let kind = match reply {
                Err(CallError::Timeout) => FailureKind::InitTimeout {
                    limit: format_duration(self.init_timeout),
                },
                Ok(body) => FailureKind::InitRejected {
                    reply: body.to_string(),
                },
            };
            let failure = process.failure(kind);
            drop(process);
            self.router.control(Control::NodeDown { node: i });
            return Err(failure.into());
        }
        process.set_initialised();
        self.router.control(Control::NodeReady { node: i });
        slot.process = Some(process);
        slot.paused = false;
        Ok(())
    }

    /// SIGKILLs node `i` (a no-op when it is down). Messages to it are dropped until it restarts.
    /// The effect: the exit status seen.
    pub(crate) async fn kill(&self, i: usize) -> Effect {
        let mut slot = self.slots[i].lock().await;
        // Expected before the router drops its stdin writer: a node that sees stdin close exits
        // by itself (status 0), and that exit must not be reported as a failure.
        if let Some(process) = &slot.process {
            process.expect_exit();
        }
        self.router.control(Control::NodeDown { node: i });
        slot.paused = false;
        match slot.process.take() {
            Some(mut process) => match process.kill().await {
                Some(status) => Effect::took(vec![("exit", Value::str(status))]),
                None => Effect::missed(vec![("exit", Value::str("not seen within 5 s"))]),
            },
            None => Effect::missed(vec![("exit", Value::str("it was not running"))]),
        }
    }

    /// Node `i`'s clock file, when its host owns its clock.
    pub(crate) fn host_clock_file(&self, i: usize) -> Option<PathBuf> {
        Some(host_clock::file(self.host_clock.as_ref()?, &self.ids[i]))
    }

    /// Node `i`'s pid, if it is running (and its slot is not busy).
    pub(crate) fn pid(&self, i: usize) -> Option<i32> {
        let slot = self.slots[i].try_lock().ok()?;
        slot.process.as_ref().map(|p| p.pid())
    }

    /// SIGSTOPs node `i`; the effect: its process seen stopped.
    pub(crate) async fn pause(&self, i: usize) -> Effect {
        let mut slot = self.slots[i].lock().await;
        let Some(p) = &slot.process else {
            return Effect::missed(vec![("state", Value::str("not running"))]);
        };
        p.signal(Signal::SIGSTOP);
        let pid = p.pid();
        slot.paused = true;
        tokio::task::spawn_blocking(move || effect::paused(pid))
            .await
            .unwrap_or_else(|_| Effect::missed(vec![("state", Value::str("not observed"))]))
    }

    /// SIGCONTs node `i`; the effect: its process seen running again.
    pub(crate) async fn resume(&self, i: usize) -> Effect {
        let mut slot = self.slots[i].lock().await;
        slot.paused = false;
        let Some(p) = &slot.process else {
            return Effect::missed(vec![("state", Value::str("not running"))]);
        };
        p.signal(Signal::SIGCONT);
        let pid = p.pid();
        tokio::task::spawn_blocking(move || effect::resumed(pid))
            .await
            .unwrap_or_else(|_| Effect::missed(vec![("state", Value::str("not observed"))]))
    }

    /// Kills every node (expected exits: no failures reported).
    pub(crate) async fn shutdown(&self) {
        for i in 0..self.slots.len() {
            self.kill(i).await;
        }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        // `NodeProcess::drop` kills each process group.
        for slot in &mut self.slots {
            slot.get_mut().process.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::clock::Clock;
    use crate::runner::router::{journal::Journal, links::Links, task};
    use crate::runner::NetOptions;
    use crate::runner::{rng, Stream};

    fn tagged(tag: &str) -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(tag))
            .count()
    }

    #[test]
    fn a_panic_while_nodes_run_kills_every_process_group() {
        let tag = format!("sbtag-{}-panic", std::process::id());
        let store = tempfile::tempdir().unwrap();
        let store = Store::create(store.path(), "echo").unwrap();
        // A node that never answers init and has a child of its own.
        let script = "import subprocess, sys, time; \
                      subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', sys.argv[1]]); \
                      time.sleep(600)";
        let command = NodeCommand::Bin(vec![
            "python3".into(),
            "-c".into(),
            script.into(),
            tag.clone(),
        ]);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let seen = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                let router = task::start(
                    1,
                    Links::new(NetOptions::default()),
                    rng(0, Stream::Net),
                    Journal::new(None),
                    Clock::start(),
                    false,
                );
                let (failures, _failed) = mpsc::unbounded_channel();
                let cluster = Arc::new(Nodes::new(
                    command,
                    1,
                    store,
                    router,
                    Arc::default(),
                    failures,
                    StartOptions {
                        init_timeout: Duration::from_secs(30),
                        seed: 0,
                        libfaketime: None,
                        host_clock: None,
                    },
                ));
                let c = cluster.clone();
                tokio::spawn(async move { c.start(0).await });
                for _ in 0..200 {
                    if tagged(&tag) >= 2 {
                        panic!("both processes are up: panic now");
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        }));
        assert!(seen.is_err(), "the processes never came up");
        drop(runtime);
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while tagged(&tag) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "processes outlived the panic"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
