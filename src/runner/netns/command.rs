//! Running the host's network tools (`ip`, `iptables-restore`) and saying clearly what failed,
//! and [`preflight`]: what the backend needs before it touches anything.

use std::path::PathBuf;
use std::process::Command;

use crate::runner::real::command::{output, Failed};
use crate::runner::RunError;

/// Runs `program args`, feeding it `stdin`; an error names the command and its stderr.
pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<String, RunError> {
    let shown = || format!("{program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args);
    output(cmd, stdin.map(str::as_bytes)).map_err(|failed| match failed {
        Failed::Spawn(e) => RunError::Netns(format!("cannot run `{}`: {e}", shown())),
        Failed::Status(status, stderr) => {
            RunError::Netns(format!("`{}` failed ({status}): {stderr}", shown()))
        }
    })
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

/// Checks that the backend can run: root, `ip`, `iptables-restore`, the node program and the
/// other programs its start command runs (`requires`). The error lists everything that is
/// missing, with how to get it.
pub fn preflight(node_program: &str, requires: &[String]) -> Result<(), RunError> {
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
    for program in requires.iter().filter(|p| which(p).is_none()) {
        missing.push(format!(
            "the program `{program}` (named in the cluster file's [start] requires)"
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RunError::Netns(format!("missing: {}", missing.join("; "))))
    }
}
