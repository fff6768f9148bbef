//! Threads that work inside a network namespace: a socket belongs to the namespace of the thread
//! that opens it, so the real-network backends' client, probe and watcher threads enter the
//! client namespace first (netns), or stay where they are (ssh: `None`).

use std::fs::File;
use std::path::Path;

use crate::runner::RunError;

/// Moves the calling thread into network namespace `ns`: sockets it opens from now on live
/// there. Only for threads the backend spawns for this purpose (never a runtime's or a test's).
pub fn enter(ns: &str) -> Result<(), RunError> {
    let path = Path::new("/run/netns").join(ns);
    let file = File::open(&path)
        .map_err(|e| RunError::Netns(format!("cannot open {}: {e}", path.display())))?;
    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| RunError::Netns(format!("setns into {ns}: {e}")))
}

/// Enters `ns` if there is one.
pub fn enter_if(ns: Option<&str>) -> Result<(), RunError> {
    ns.map_or(Ok(()), enter)
}
