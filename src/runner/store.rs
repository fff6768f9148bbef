//! [`Store`]: the directory of one run, `STORE/<workload>/<timestamp>/`, and `STORE/latest`.
//!
//! ```text
//! store/
//!   latest -> lin-kv/20261123T023015.123Z
//!   lin-kv/20261123T023015.123Z/
//!     history.jsonl   native history, written as the run goes
//!     history.edn     the same, Jepsen EDN
//!     messages.jsonl  every network event
//!     results.json    verdict, seed, replay command, counters, checker output
//!     node-logs/n0.log ...  each node's stderr
//!     data/n0/ ...    each node's data directory (kept across kill and restart)
//! ```

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::RunError;

/// One run's directory.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Creates `root/<workload>/<timestamp>/` (with `node-logs/` and `data/`) and points
    /// `root/latest` at it.
    pub fn create(root: &Path, workload: &str) -> Result<Store, RunError> {
        let parent = root.join(workload);
        fs::create_dir_all(&parent).map_err(|e| store_error(&parent, e))?;
        let stamp = timestamp(SystemTime::now());
        let mut name = stamp.clone();
        let mut attempt = 1;
        let dir = loop {
            let dir = parent.join(&name);
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    name = format!("{stamp}-{attempt}");
                    attempt += 1;
                }
                Err(e) => return Err(store_error(&dir, e)),
            }
        };
        for sub in ["node-logs", "data"] {
            let d = dir.join(sub);
            fs::create_dir(&d).map_err(|e| store_error(&d, e))?;
        }
        let latest = root.join("latest");
        let target = Path::new(workload).join(&name);
        let _ = fs::remove_file(&latest);
        // Best effort: a store on a file system without symlinks still works.
        let _ = std::os::unix::fs::symlink(target, &latest);
        Ok(Store { dir })
    }

    /// The run's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file in the run's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Node `id`'s stderr log.
    pub fn node_log(&self, id: &str) -> PathBuf {
        self.dir.join("node-logs").join(format!("{id}.log"))
    }

    /// Node `id`'s data directory (created).
    pub fn data_dir(&self, id: &str) -> Result<PathBuf, RunError> {
        let d = self.dir.join("data").join(id);
        fs::create_dir_all(&d).map_err(|e| store_error(&d, e))?;
        Ok(d)
    }

    /// Creates (truncates) a file in the run's directory.
    pub fn create_file(&self, name: &str) -> Result<File, RunError> {
        let p = self.path(name);
        File::create(&p).map_err(|e| store_error(&p, e))
    }

    /// Opens node `id`'s log for appending (a restarted node continues its log).
    pub fn open_node_log(&self, id: &str) -> Result<File, RunError> {
        let p = self.node_log(id);
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .map_err(|e| store_error(&p, e))
    }
}

fn store_error(path: &Path, source: io::Error) -> RunError {
    RunError::Store {
        path: path.to_path_buf(),
        error: source,
    }
}

/// `20261123T023015.123Z` (UTC), like Jepsen's store names.
pub(crate) fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{day:02}T{:02}{:02}{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_and_sortable() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_919_415_123);
        assert_eq!(timestamp(t), "20261129T023015.123Z");
        assert_eq!(timestamp(UNIX_EPOCH), "19700101T000000.000Z");
    }

    #[test]
    fn runs_get_their_own_directory_and_latest_points_at_the_newest() {
        let root = tempfile::tempdir().unwrap();
        let a = Store::create(root.path(), "echo").unwrap();
        let b = Store::create(root.path(), "echo").unwrap();
        assert_ne!(a.dir(), b.dir());
        assert!(b.dir().join("node-logs").is_dir());
        let latest = fs::canonicalize(root.path().join("latest")).unwrap();
        assert_eq!(latest, fs::canonicalize(b.dir()).unwrap());
    }
}
