//! [`DurableStore`]: a node's `Persist` effects as one atomically replaced file.
//!
//! `save` writes `durable.json.tmp`, fsyncs it, renames it over `durable.json` and fsyncs the
//! directory, so after a SIGKILL at any instant the file holds either the previous value or the
//! new one, never a torn write.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::journal::durable_hash;
use super::NodeError;

/// The durable file of one node, in its data directory.
#[derive(Debug, Clone)]
pub struct DurableStore {
    dir: PathBuf,
}

impl DurableStore {
    /// The store in `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<DurableStore, NodeError> {
        fs::create_dir_all(dir).map_err(|error| NodeError::Durable {
            path: dir.to_path_buf(),
            error,
        })?;
        Ok(DurableStore {
            dir: dir.to_path_buf(),
        })
    }

    /// The file holding the last persisted value.
    pub fn path(&self) -> PathBuf {
        self.dir.join("durable.json")
    }

    /// The last persisted value, or `None` on a fresh directory.
    pub fn load<D: DeserializeOwned>(&self) -> Result<Option<D>, NodeError> {
        Ok(self.load_hashed()?.map(|(value, _)| value))
    }

    /// The last persisted value and the [`durable_hash`] of its file's bytes, or `None` on a
    /// fresh directory.
    pub fn load_hashed<D: DeserializeOwned>(&self) -> Result<Option<(D, u64)>, NodeError> {
        let path = self.path();
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(NodeError::Durable { path, error }),
        };
        let hash = durable_hash(&text);
        serde_json::from_slice(&text)
            .map(|value| Some((value, hash)))
            .map_err(|error| NodeError::DurableFormat { path, error })
    }

    /// Replaces the persisted value, durably, before returning; returns the [`durable_hash`] of
    /// the bytes written.
    pub fn save<D: Serialize>(&self, value: &D) -> Result<u64, NodeError> {
        let path = self.path();
        let tmp = self.dir.join("durable.json.tmp");
        let io = |error| NodeError::Durable {
            path: path.clone(),
            error,
        };
        let bytes = serde_json::to_vec(value).expect("durable values serialize to JSON");
        let hash = durable_hash(&bytes);
        let mut file = File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_value_reads_back_and_fresh_dir_reads_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = DurableStore::open(&dir.path().join("n0")).unwrap();
        assert_eq!(store.load::<Vec<u32>>().unwrap(), None);
        store.save(&vec![1u32, 2]).unwrap();
        store.save(&vec![3u32]).unwrap();
        assert_eq!(store.load::<Vec<u32>>().unwrap(), Some(vec![3]));
        assert!(!dir.path().join("n0/durable.json.tmp").exists());
    }

    #[test]
    fn corrupt_durable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = DurableStore::open(dir.path()).unwrap();
        fs::write(store.path(), "{not json").unwrap();
        let err = store.load::<Vec<u32>>().unwrap_err().to_string();
        assert!(err.contains("durable.json"), "{err}");
    }
}
