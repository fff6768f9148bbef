//! One node process: spawned from an argv in its own process group, stdin fed by a writer task,
//! stdout read line by line into the router, stderr straight into its log file.
//!
//! The supervisor task owns the child: it reads stdout, and when stdout ends it waits for the
//! exit status. Unless the exit was expected (the nemesis or the shutdown killed it), it reports a
//! [`NodeFailure`] with the node's last stdout lines and the tail of its log.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::runner::error::{FailureKind, NodeFailure};
use crate::runner::protocol::{parse_line, Endpoint, EnvelopeError};
use crate::runner::router::task::{Control, Outgoing, RouterHandle};
use crate::runner::RunError;

/// Lines kept for error messages.
const TAIL_LINES: usize = 8;
/// Longest accepted stdout line.
const MAX_LINE: u64 = 64 << 20;

/// What a process needs to start.
pub(crate) struct Spawn<'a> {
    pub(crate) node: usize,
    pub(crate) node_id: &'a str,
    pub(crate) node_count: usize,
    pub(crate) argv: Vec<OsString>,
    pub(crate) command: String,
    pub(crate) log: PathBuf,
    pub(crate) log_file: std::fs::File,
    pub(crate) data_dir: PathBuf,
    /// More environment (libfaketime's, for clock faults).
    pub(crate) env: Vec<(String, String)>,
    pub(crate) init_client: u32,
}

/// A running (or exited) node process.
pub(crate) struct NodeProcess {
    pgid: Pid,
    /// How it exited, once the supervisor saw it.
    exit: Arc<Mutex<Option<String>>>,
    expected_exit: Arc<AtomicBool>,
    initialised: Arc<AtomicBool>,
    stdout_tail: Arc<Mutex<VecDeque<Arc<[u8]>>>>,
    supervisor: Option<JoinHandle<()>>,
    pub(crate) log: PathBuf,
    pub(crate) command: String,
    pub(crate) node_id: String,
}

impl NodeProcess {
    /// Starts the process; tells the router where to deliver its messages.
    pub(crate) fn spawn(
        spec: Spawn<'_>,
        router: &RouterHandle,
        failures: mpsc::UnboundedSender<NodeFailure>,
    ) -> Result<NodeProcess, RunError> {
        let mut cmd = Command::new(&spec.argv[0]);
        cmd.args(&spec.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(spec.log_file))
            .env("SPLITBRAIN_DATA_DIR", &spec.data_dir)
            .envs(spec.env)
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
            node: spec.node_id.to_string(),
            command: spec.command.clone(),
            error: source,
        })?;
        let pid = child.id().expect("a child that was just spawned has an id") as i32;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (writer_tx, writer_rx) = mpsc::unbounded_channel();
        router.control(Control::NodeStarting {
            node: spec.node,
            writer: writer_tx,
            init_client: spec.init_client,
        });
        tokio::spawn(write_stdin(stdin, writer_rx));
        let mut process = NodeProcess {
            pgid: Pid::from_raw(pid),
            exit: Arc::new(Mutex::new(None)),
            expected_exit: Arc::new(AtomicBool::new(false)),
            initialised: Arc::new(AtomicBool::new(false)),
            stdout_tail: Arc::new(Mutex::new(VecDeque::new())),
            supervisor: None,
            log: spec.log,
            command: spec.command,
            node_id: spec.node_id.to_string(),
        };
        let supervisor = Supervisor {
            node: spec.node,
            node_count: spec.node_count,
            router: router.clone(),
            failures,
            failure: process.failure_template(),
            expected_exit: process.expected_exit.clone(),
            initialised: process.initialised.clone(),
            tail: process.stdout_tail.clone(),
            exit: process.exit.clone(),
        };
        process.supervisor = Some(tokio::spawn(supervisor.run(child, stdout)));
        Ok(process)
    }

    fn failure_template(&self) -> NodeFailure {
        NodeFailure {
            node: self.node_id.clone(),
            command: self.command.clone(),
            kind: FailureKind::InitTimeout {
                limit: String::new(),
            },
            stdout_tail: Vec::new(),
            stderr_tail: Vec::new(),
            log: self.log.clone(),
        }
    }

    /// A failure of this node, with its current output tails.
    pub(crate) fn failure(&self, kind: FailureKind) -> NodeFailure {
        NodeFailure {
            kind,
            stdout_tail: render_tail(&self.stdout_tail),
            stderr_tail: file_tail(&self.log),
            ..self.failure_template()
        }
    }

    /// Marks the node as having answered `init` (for messages about its exit).
    pub(crate) fn set_initialised(&self) {
        self.initialised.store(true, Ordering::Relaxed);
    }

    /// Sends `signal` to the node's whole process group (best effort).
    /// Its pid (the leader of its process group).
    pub(crate) fn pid(&self) -> i32 {
        self.pgid.as_raw()
    }

    pub(crate) fn signal(&self, signal: Signal) {
        let _ = killpg(self.pgid, signal);
    }

    /// Marks the coming exit as expected: no failure is reported for it.
    pub(crate) fn expect_exit(&self) {
        self.expected_exit.store(true, Ordering::SeqCst);
    }

    /// SIGKILLs the process group and waits (up to 5 s) for the supervisor to see the exit; how
    /// it exited, if seen. The exit is expected: no failure is reported.
    pub(crate) async fn kill(&mut self) -> Option<String> {
        self.expected_exit.store(true, Ordering::SeqCst);
        self.signal(Signal::SIGKILL);
        if let Some(handle) = self.supervisor.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
        // Members of the group that outlived the leader.
        self.signal(Signal::SIGKILL);
        self.exit.lock().ok().and_then(|e| e.clone())
    }
}

