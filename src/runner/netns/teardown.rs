//! Leaving nothing behind. Every run writes a marker `/run/splitbrain/<prefix>.json` (its pid,
//! the pid's start time, its namespaces) *before* creating anything, and removes it last.
//!
//! - [`remove`]: kills every process in the run's namespaces (by pid, from `ip netns pids`) and
//!   deletes the namespaces; the bridge, veths and iptables rules live inside them and go with
//!   them (nothing is created in the root namespace).
//! - [`clean_stale`]: at the start of a run, markers whose owner is gone (a run killed with
//!   SIGKILL, a machine that lost power) are cleaned up the same way, with a message.

use std::fs;
use std::path::{Path, PathBuf};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::command::ip;
use crate::runner::RunError;

/// Where markers live.
pub const MARKER_DIR: &str = "/run/splitbrain";

/// What a run created, as written to its marker.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Marker {
    /// The run's name prefix (`sb1a2b3c`).
    pub prefix: String,
    /// The harness process.
    pub owner_pid: u32,
    /// Its start time (field 22 of `/proc/PID/stat`), so a reused pid is not taken for it.
    pub owner_start: u64,
    /// The namespaces, client namespace first.
    pub namespaces: Vec<String>,
}

impl Marker {
    /// The marker of a run of this process named `prefix`.
    pub fn new(prefix: &str, namespaces: Vec<String>) -> Marker {
        let pid = std::process::id();
        Marker {
            prefix: prefix.to_string(),
            owner_pid: pid,
            owner_start: start_time(pid).unwrap_or(0),
            namespaces,
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
            .map_err(|e| RunError::Netns(format!("cannot write {}: {e}", self.path().display())))
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

/// Kills every process in `marker`'s namespaces, deletes them, removes the marker. Returns
/// what it did, one line each. Best effort: it goes on after a failure and reports it.
pub fn remove(marker: &Marker) -> Vec<String> {
    let mut done = Vec::new();
    let existing: Vec<&String> = marker
        .namespaces
        .iter()
        .filter(|ns| Path::new("/run/netns").join(ns).exists())
        .collect();
    for ns in &existing {
        let pids = ip(&["netns", "pids", ns]).unwrap_or_default();
        for pid in pids
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            if kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok() {
                done.push(format!("killed pid {pid} in netns {ns}"));
            }
        }
    }
    // Node namespaces first, the client namespace (with the bridge) last.
    for ns in existing.iter().rev() {
        match ip(&["netns", "del", ns]) {
            Ok(_) => done.push(format!("deleted netns {ns}")),
            Err(e) => done.push(format!("could not delete netns {ns}: {e}")),
        }
    }
    let _ = fs::remove_file(marker.path());
    done
}

/// Cleans up after earlier runs whose harness is gone; returns one message per leftover.
pub fn clean_stale() -> Vec<String> {
    let Ok(entries) = fs::read_dir(MARKER_DIR) else {
        return Vec::new();
    };
    let mut messages = Vec::new();
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
        if marker.owner_alive() || !valid_prefix(&marker.prefix) {
            continue;
        }
        let actions = remove(&marker);
        messages.push(format!(
            "removed leftovers of a killed run (prefix {}, pid {}): {}",
            marker.prefix,
            marker.owner_pid,
            if actions.is_empty() {
                "nothing was left".to_string()
            } else {
                actions.join(", ")
            }
        ));
    }
    messages
}

/// Only names this backend makes are ever deleted: `sb` and hex digits.
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
        let m = Marker::new("sb000000", vec![]);
        assert!(m.owner_alive());
        let other = Marker {
            owner_start: m.owner_start + 1,
            ..m
        };
        assert!(!other.owner_alive());
    }
}
