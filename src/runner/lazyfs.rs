//! The lazy filesystem: lost unsynced writes for real systems (`--nemesis lose-unsynced` on
//! `--net netns`, with `lazyfs = true` in the cluster file). Each node's data directory is a
//! FUSE mount (the `fuser` crate) passing through to a backing directory, except that file
//! contents written but not fsynced are held in memory, like a page cache: reads see them,
//! `fsync`/`fdatasync` of a file writes that file's through. On the fault the harness kills
//! the node, and a power failure drops what was held — all of it, or a torn tail, from a seed —
//! before the node restarts on what reached the backing directory. Names (create, rename,
//! unlink) are not held: they pass through at once, as in Jepsen's lazyfs.
//!
//! Map:
//! - [`Disk`] (here): one node's mount: mount, [`Disk::power_failure`], unmount (also on
//!   drop); [`unmount_leftovers`]: the mounts of a run that was killed;
//! - `cache.rs`: [`WriteCache`], the held writes, and what a crash keeps of them (pure);
//! - `inodes.rs`: inode numbers ↔ backing paths (pure);
//! - `fs.rs`: `LazyFs`, the FUSE request handlers.
//!
//! Mounting needs root (the netns backend has it) and `/dev/fuse`; the mount is made with
//! mount(2) directly, so no `fusermount3` is needed. A power failure unmounts (lazily) and
//! mounts afresh, so no page of the dropped data survives in the kernel's cache either.

mod cache;
mod fs;
mod inodes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use cache::{Crash, Loss, Op, WriteCache};

use self::fs::{LazyFs, State};

/// What the mounts' source in `/proc/self/mountinfo` starts with (then `:` and the disk's
/// name). The source, not the type: mounted with mount(2) directly, the type is plain `fuse`.
pub const SOURCE: &str = "splitbrain-lazyfs";

