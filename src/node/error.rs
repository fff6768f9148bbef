//! [`NodeError`]: why a node host stopped.
//!
//! Each cause is said once: the I/O or JSON error is part of the message and is not also the
//! error's `source()`, because the binary prints error chains (`{:#}`), which would repeat it.

use std::path::PathBuf;

/// A node host failure. Bad input lines are not errors (they are reported on stderr and
/// skipped); these are the failures the node cannot go on after.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// `splitbrain node NAME` with a name the registry does not know.
    #[error("unknown node `{name}`; the nodes are: {known}")]
    UnknownNode {
        /// The name asked for.
        name: String,
        /// The names known.
        known: String,
    },
    /// The protocol refused the configuration (an unknown bug variant, …).
    #[error(transparent)]
    Deploy(#[from] splitbrain_models::ModelError),
    /// The durable state could not be written or read.
    #[error("durable state {}: {error}", path.display())]
    Durable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The durable file exists but does not hold this protocol's durable state.
    #[error("durable state {} is not readable as this node's state: {error}", path.display())]
    DurableFormat {
        /// The file.
        path: PathBuf,
        /// Why.
        error: serde_json::Error,
    },
    /// The input journal could not be opened.
    #[error("input journal {}: {error}", path.display())]
    Journal {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// stdin or stdout failed.
    #[error("stdio: {0}")]
    Io(std::io::Error),
}

// Not `#[from]`, which would also make the error the variant's `source()` (see the module doc).
impl From<std::io::Error> for NodeError {
    fn from(error: std::io::Error) -> NodeError {
        NodeError::Io(error)
    }
}
