//! [`NodeError`]: why a node stopped.

use std::path::PathBuf;

use splitbrain_models::ModelError;

/// Why a node could not run or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// `splitbrain node NAME` with a name no protocol has.
    #[error("unknown node `{name}` (known: {known})")]
    UnknownNode {
        /// The name given.
        name: String,
        /// The known names.
        known: String,
    },
    /// The protocol refused the configuration (for example an unknown bug variant).
    #[error(transparent)]
    Deploy(#[from] ModelError),
    /// Input ended before Maelstrom's `init` arrived.
    #[error("stdin closed before an `init` message arrived")]
    NoInit,
    /// The `init` message was malformed.
    #[error("line {line}: bad init message: {reason}")]
    BadInit {
        /// The input line.
        line: u64,
        /// What was wrong.
        reason: String,
    },
    /// The durable state in the data directory cannot be read.
    #[error("{}: durable state unreadable: {reason}", path.display())]
    CorruptDurable {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// Reading stdin, writing stdout, or the data directory failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

impl NodeError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> NodeError {
        let context = context.into();
        move |source| NodeError::Io { context, source }
    }
}
