//! [`ValidateError`]: why a store could not be validated at all.
//!
//! A run that diverges from its model is not an error: it is an `invalid` verdict. An error
//! means the store is not something validation can read — a missing or malformed file, named
//! with its line — and gives exit code 3.

use std::path::PathBuf;

/// Why validation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A file the store must have is not there.
    #[error("{}: missing; {why}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What it is for.
        why: &'static str,
    },
    /// A file could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A line of a file is not what it should be.
    #[error("{}:{line}: {what}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What was wrong, and what was expected.
        what: String,
    },
    /// The store's nodes are not a reference node validation knows.
    #[error("{}: {what}", dir.display())]
    NotValidatable {
        /// The store directory.
        dir: PathBuf,
        /// Why.
        what: String,
    },
    /// The model refused the configuration (an unknown `--against` variant, …).
    #[error(transparent)]
    Model(#[from] splitbrain_models::ModelError),
}
