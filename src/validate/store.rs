//! Reading a run's store directory: `messages.jsonl` and every node's
//! `data/nX/journal.jsonl`. The only I/O of validation.

use std::fs;
use std::path::{Path, PathBuf};

use splitbrain_models::NodeId;

use super::ValidateError;
use crate::node::JOURNAL_FILE;

/// The files of a store, as text.
pub(crate) struct StoreText {
    /// `messages.jsonl`'s path.
    pub(crate) messages_path: PathBuf,
    /// Its text.
    pub(crate) messages: String,
    /// Each node's journal: the node, the path, the text; `n0…` in order.
    pub(crate) journals: Vec<(NodeId, PathBuf, String)>,
}

fn read(path: &Path, why: &'static str) -> Result<String, ValidateError> {
    fs::read_to_string(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            ValidateError::Missing {
                path: path.to_path_buf(),
                why,
            }
        } else {
            ValidateError::Io {
                path: path.to_path_buf(),
                error,
            }
        }
    })
}

/// Reads the store in `dir`.
pub(crate) fn load(dir: &Path) -> Result<StoreText, ValidateError> {
    if !dir.is_dir() {
        return Err(ValidateError::Missing {
            path: dir.to_path_buf(),
            why: "expected a run's store directory (store/<workload>/<timestamp>)",
        });
    }
    let messages_path = dir.join("messages.jsonl");
    let messages = read(
        &messages_path,
        "the router's journal of the run (runs on --net netns keep none, and cannot be \
         validated)",
    )?;
    let data = dir.join("data");
    let mut indices: Vec<usize> = match fs::read_dir(&data) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix('n')?.parse::<usize>().ok()
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    indices.sort_unstable();
    let journal_why = "the node's input journal (reference nodes started by `splitbrain run \
                       --node NAME` keep one; `--bin` nodes do not, and cannot be validated)";
    let Some(&last) = indices.last() else {
        return Err(ValidateError::Missing {
            path: data.join("n0").join(JOURNAL_FILE),
            why: journal_why,
        });
    };
    let mut journals = Vec::with_capacity(last + 1);
    for i in 0..=last {
        let path = data.join(format!("n{i}")).join(JOURNAL_FILE);
        let text = read(&path, journal_why)?;
        journals.push((NodeId::node(i), path, text));
    }
    Ok(StoreText {
        messages_path,
        messages,
        journals,
    })
}
