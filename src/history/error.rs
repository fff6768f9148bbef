//! [`HistoryError`]: why a history could not be read.
//!
//! Every error names where the problem is (file, line, column) and what was expected there, so a
//! user can fix the input without reading our source. A malformed history is an error, never a
//! verdict.
//!
//! Each cause is said once: what the operating system said is part of [`HistoryError::Io`]'s
//! message and is not also its `source()`, because the binary prints error chains (`{:#}`), which
//! would repeat it (`…(os error 2): …(os error 2)`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A place in a history file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, when the input came from one.
    pub file: Option<Arc<Path>>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters; 0 when the problem concerns the whole line.
    pub column: u32,
}

impl Location {
    /// A location in `file` (if any) at `line`, `column`.
    pub fn new(file: Option<&Arc<Path>>, line: u32, column: u32) -> Location {
        Location {
            file: file.cloned(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}", file.display(), self.line)?,
            None => write!(f, "line {}", self.line)?,
        }
        if self.column > 0 {
            match &self.file {
                Some(_) => write!(f, ":{}", self.column)?,
                None => write!(f, ", column {}", self.column)?,
            }
        }
        Ok(())
    }
}

/// Why a history could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The file could not be opened or read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said. Part of the message, so not also its `source()`:
        /// a chain printer (`{:#}`) would say it twice.
        error: std::io::Error,
    },
    /// The text does not follow the format's grammar.
    #[error("{at}: expected {expected}, found {found}")]
    Syntax {
        /// Where.
        at: Location,
        /// What the grammar allows here.
        expected: String,
        /// What was there instead.
        found: String,
    },
    /// The text parses, but the events do not form a history (for example a completion with no
    /// invocation before it).
    #[error("{at}: {problem}")]
    Malformed {
        /// Where.
        at: Location,
        /// What is wrong, and what was expected instead.
        problem: String,
    },
    /// The format could not be recognised from the file's first bytes.
    #[error("{}: cannot tell the history format from the first line ({first_line:?}); expected JSON lines (`{{\"type\":...}}`), Jepsen EDN (`{{:type ...}}`) or a Porcupine etcd log (`INFO  jepsen.util - ...`); pass --format to say which", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The start of its first non-blank line.
        first_line: String,
    },
}

impl HistoryError {
    /// A syntax error at `at`.
    pub fn syntax(at: Location, expected: impl Into<String>, found: impl Into<String>) -> Self {
        HistoryError::Syntax {
            at,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// A well-formed text that is not a valid history.
    pub fn malformed(at: Location, problem: impl Into<String>) -> Self {
        HistoryError::Malformed {
            at,
            problem: problem.into(),
        }
    }

    /// The location the error names, if it names one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            HistoryError::Syntax { at, .. } | HistoryError::Malformed { at, .. } => Some(at),
            _ => None,
        }
    }
}

/// Shortens `text` for an error message, so one huge line does not flood the terminal.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    format!("{out:?}")
}
