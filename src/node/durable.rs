//! The data directory: a node's durable state as one JSON file, replaced atomically.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::NodeError;

/// `DIR/durable.json`, written by write-to-temporary, fsync, rename, fsync of the directory, so
/// after a crash at any point the file holds either the old state or the new one.
#[derive(Debug)]
pub(super) struct DurableFile {
    dir: PathBuf,
    path: PathBuf,
    temporary: PathBuf,
}

impl DurableFile {
    /// The durable file in `dir` (created if missing).
    pub(super) fn open(dir: &Path) -> Result<DurableFile, NodeError> {
        fs::create_dir_all(dir).map_err(NodeError::io(format!("creating {}", dir.display())))?;
        Ok(DurableFile {
            dir: dir.to_owned(),
            path: dir.join("durable.json"),
            temporary: dir.join("durable.json.tmp"),
        })
    }

    /// The last state stored, if any.
    pub(super) fn load<D: DeserializeOwned>(&self) -> Result<Option<D>, NodeError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(NodeError::io(format!("reading {}", self.path.display()))(e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| NodeError::CorruptDurable {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }

    /// Stores `state` durably; returns once it is on disk.
    pub(super) fn store<D: Serialize>(&self, state: &D) -> Result<(), NodeError> {
        let context = || format!("writing {}", self.path.display());
        let bytes = serde_json::to_vec(state).expect("durable state serializes");
        let mut file = File::create(&self.temporary).map_err(NodeError::io(context()))?;
        file.write_all(&bytes).map_err(NodeError::io(context()))?;
        file.sync_all().map_err(NodeError::io(context()))?;
        fs::rename(&self.temporary, &self.path).map_err(NodeError::io(context()))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(NodeError::io(context()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_state_survives_reopening_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = DurableFile::open(&dir.path().join("n0")).unwrap();
        assert_eq!(file.load::<Vec<u64>>().unwrap(), None);
        file.store(&vec![1u64, 2]).unwrap();
        file.store(&vec![3u64]).unwrap();
        let reopened = DurableFile::open(&dir.path().join("n0")).unwrap();
        assert_eq!(reopened.load::<Vec<u64>>().unwrap(), Some(vec![3]));
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("durable.json"), "{not json").unwrap();
        let err = DurableFile::open(dir.path())
            .unwrap()
            .load::<u64>()
            .unwrap_err();
        assert!(err.to_string().contains("durable.json"), "{err}");
    }
}