/// Why the lazy filesystem could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum LazyfsError {
    /// Mounting failed (no `/dev/fuse`, not root, a bad mount point).
    #[error("cannot mount the lazy filesystem on {path}: {error} (it needs root and /dev/fuse)")]
    Mount {
        /// The mount point.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The backing directory could not be used.
    #[error("the lazy filesystem's backing directory {path}: {error}")]
    Backing {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// One node's data directory as a lazy filesystem.
pub struct Disk {
    mountpoint: PathBuf,
    backing: PathBuf,
    fsname: String,
    session: Option<fuser::BackgroundSession>,
    state: Arc<Mutex<State>>,
}

/// What a power failure did to one disk: what the cache held and what of it was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerFailure {
    /// How much was lost (all, or a torn tail).
    pub loss: Loss,
    /// What the cache held and dropped.
    pub crash: Crash,
    /// Files whose kept writes could not be written back (their name was removed).
    pub unwritable: u64,
}

impl Disk {
    /// Mounts `backing` on `mountpoint` (both directories, created if missing), named `name`
    /// in the mount table (the run's prefix and the node, so leftovers can be found).
    pub fn mount(backing: &Path, mountpoint: &Path, name: &str) -> Result<Disk, LazyfsError> {
        for dir in [backing, mountpoint] {
            std::fs::create_dir_all(dir).map_err(|error| LazyfsError::Backing {
                path: dir.to_path_buf(),
                error,
            })?;
        }
        let mut disk = Disk {
            mountpoint: mountpoint.to_path_buf(),
            backing: backing.to_path_buf(),
            fsname: format!("{SOURCE}:{name}"),
            session: None,
            state: Arc::new(Mutex::new(State::new(backing).map_err(|error| {
                LazyfsError::Backing {
                    path: backing.to_path_buf(),
                    error,
                }
            })?)),
        };
        disk.start()?;
        Ok(disk)
    }

    fn start(&mut self) -> Result<(), LazyfsError> {
        let state = State::new(&self.backing).map_err(|error| LazyfsError::Backing {
            path: self.backing.clone(),
            error,
        })?;
        self.state = Arc::new(Mutex::new(state));
        let mut config = fuser::Config::default();
        config.mount_options = vec![fuser::MountOption::FSName(self.fsname.clone())];
        let fs = LazyFs::new(self.backing.clone(), self.state.clone());
        let session = fuser::spawn_mount(fs, &self.mountpoint, &config).map_err(|error| {
            LazyfsError::Mount {
                path: self.mountpoint.clone(),
                error,
            }
        })?;
        self.session = Some(session);
        Ok(())
    }

    /// Where it is mounted.
    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    /// Bytes written and not yet synced.
    pub fn unsynced_bytes(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cache
            .unsynced_bytes()
    }

    /// A power failure (the node must be down): the mount goes, what `loss` keeps of the held
    /// writes reaches the backing files and the rest is dropped, and a fresh mount (an empty
    /// cache, nothing in the kernel's page cache) takes its place.
    pub fn power_failure(&mut self, loss: Loss) -> Result<PowerFailure, LazyfsError> {
        self.detach();
        let (crash, unwritable) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let crash = state.cache.crash(loss);
            let mut unwritable = 0;
            for (ino, ops) in &crash.kept {
                let file = state.inodes.path(*ino).map(|p| self.backing.join(p));
                let written = file
                    .and_then(|p| std::fs::OpenOptions::new().write(true).open(p).ok())
                    .is_some_and(|f| fs::apply(&f, ops).is_ok());
                unwritable += u64::from(!written);
            }
            (crash, unwritable)
        };
        self.start()?;
        Ok(PowerFailure {
            loss,
            crash,
            unwritable,
        })
    }

    /// Unmounts, dropping what the cache holds (as a power failure would). Called again, or
    /// after a failed remount, it does nothing.
    pub fn unmount(&mut self) {
        self.detach();
    }

    /// Lazily unmounts (nothing can keep it busy), then ends the session. The session's own
    /// unmount must come after ours: a later mount on the same point must not be its target.
    fn detach(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = nix::mount::umount2(&self.mountpoint, nix::mount::MntFlags::MNT_DETACH);
            drop(session);
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// The lazy filesystems mounted on this machine: `(name, mount point)`, from
/// `/proc/self/mountinfo`.
pub fn mounted() -> Vec<(String, PathBuf)> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    info.lines().filter_map(parse_mountinfo).collect()
}

/// One line of `mountinfo`, if it is a lazy filesystem's: its name and mount point.
fn parse_mountinfo(line: &str) -> Option<(String, PathBuf)> {
    let (left, right) = line.split_once(" - ")?;
    let mut right = right.split(' ');
    if !right.next()?.starts_with("fuse") {
        return None;
    }
    let source = unescape(right.next()?);
    let name = source.strip_prefix(SOURCE)?.strip_prefix(':')?;
    let point = unescape(left.split(' ').nth(4)?);
    Some((name.to_string(), PathBuf::from(point)))
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let mut out = Vec::new();
    let bytes = field.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 8).ok())
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Unmounts the lazy filesystems a run named `prefix` left (it was killed before its
/// teardown); one line per mount.
pub fn unmount_leftovers(prefix: &str) -> Vec<String> {
    mounted()
        .into_iter()
        .filter(|(source, _)| source.starts_with(prefix))
        .map(|(source, point)| {
            match nix::mount::umount2(&point, nix::mount::MntFlags::MNT_DETACH) {
                Ok(()) => format!("unmounted lazy filesystem {source} at {}", point.display()),
                Err(e) => format!(
                    "could not unmount lazy filesystem {source} at {}: {e}",
                    point.display()
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_mount_is_found_in_mountinfo_with_its_escaped_path() {
        let line = "77 25 0:51 / /tmp/a\\040b/data/n0 rw,relatime - fuse \
                    splitbrain-lazyfs:sb1a-n0 rw,user_id=0,group_id=0";
        assert_eq!(
            parse_mountinfo(line),
            Some(("sb1a-n0".into(), PathBuf::from("/tmp/a b/data/n0")))
        );
        let other = "30 25 0:26 / /sys rw - sysfs sysfs rw";
        assert_eq!(parse_mountinfo(other), None);
        let other_fuse = "31 25 0:27 / /mnt rw - fuse.sshfs me@host:/ rw";
        assert_eq!(parse_mountinfo(other_fuse), None);
    }
}
