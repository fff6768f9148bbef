//! [`ReportError`]: why a report could not be made.

use std::path::PathBuf;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file the report needs is not there: the directory is not a run's store directory.
    #[error("{}: missing; expected a run's store directory (history.jsonl, results.json, messages.jsonl)", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// A line of an input is not what was expected.
    #[error("{}:{line}: {what}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// Its 1-based line.
        line: usize,
        /// What was wrong and what was expected.
        what: String,
    },
    /// The history is malformed.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// Reading or writing failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure. Part of the message, so not also its `source()`: a chain printer
        /// (`{:#}`) would say it twice.
        error: std::io::Error,
    },
}
