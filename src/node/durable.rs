//! [`DurableStore`]: a node's durable state on disk, with write and sync as separate steps.
//!
//! Two files in the node's data directory:
//! - `durable.json`, what is synced: [`DurableStore::sync`] and [`DurableStore::save`] write
//!   `durable.json.tmp`, fsync it, rename it over `durable.json` and fsync the directory, so
//!   after a SIGKILL at any instant it holds the previous synced value or the new one;
//! - `durable.unsynced.jsonl` ([`UNSYNCED_FILE`]), what was written since and not synced: one
//!   JSON value a line, appended by [`DurableStore::write`] and never fsynced. It stands for the
//!   operating system's page cache: a plain kill leaves it (the OS would still hold the write),
//!   and `--nemesis lose-unsynced` truncates it while the node is down — all of it, or a torn
//!   tail — as a power failure would lose it.
//!
//! Reading back ([`DurableStore::load_hashed`]) takes the last complete line of the unsynced
//! file (a torn last line is no write), else `durable.json`, and makes it the synced value: the
//! OS flushes what it kept, and the recovered node starts with nothing unsynced.
//!
//! Every write, sync and load also returns the [`durable_digest`] of the value, which the input
//! journal names it by: a digest of the value (its `Hash`), not of the bytes, so that validation
//! computes the same one from the model's value without serializing it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::Serialize;
use splitbrain_models::digest::{durable_digest, Digest};

use super::NodeError;

/// The file of written but unsynced values in a node's data directory.
pub const UNSYNCED_FILE: &str = "durable.unsynced.jsonl";

/// The durable state of one node, in its data directory (see the module docs).
#[derive(Debug)]
pub struct DurableStore {
    dir: PathBuf,
    /// The bytes of the last write not synced yet, and the digest of its value.
    pending: Option<(Vec<u8>, Digest)>,
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
            pending: None,
        })
    }

    /// The file holding the last synced value.
    pub fn path(&self) -> PathBuf {
        self.dir.join("durable.json")
    }

    /// The file holding what was written and not synced.
    pub fn unsynced_path(&self) -> PathBuf {
        self.dir.join(UNSYNCED_FILE)
    }

    /// The value a restart recovers, or `None` on a fresh directory (see [`load_hashed`]).
    ///
    /// [`load_hashed`]: DurableStore::load_hashed
    pub fn load<D: DeserializeOwned + Hash>(&mut self) -> Result<Option<D>, NodeError> {
        Ok(self.load_hashed()?.map(|(value, _)| value))
    }

    /// The value a restart recovers — the last complete unsynced write, else the synced value —
    /// and its [`durable_digest`], or `None` on a fresh directory. A recovered unsynced write is
    /// synced first.
    pub fn load_hashed<D: DeserializeOwned + Hash>(
        &mut self,
    ) -> Result<Option<(D, Digest)>, NodeError> {
        let unsynced_path = self.unsynced_path();
        let unsynced = read_if_exists(&unsynced_path)?.unwrap_or_default();
        if let Some(last) = last_complete_line(&unsynced) {
            let value: D =
                serde_json::from_slice(last).map_err(|error| NodeError::DurableFormat {
                    path: unsynced_path,
                    error,
                })?;
            let bytes = last.to_vec();
            self.replace_synced(&bytes)?;
            let digest = durable_digest(&value);
            return Ok(Some((value, digest)));
        }
        if !unsynced.is_empty() {
            // A torn first write and nothing whole before it: no write survived. Left in
            // place, the next write would be appended to the torn bytes and read back as one
            // garbled line.
            self.clear_unsynced()?;
        }
        let path = self.path();
        let Some(text) = read_if_exists(&path)? else {
            return Ok(None);
        };
        serde_json::from_slice(&text)
            .map(|value: D| {
                let digest = durable_digest(&value);
                Some((value, digest))
            })
            .map_err(|error| NodeError::DurableFormat { path, error })
    }

    /// Writes `value` without syncing it (appended to the unsynced file); returns its
    /// [`durable_digest`].
    pub fn write<D: Serialize + Hash>(&mut self, value: &D) -> Result<Digest, NodeError> {
        let bytes = serde_json::to_vec(value).expect("durable values serialize to JSON");
        let path = self.unsynced_path();
        let mut line = Vec::with_capacity(bytes.len() + 1);
        line.extend_from_slice(&bytes);
        line.push(b'\n');
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(&line))
            .map_err(|error| NodeError::Durable { path, error })?;
        let digest = durable_digest(value);
        self.pending = Some((bytes, digest));
        Ok(digest)
    }

    /// Makes the last write durable; returns the [`durable_digest`] of what it synced, or
    /// `None` when nothing was written since the last sync.
    pub fn sync(&mut self) -> Result<Option<Digest>, NodeError> {
        let Some((bytes, digest)) = self.pending.take() else {
            return Ok(None);
        };
        self.replace_synced(&bytes)?;
        Ok(Some(digest))
    }

    /// Writes and syncs `value` in one step, durably, before returning; returns its
    /// [`durable_digest`].
    pub fn save<D: Serialize + Hash>(&mut self, value: &D) -> Result<Digest, NodeError> {
        let bytes = serde_json::to_vec(value).expect("durable values serialize to JSON");
        self.pending = None;
        self.replace_synced(&bytes)?;
        Ok(durable_digest(value))
    }

    /// Replaces `durable.json` with `bytes` atomically and durably, then empties the unsynced
    /// file (everything in it is now older than the synced value).
    fn replace_synced(&self, bytes: &[u8]) -> Result<(), NodeError> {
        let path = self.path();
        let tmp = self.dir.join("durable.json.tmp");
        let io = |error| NodeError::Durable {
            path: path.clone(),
            error,
        };
        let mut file = File::create(&tmp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        self.clear_unsynced()
    }

    /// Empties the unsynced file, if it has anything in it.
    fn clear_unsynced(&self) -> Result<(), NodeError> {
        let unsynced = self.unsynced_path();
        match fs::metadata(&unsynced) {
            Ok(meta) if meta.len() > 0 => OpenOptions::new()
                .write(true)
                .open(&unsynced)
                .and_then(|f| f.set_len(0))
                .map_err(|error| NodeError::Durable {
                    path: unsynced,
                    error,
                }),
            _ => Ok(()),
        }
    }
}

