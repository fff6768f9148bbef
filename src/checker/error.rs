//! [`CheckError`]: why a history could not be checked at all.

use crate::history::HistoryError;

/// Why a history could not be checked. A violation is never an error: it is
/// [`Verdict::Invalid`](super::Verdict::Invalid).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// An operation does not fit the model (unknown function, malformed argument); the inner
    /// error names its line.
    #[error(transparent)]
    Op(#[from] HistoryError),
    /// No model was given and the history does not tell which one applies.
    #[error("cannot infer the model: {0}")]
    CannotInfer(String),
    /// An option does not apply to the model checked.
    #[error("{0}")]
    Usage(String),
    /// The checker contradicted itself (for example a reported cycle whose edges could not be
    /// re-derived from the history): a bug in splitbrain, never a verdict.
    #[error("harness bug, please report it: {0}")]
    Harness(String),
}
