//! [`Session`]: commands on one host through the system's OpenSSH client, over one multiplexed
//! connection (ControlMaster), non-interactive (BatchMode), trusting a host key on first contact
//! within this run only (a per-run known_hosts file) unless the cluster file names one.
//!
//! A remote command is an argv: each word is quoted for the remote shell (`shell_join`), so a
//! path or argument from a cluster file is never interpreted by it. The only shell syntax sent
//! is this module's own (redirections, `&`, `$!`), around quoted words.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::runner::plan::shell_join;
use crate::runner::real::cluster_file::Host;
use crate::runner::real::command::{output, Failed};
use crate::runner::real::marker::MarkedHost;
use crate::runner::RunError;

/// How long to wait for sshd to answer a new connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Commands on one host.
#[derive(Clone, Debug)]
pub struct Session {
    /// `user@address`.
    pub login: String,
    /// sshd's port.
    pub port: u16,
    /// The identity file, if any.
    pub key: Option<PathBuf>,
    /// Whether privileged commands go through `sudo -n`.
    pub sudo: bool,
    /// The multiplexing socket (short: a socket path must fit in 108 bytes).
    control: PathBuf,
    /// This run's known_hosts.
    known_hosts: PathBuf,
}

impl Session {
    /// A session with `host`, its control socket and known_hosts in `dir` (the run's local
    /// scratch directory).
    pub fn new(host: &Host, sudo: bool, dir: &Path, index: usize) -> Session {
        Session {
            login: format!("{}@{}", host.user, host.address),
            port: host.port,
            key: host.key.clone(),
            sudo,
            control: dir.join(format!("c{index}")),
            known_hosts: dir.join("known_hosts"),
        }
    }

    /// A session rebuilt from a stale marker (to clean up after a killed run).
    pub fn from_marker(host: &MarkedHost, dir: &Path, index: usize) -> Session {
        Session {
            login: host.login.clone(),
            port: host.port,
            key: host.key.clone(),
            sudo: host.sudo,
            control: dir.join(format!("c{index}")),
            known_hosts: dir.join("known_hosts"),
        }
    }

    /// The ssh command running `script` (already quoted) on the host.
    fn ssh(&self, script: &str) -> Command {
        let mut c = Command::new("ssh");
        c.args(["-o", "BatchMode=yes", "-o", "ControlMaster=auto"])
            .arg("-o")
            .arg(format!("ControlPath={}", self.control.display()))
            .args(["-o", "ControlPersist=60"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", self.known_hosts.display()))
            .args(["-o", "StrictHostKeyChecking=accept-new"])
            .arg("-o")
            .arg(format!("ConnectTimeout={}", CONNECT_TIMEOUT.as_secs()))
            .args(["-o", "ServerAliveInterval=5", "-o", "LogLevel=ERROR"])
            .arg("-p")
            .arg(self.port.to_string());
        if let Some(key) = &self.key {
            c.arg("-i").arg(key).args(["-o", "IdentitiesOnly=yes"]);
        }
        c.arg(&self.login).arg("--").arg(script);
        c
    }

    /// Runs `script` (shell text built from quoted words) with `input` on stdin; its stdout, or
    /// an error naming the host, the command and what it printed.
    pub fn run_script(&self, script: &str, input: Option<&[u8]>) -> Result<String, RunError> {
        output(self.ssh(script), input).map_err(|failed| match failed {
            Failed::Spawn(e) => RunError::Ssh(format!("cannot run ssh: {e}")),
            Failed::Status(status, stderr) => RunError::Ssh(format!(
                "on {}: `{script}` failed ({status}): {stderr}",
                self.login
            )),
        })
    }

    /// Runs `argv` on the host (each word quoted).
    pub fn run(&self, argv: &[&str]) -> Result<String, RunError> {
        self.run_script(&quote(argv), None)
    }

    /// Runs a privileged `argv` (through `sudo -n` when the cluster file asks for it), with
    /// `input` on stdin.
    pub fn run_privileged(&self, argv: &[&str], input: Option<&[u8]>) -> Result<String, RunError> {
        let script = if self.sudo {
            format!("sudo -n {}", quote(argv))
        } else {
            quote(argv)
        };
        self.run_script(&script, input)
    }

    /// Closes the multiplexed connection.
    pub fn close(&self) {
        let mut c = Command::new("ssh");
        c.arg("-o")
            .arg(format!("ControlPath={}", self.control.display()))
            .args(["-O", "exit", "-p", &self.port.to_string(), &self.login])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = c.status();
    }
}

/// `argv` as words a POSIX shell reads back unchanged.
pub fn quote(argv: &[&str]) -> String {
    shell_join(&argv.iter().map(|w| w.to_string()).collect::<Vec<_>>())
}