/// The file's bytes, or `None` if it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, NodeError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(NodeError::Durable {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// The last line of `bytes` that ends in a newline (without it): a torn last line, cut before
/// its newline, is no write.
fn last_complete_line(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.iter().rposition(|&b| b == b'\n')?;
    let start = bytes[..end]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Some(&bytes[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_value_reads_back_and_fresh_dir_reads_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = DurableStore::open(&dir.path().join("n0")).unwrap();
        assert_eq!(store.load::<Vec<u32>>().unwrap(), None);
        store.save(&vec![1u32, 2]).unwrap();
        store.save(&vec![3u32]).unwrap();
        assert_eq!(store.load::<Vec<u32>>().unwrap(), Some(vec![3]));
        assert!(!dir.path().join("n0/durable.json.tmp").exists());
    }

    #[test]
    fn an_unsynced_write_survives_a_kill_and_a_sync_empties_the_unsynced_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = DurableStore::open(dir.path()).unwrap();
        store.save(&vec![1u32]).unwrap();
        let written = store.write(&vec![2u32]).unwrap();
        // A kill: a new process opens the same directory.
        let mut restarted = DurableStore::open(dir.path()).unwrap();
        let (value, hash) = restarted.load_hashed::<Vec<u32>>().unwrap().unwrap();
        assert_eq!((value, hash), (vec![2], written));
        assert_eq!(fs::metadata(restarted.unsynced_path()).unwrap().len(), 0);
        assert_eq!(restarted.load::<Vec<u32>>().unwrap(), Some(vec![2]));
        store.write(&vec![3u32]).unwrap();
        assert_eq!(store.sync().unwrap(), Some(durable_digest(&vec![3u32])));
        assert_eq!(store.sync().unwrap(), None, "nothing written since");
        assert_eq!(fs::metadata(store.unsynced_path()).unwrap().len(), 0);
    }

    #[test]
    fn losing_the_unsynced_file_recovers_the_synced_value_and_a_torn_tail_the_last_whole_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = DurableStore::open(dir.path()).unwrap();
        store.save(&vec![1u32]).unwrap();
        store.write(&vec![2u32]).unwrap();
        store.write(&vec![2u32, 3]).unwrap();
        let unsynced = store.unsynced_path();
        let whole = fs::read(&unsynced).unwrap();
        // Torn inside the second write: the first survives.
        let cut = whole.len() as u64 - 3;
        OpenOptions::new()
            .write(true)
            .open(&unsynced)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let mut restarted = DurableStore::open(dir.path()).unwrap();
        assert_eq!(restarted.load::<Vec<u32>>().unwrap(), Some(vec![2]));
        // Everything unsynced lost: the synced value.
        let mut store = restarted;
        store.write(&vec![9u32]).unwrap();
        fs::write(&unsynced, b"").unwrap();
        let mut restarted = DurableStore::open(dir.path()).unwrap();
        assert_eq!(restarted.load::<Vec<u32>>().unwrap(), Some(vec![2]));
    }

    /// Found by CI: a torn tail cut inside the first unsynced write left those bytes in place;
    /// the restarted node's next write was appended to them, and the restart after that read
    /// the garbled line and refused to start.
    #[test]
    fn a_write_after_recovering_from_a_torn_first_write_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = DurableStore::open(dir.path()).unwrap();
        store.save(&vec![1u32]).unwrap();
        store.write(&vec![2u32, 3, 4]).unwrap();
        let unsynced = store.unsynced_path();
        OpenOptions::new()
            .write(true)
            .open(&unsynced)
            .unwrap()
            .set_len(4)
            .unwrap();
        let mut restarted = DurableStore::open(dir.path()).unwrap();
        assert_eq!(restarted.load::<Vec<u32>>().unwrap(), Some(vec![1]));
        restarted.write(&vec![5u32]).unwrap();
        let mut again = DurableStore::open(dir.path()).unwrap();
        assert_eq!(again.load::<Vec<u32>>().unwrap(), Some(vec![5]));
    }

    #[test]
    fn corrupt_durable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = DurableStore::open(dir.path()).unwrap();
        fs::write(store.path(), "{not json").unwrap();
        let err = store.load::<Vec<u32>>().unwrap_err().to_string();
        assert!(err.contains("durable.json"), "{err}");
        fs::write(store.unsynced_path(), "{not json\n").unwrap();
        let err = store.load::<Vec<u32>>().unwrap_err().to_string();
        assert!(err.contains(UNSYNCED_FILE), "{err}");
    }
}
