//! Leaving nothing behind on the hosts. The run's marker
//! ([`real::marker`](crate::runner::real::marker)) lists its hosts and its directory on them
//! before anything is created there; [`remove`] then kills every node group recorded under that
//! directory, unhooks and deletes the run's chains, and deletes the directory — on success,
//! error, panic (drop) and Ctrl-C, and, through [`clean_stale`], at the start of the next run
//! after one that was killed.

use std::path::Path;

use super::session::{quote, Session};
use crate::runner::real::marker::{self, Marker};
use crate::runner::real::rules::Chains;

/// Removes what the run `prefix` left on the host of `session` under `dir` (its run directory);
/// one line per thing done.
pub(super) fn remove(session: &Session, dir: &str, prefix: &str) -> Vec<String> {
    let mut done = Vec::new();
    let quoted = quote(&[dir]);
    // Every node's group, whatever state the run was in.
    let script = format!(
        "for f in {quoted}/n*/pid; do [ -f \"$f\" ] && kill -KILL -- -\"$(cat \"$f\")\" \
         2>/dev/null && echo \"$f\"; done; true"
    );
    match session.run_script(&script, None) {
        Ok(killed) => done.extend(
            killed
                .lines()
                .map(|f| format!("killed the group in {f} on {}", session.login)),
        ),
        Err(e) => done.push(format!("could not kill nodes on {}: {e}", session.login)),
    }
    let rules = Chains::tagged(prefix).remove();
    if session
        .run_privileged(&["iptables-restore", "--noflush"], Some(rules.as_bytes()))
        .is_ok()
    {
        done.push(format!(
            "deleted chains {prefix}-PART/-LOSS on {}",
            session.login
        ));
    }
    if session.run(&["rm", "-rf", "--", dir]).is_ok() {
        done.push(format!("deleted {dir} on {}", session.login));
    }
    session.close();
    done
}

/// Cleans up after earlier ssh runs whose harness is gone; one message per leftover run.
/// `scratch` is a local directory for the ssh control sockets.
pub(super) fn clean_stale(scratch: &Path) -> Vec<String> {
    let (markers, mut messages) = marker::stale("ssh");
    for m in markers {
        let actions = remove_marked(&m, scratch);
        messages.push(marker::cleaned(&m, &actions));
    }
    messages
}

fn remove_marked(m: &Marker, scratch: &Path) -> Vec<String> {
    let mut actions = Vec::new();
    for (i, host) in m.hosts.iter().enumerate() {
        let session = Session::from_marker(host, scratch, 1000 + i);
        actions.extend(remove(&session, &host.dir, &m.prefix));
    }
    m.remove();
    actions
}
