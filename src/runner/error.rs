//! [`RunError`]: why a run could not produce a verdict; [`NodeFailure`]: a node that broke the
//! protocol, with its last output.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::checker::CheckError;

/// Why a run stopped without a verdict. A bug found in the nodes is a verdict, not an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The plan's values do not fit together.
    #[error("invalid run: {0}")]
    Plan(String),
    /// The store could not be written.
    #[error("cannot write the store at {}: {error}", path.display())]
    Store {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        error: io::Error,
    },
    /// A node program could not be started at all.
    #[error("cannot start node {node} with `{command}`: {error}")]
    Spawn {
        /// The node id.
        node: String,
        /// The command, as a shell would show it.
        command: String,
        /// The OS error.
        error: io::Error,
    },
    /// A node broke the protocol: exited, printed something that is not a message, or did not
    /// answer `init`.
    #[error("{0}")]
    Node(Box<NodeFailure>),
    /// The workload's setup (e.g. broadcast's `topology`) failed.
    #[error("workload setup failed on node {node}: {message}")]
    Setup {
        /// The node id.
        node: String,
        /// What went wrong.
        message: String,
    },
    /// The real-network backend (`--net netns`) cannot run here, or its setup failed: what is
    /// missing or which command failed.
    #[error("--net netns: {0}")]
    Netns(String),
    /// The ssh backend (`--net ssh`) cannot run, or a command on a host failed.
    #[error("--net ssh: {0}")]
    Ssh(String),
    /// `--nemesis clock` cannot move the nodes' clocks: libfaketime is missing, or a node
    /// program does not read the time through libc.
    #[error("--nemesis clock: {0}")]
    Clock(String),
    /// A real-network backend's setup failed (a probe, a thread): what went wrong.
    #[error("{0}")]
    Real(String),
    /// A cluster file (`--cluster`) is unreadable or wrong.
    #[error("{}:{line}: {message}", path.display())]
    ClusterFile {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the problem (1 when it concerns the whole file).
        line: usize,
        /// What was expected.
        message: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(io::Error),
    /// The history could not be checked (the workload recorded something the model does not
    /// understand: a harness bug).
    #[error("cannot check the history: {0}")]
    Check(CheckError),
}

/// What a node did wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The process exited (or closed its stdout) on its own.
    Exited {
        /// `exit status: 3`, `signal: 9 (SIGKILL)`, or `closed its stdout`.
        status: String,
        /// Whether it had answered `init`.
        initialised: bool,
    },
    /// It printed a line that is not JSON.
    NotJson {
        /// The line (shortened).
        line: String,
        /// The parser's message.
        error: String,
    },
    /// It printed JSON that is not a message (`src`, `dest`, object `body`).
    Malformed {
        /// The line (shortened).
        line: String,
        /// What is missing.
        error: String,
        /// Whether the harness had seen its `init_ok` when the line came.
        initialised: bool,
    },
    /// It did not answer `init` in time.
    InitTimeout {
        /// The limit, e.g. `10s`.
        limit: String,
    },
    /// It answered `init` with something other than `init_ok`.
    InitRejected {
        /// The reply body.
        reply: String,
    },
}

/// A node that broke the protocol, with the last lines it wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFailure {
    /// The node id (`n1`).
    pub node: String,
    /// The node's command.
    pub command: String,
    /// What happened.
    pub kind: FailureKind,
    /// Its last stdout lines (messages, or the garbage).
    pub stdout_tail: Vec<String>,
    /// Its last stderr lines (from its log).
    pub stderr_tail: Vec<String>,
    /// Its stderr log.
    pub log: PathBuf,
}

impl fmt::Display for NodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.node;
        match &self.kind {
            FailureKind::Exited {
                status,
                initialised,
            } => {
                let when = if *initialised {
                    "during the run"
                } else {
                    "before answering init"
                };
                write!(f, "node {n} exited {when} ({status})")?
            }
            FailureKind::NotJson { line, error } => write!(
                f,
                "node {n} printed a line that is not JSON ({error}): {line:?}\n  \
                 stdout is for messages only (one JSON object per line); write logs to stderr"
            )?,
            FailureKind::Malformed {
                line,
                error,
                initialised,
            } => {
                write!(
                    f,
                    "node {n} printed a malformed message ({error}): {line:?}"
                )?;
                if !initialised {
                    // Maelstrom's Ruby CRDT demos hit this: each message gets its own thread, so
                    // a peer's message that arrives right behind `init` can be answered before
                    // the init handler has stored the node's id.
                    write!(
                        f,
                        "\n  it came before {n}'s init_ok: a node learns its own id from init, so \
                         a handler that runs before the init handler finishes sends src null \
                         (a race in the node; Maelstrom refuses such a message too)"
                    )?
                }
            }
            FailureKind::InitTimeout { limit } => write!(
                f,
                "node {n} did not answer init within {limit}; expected \
                 {{\"type\": \"init_ok\", \"in_reply_to\": 1}}"
            )?,
            FailureKind::InitRejected { reply } => write!(
                f,
                "node {n} answered init with {reply}; expected {{\"type\": \"init_ok\", ...}}"
            )?,
        }
        write!(f, "\n  command: {}", self.command)?;
        write_tail(f, &format!("last stdout lines of {n}"), &self.stdout_tail)?;
        write_tail(
            f,
            &format!("last stderr lines of {n} ({})", self.log.display()),
            &self.stderr_tail,
        )
    }
}

fn write_tail(f: &mut fmt::Formatter<'_>, title: &str, lines: &[String]) -> fmt::Result {
    if lines.is_empty() {
        return write!(f, "\n  {title}: (none)");
    }
    write!(f, "\n  {title}:")?;
    for l in lines {
        write!(f, "\n    {l}")?;
    }
    Ok(())
}

// By hand, not `#[from]`: the message already says the cause, so it is not also the error's
// `source()` (which `{:#}` would print a second time).
impl From<CheckError> for RunError {
    fn from(e: CheckError) -> RunError {
        RunError::Check(e)
    }
}

impl From<NodeFailure> for RunError {
    fn from(f: NodeFailure) -> RunError {
        RunError::Node(Box::new(f))
    }
}
