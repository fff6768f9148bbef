//! Leaving nothing behind, across runs: before a real-network run creates anything it writes a
//! marker `/run/splitbrain/<prefix>.json` (its pid, the pid's start time, what it will create)
//! and removes it last. A marker whose owner is gone (a run killed with SIGKILL, a machine that
//! lost power) is stale: the next run of the same backend cleans up what it names.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runner::RunError;

/// Where markers live.
pub const MARKER_DIR: &str = "/run/splitbrain";

/// A machine a `--net ssh` run used, as written to its marker.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MarkedHost {
    /// `user@address`.
    pub login: String,
    /// sshd's port.
    pub port: u16,
    /// The identity file, if any.
    pub key: Option<PathBuf>,
    /// The run's directory there.
    pub dir: String,
    /// Whether privileged commands need `sudo -n`.
    pub sudo: bool,
}

/// What a run created, as written to its marker.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Marker {
    /// The run's name prefix (`sb1a2b3c`).
    pub prefix: String,
    /// The harness process.
    pub owner_pid: u32,
    /// Its start time (field 22 of `/proc/PID/stat`), so a reused pid is not taken for it.
    pub owner_start: u64,
    /// The backend (`netns`, `ssh`); markers written before there were two are netns's.
    #[serde(default = "netns")]
    pub net: String,
    /// netns: the namespaces, client namespace first.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// ssh: the machines.
    #[serde(default)]
    pub hosts: Vec<MarkedHost>,
}

fn netns() -> String {
    "netns".into()
}

impl Marker {
    /// The marker of a run of this process named `prefix`, on backend `net`.
    pub fn new(prefix: &str, net: &str) -> Marker {
        let pid = std::process::id();
        Marker {
            prefix: prefix.to_string(),
            owner_pid: pid,
            owner_start: start_time(pid).unwrap_or(0),
            net: net.to_string(),
            namespaces: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Its file.
    pub fn path(&self) -> PathBuf {
        Path::new(MARKER_DIR).join(format!("{}.json", self.prefix))
    }

    /// Writes it.
    pub fn write(&self) -> Result<(), RunError> {
        fs::create_dir_all(MARKER_DIR)
            .and_then(|_| fs::write(self.path(), serde_json::to_vec(self).unwrap_or_default()))
            .map_err(|e| RunError::Real(format!("cannot write {}: {e}", self.path().display())))
    }

    /// Removes it.
    pub fn remove(&self) {
        let _ = fs::remove_file(self.path());
    }

    /// Whether the process that wrote it is still running.
    pub fn owner_alive(&self) -> bool {
        start_time(self.owner_pid).is_some_and(|t| t == self.owner_start)
    }
}

/// Field 22 of `/proc/PID/stat`: the process's start time in clock ticks since boot.
fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it follow the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

/// The stale markers of backend `net`, and a message for each unreadable marker file.
pub fn stale(net: &str) -> (Vec<Marker>, Vec<String>) {
    let Ok(entries) = fs::read_dir(MARKER_DIR) else {
        return (Vec::new(), Vec::new());
    };
    let (mut markers, mut messages) = (Vec::new(), Vec::new());
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(text) = fs::read(&path) else { continue };
        let Ok(marker) = serde_json::from_slice::<Marker>(&text) else {
            messages.push(format!("ignoring unreadable marker {}", path.display()));
            continue;
        };
        if marker.net == net && !marker.owner_alive() && valid_prefix(&marker.prefix) {
            markers.push(marker);
        }
    }
    (markers, messages)
}

/// What cleaning up after a killed run did, as one line for the user.
pub fn cleaned(marker: &Marker, actions: &[String]) -> String {
    format!(
        "removed leftovers of a killed run (prefix {}, pid {}): {}",
        marker.prefix,
        marker.owner_pid,
        if actions.is_empty() {
            "nothing was left".to_string()
        } else {
            actions.join(", ")
        }
    )
}

/// Only names the real-network backends make are ever deleted: `sb` and hex digits.
pub fn valid_prefix(prefix: &str) -> bool {
    prefix.len() == 8
        && prefix.starts_with("sb")
        && prefix[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A prefix unique to this run: `sb` and six hex digits from the pid, the time and a counter.
pub fn fresh_prefix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ (u64::from(std::process::id()) << 40)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // splitmix64 finaliser: spread the bits before keeping 24 of them.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    format!("sb{:06x}", x & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_valid_and_differ() {
        let a = fresh_prefix();
        let b = fresh_prefix();
        assert!(valid_prefix(&a), "{a}");
        assert_ne!(a, b);
        assert!(!valid_prefix("sbxyz123"));
        assert!(!valid_prefix("ej000000"));
    }

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let m = Marker::new("sb000000", "netns");
        assert!(m.owner_alive());
        let other = Marker {
            owner_start: m.owner_start + 1,
            ..m
        };
        assert!(!other.owner_alive());
    }
}
