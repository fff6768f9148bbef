//! Leaving nothing behind on netns. The run's marker ([`real::marker`](crate::runner::real::marker))
//! lists its namespaces before any is created.
//!
//! - [`remove`]: kills every process in the run's namespaces (by pid, from `ip netns pids`),
//!   unmounts the run's lazy filesystems (named after its prefix in the mount table), and
//!   deletes the namespaces; the bridge, veths and iptables rules live inside them and go with
//!   them (nothing else is created in the root namespace).
//! - [`clean_stale`]: at the start of a run, stale netns markers are cleaned up the same way,
//!   with a message.

use std::path::Path;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::command::ip;
use crate::runner::real::marker::{self, Marker};

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
    done.extend(crate::runner::lazyfs::unmount_leftovers(&format!(
        "{}-",
        marker.prefix
    )));
    // Node namespaces first, the client namespace (with the bridge) last.
    for ns in existing.iter().rev() {
        match ip(&["netns", "del", ns]) {
            Ok(_) => done.push(format!("deleted netns {ns}")),
            Err(e) => done.push(format!("could not delete netns {ns}: {e}")),
        }
    }
    marker.remove();
    done
}

/// Cleans up after earlier netns runs whose harness is gone; returns one message per leftover.
pub fn clean_stale() -> Vec<String> {
    let (markers, mut messages) = marker::stale("netns");
    for m in markers {
        let actions = remove(&m);
        messages.push(marker::cleaned(&m, &actions));
    }
    messages
}
