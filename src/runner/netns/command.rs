//! Running the host's network tools (`ip`, `iptables-restore`) and saying clearly what failed,
//! and [`preflight`]: what the backend needs before it touches anything.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::runner::RunError;

/// Runs `program args`, feeding it `stdin`; an error names the command and its stderr.
pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<String, RunError> {
    let shown = || format!("{program} {}", args.join(" "));
    // A process group of its own: a terminal's Ctrl-C reaches the harness, which stops the run
    // in order, and not a rule change half-way.
    let mut child = Command::new(program)
        .process_group(0)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RunError::Netns(format!("cannot run `{}`: {e}", shown())))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let _ = pipe.write_all(text.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| RunError::Netns(format!("`{}` failed: {e}", shown())))?;
    if !out.status.success() {
        return Err(RunError::Netns(format!(
            "`{}` failed ({}): {}",
            shown(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `ip ARGS`.
pub fn ip(args: &[&str]) -> Result<String, RunError> {
    run("ip", args, None)
}

/// Where `program` is found on `PATH` (or itself, when it is a path that exists).
pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Checks that the backend can run: root, `ip`, `iptables-restore`, and the node program. The
/// error lists everything that is missing, with how to get it.
pub fn preflight(node_program: &str) -> Result<(), RunError> {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push(
            "root (network namespaces and iptables need it; run with sudo or as root)".to_string(),
        );
    }
    for (tool, package) in [("ip", "iproute2"), ("iptables-restore", "iptables")] {
        if which(tool).is_none() {
            missing.push(format!("`{tool}` (apt-get install {package})"));
        }
    }
    if which(node_program).is_none() {
        let hint = if node_program == "etcd" {
            " (apt-get install etcd-server)"
        } else {
            ""
        };
        missing.push(format!("the node program `{node_program}`{hint}"));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RunError::Netns(format!("missing: {}", missing.join("; "))))
    }
}
