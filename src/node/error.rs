//! [`NodeError`]: why a node host stopped.

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
    #[error("durable state {path}: {source}")]
    Durable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The durable file exists but does not hold this protocol's durable state.
    #[error("durable state {path} is not readable as this node's state: {source}")]
    DurableFormat {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// stdin or stdout failed.
    #[error("stdio: {0}")]
    Io(#[from] std::io::Error),
}
