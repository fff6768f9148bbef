//! Running a helper program (`ip`, `iptables-restore`, `ssh`) to completion: fed `input` on
//! stdin, in a process group of its own — so a terminal's Ctrl-C reaches the harness, which
//! stops the run in order, and not a rule change half-way — its stdout on success, or what it
//! said on stderr.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// How `cmd` ended, when it did not succeed.
#[derive(Debug)]
pub enum Failed {
    /// It could not be started at all.
    Spawn(std::io::Error),
    /// It ran and failed: its exit status and stderr.
    Status(String, String),
}

/// Runs `cmd` with `input` on stdin (none: `/dev/null`); its stdout.
pub fn output(mut cmd: Command, input: Option<&[u8]>) -> Result<String, Failed> {
    let mut child = cmd
        .process_group(0)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Failed::Spawn)?;
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(data);
    }
    let out = child.wait_with_output().map_err(Failed::Spawn)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(Failed::Status(out.status.to_string(), stderr))
    }
}
