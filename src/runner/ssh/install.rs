//! Putting files on the hosts before the nodes start: the cluster file's `[install]` files, and
//! this very executable when the start template runs `{splitbrain}` (for `splitbrain shim` and
//! `splitbrain node`). A file whose SHA-256 on the host already matches is not sent again.

use std::path::Path;
use std::process::Command;

use super::session::{quote, Session};
use crate::runner::RunError;

/// The SHA-256 of a local file, by the system's `sha256sum`.
fn local_sha256(path: &Path) -> Option<String> {
    let out = Command::new("sha256sum").arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().map(str::to_string)
}

/// Copies `from` to `to` (an absolute path) on the host, executable, unless it is there already.
/// Returns whether it sent it.
pub(super) fn upload(session: &Session, from: &Path, to: &str) -> Result<bool, RunError> {
    let wanted = local_sha256(from);
    let target = quote(&[to]);
    let there = session
        .run_script(&format!("sha256sum {target} 2>/dev/null || true"), None)?
        .split_whitespace()
        .next()
        .map(str::to_string);
    if wanted.is_some() && there == wanted {
        return Ok(false);
    }
    let data = std::fs::read(from)
        .map_err(|e| RunError::Ssh(format!("cannot read {} to install it: {e}", from.display())))?;
    let partial = quote(&[&format!("{to}.part")]);
    let parent = quote(&[Path::new(to)
        .parent()
        .map_or("/", |p| p.to_str().unwrap_or("/"))]);
    let script = format!(
        "mkdir -p {parent} && cat > {partial} && chmod 755 {partial} && mv -f {partial} {target}"
    );
    session.run_script(&script, Some(&data))?;
    Ok(true)
}