impl Drop for NodeProcess {
    /// Whatever happens (error, panic), the process group does not outlive its handle.
    fn drop(&mut self) {
        self.expected_exit.store(true, Ordering::SeqCst);
        self.signal(Signal::SIGCONT);
        self.signal(Signal::SIGKILL);
    }
}

async fn write_stdin(stdin: ChildStdin, mut rx: mpsc::UnboundedReceiver<Arc<[u8]>>) {
    let mut out = BufWriter::with_capacity(1 << 16, stdin);
    while let Some(line) = rx.recv().await {
        let mut line = line;
        loop {
            if out.write_all(&line).await.is_err() || out.write_all(b"\n").await.is_err() {
                return;
            }
            match rx.try_recv() {
                Ok(next) => line = next,
                Err(_) => break,
            }
        }
        if out.flush().await.is_err() {
            return;
        }
    }
}

struct Supervisor {
    node: usize,
    node_count: usize,
    router: RouterHandle,
    failures: mpsc::UnboundedSender<NodeFailure>,
    failure: NodeFailure,
    expected_exit: Arc<AtomicBool>,
    initialised: Arc<AtomicBool>,
    tail: Arc<Mutex<VecDeque<Arc<[u8]>>>>,
    exit: Arc<Mutex<Option<String>>>,
}

impl Supervisor {
    async fn run(self, mut child: Child, stdout: ChildStdout) {
        let problem = self.read(stdout).await;
        let status = match problem {
            Some(_) => None,
            None => match tokio::time::timeout(Duration::from_secs(1), child.wait()).await {
                Ok(Ok(status)) => Some(describe_status(status)),
                _ => Some("closed its stdout".to_string()),
            },
        };
        if let (Some(status), Ok(mut exit)) = (&status, self.exit.lock()) {
            *exit = Some(status.clone());
        }
        if self.expected_exit.load(Ordering::SeqCst) {
            return;
        }
        let kind = match (problem, status) {
            (Some(kind), _) => kind,
            (None, Some(status)) => FailureKind::Exited {
                status,
                initialised: self.initialised.load(Ordering::Relaxed),
            },
            (None, None) => return,
        };
        // Give stderr a moment to land in the log before quoting it.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let failure = NodeFailure {
            kind,
            stdout_tail: render_tail(&self.tail),
            stderr_tail: file_tail(&self.failure.log),
            ..self.failure.clone()
        };
        let _ = self.failures.send(failure);
        // `child` drops here: kill_on_drop ends it if it is still running.
    }

    /// Reads messages until stdout ends (`None`) or a line is not a message.
    async fn read(&self, stdout: ChildStdout) -> Option<FailureKind> {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut buf = Vec::with_capacity(4096);
        loop {
            buf.clear();
            match (&mut reader)
                .take(MAX_LINE)
                .read_until(b'\n', &mut buf)
                .await
            {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            let line = trim(&buf);
            if line.is_empty() {
                continue;
            }
            let line: Arc<[u8]> = Arc::from(line);
            if let Ok(mut tail) = self.tail.lock() {
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line.clone());
            }
            match parse_line(&line) {
                Ok(dest) => {
                    let dest = Endpoint::parse(&dest, self.node_count);
                    self.router.send(Outgoing {
                        from: Endpoint::Node(self.node),
                        dest,
                        line,
                    });
                }
                Err(_) if self.expected_exit.load(Ordering::SeqCst) => return None,
                Err(EnvelopeError::NotJson(error)) => {
                    return Some(FailureKind::NotJson {
                        line: shorten(&line),
                        error,
                    })
                }
                Err(EnvelopeError::Malformed(error)) => {
                    return Some(FailureKind::Malformed {
                        line: shorten(&line),
                        error,
                        initialised: self.initialised.load(Ordering::Relaxed),
                    })
                }
            }
        }
    }
}

fn trim(buf: &[u8]) -> &[u8] {
    let mut end = buf.len();
    while end > 0 && matches!(buf[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &buf[..end]
}

fn shorten(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    } else {
        text.into_owned()
    }
}

fn render_tail(tail: &Mutex<VecDeque<Arc<[u8]>>>) -> Vec<String> {
    tail.lock()
        .map(|t| t.iter().map(|l| shorten(l)).collect())
        .unwrap_or_default()
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by signal {sig} ({s})"),
            Err(_) => format!("killed by signal {sig}"),
        },
        _ => status.to_string(),
    }
}

/// The last lines of a log file (reads at most its last 16 KiB).
pub(crate) fn file_tail(path: &Path) -> Vec<String> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(16 << 10);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| shorten(l.as_bytes()))
        .collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(TAIL_LINES);
    lines.split_off(skip)
}
