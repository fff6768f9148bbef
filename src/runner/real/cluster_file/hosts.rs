//! The `[ssh]` defaults and `[[hosts]]` of a cluster file for `--net ssh`: where each node runs
//! and how to reach it. Pure.
//!
//! ```toml
//! [ssh]
//! user = "root"                 # defaults for every host (each may override)
//! port = 22
//! key = "~/.ssh/id_ed25519"     # identity file; default: the ssh client's own choice
//! dir = "/var/tmp/splitbrain"   # where runs live on the hosts: DIR/<prefix>/n0/data ...
//! sudo = false                  # run iptables and kill through `sudo -n` (for a non-root user)
//! [[hosts]]
//! address = "192.168.1.10"      # IPv4: ssh goes there, clients connect there, {ip} is this
//! [[hosts]]
//! address = "192.168.1.11"
//! user = "admin"
//! [install]
//! files = [{ from = "/usr/local/bin/etcd", to = "bin/etcd" }]   # copied to DIR/bin/etcd
//! ```

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::Deserialize;

/// How to reach one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// Its address: ssh connects here, clients connect here, `{ip}` stands for it.
    pub address: Ipv4Addr,
    /// The login.
    pub user: String,
    /// sshd's port.
    pub port: u16,
    /// The identity file, if not the ssh client's default.
    pub key: Option<PathBuf>,
}

/// A file copied to every host before the nodes start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    /// The local file.
    pub from: PathBuf,
    /// Where it goes, relative to the hosts' `dir`.
    pub to: String,
}

/// The hosts of an ssh cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hosts {
    /// One per node, in order (`n0` is the first).
    pub hosts: Vec<Host>,
    /// The working directory on every host.
    pub dir: String,
    /// Whether privileged commands (iptables, signals to other users) go through `sudo -n`.
    pub sudo: bool,
    /// Files copied to every host first.
    pub install: Vec<Install>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSsh {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    sudo: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHost {
    address: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    key: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInstall {
    #[serde(default)]
    files: Vec<RawFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    from: String,
    to: String,
}

/// Validates the raw sections; `Err` is the key to point at and what is wrong.
pub(super) fn parse(
    ssh: Option<RawSsh>,
    hosts: Vec<RawHost>,
    install: Option<RawInstall>,
) -> Result<Option<Hosts>, (&'static str, String)> {
    if hosts.is_empty() {
        return match (ssh, install) {
            (None, None) => Ok(None),
            _ => Err(("[ssh]", "[ssh] and [install] need [[hosts]]".into())),
        };
    }
    let ssh = ssh.unwrap_or_default();
    let user = ssh.user.unwrap_or_else(|| "root".into());
    let dir = ssh.dir.unwrap_or_else(|| "/var/tmp/splitbrain".into());
    if !dir.starts_with('/') || dir.contains(char::is_whitespace) {
        return Err((
            "dir",
            format!("ssh.dir must be an absolute path without spaces, found {dir:?}"),
        ));
    }
    let mut out = Vec::new();
    for h in hosts {
        let address = h.address.parse::<Ipv4Addr>().map_err(|_| {
            (
                "address",
                format!(
                    "hosts.address must be an IPv4 address (nodes bind it as {{ip}}), found {:?}",
                    h.address
                ),
            )
        })?;
        let user = h.user.unwrap_or_else(|| user.clone());
        if !user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(("user", format!("not a login name: {user:?}")));
        }
        out.push(Host {
            address,
            user,
            port: h.port.or(ssh.port).unwrap_or(22),
            key: h.key.or(ssh.key.clone()).map(expand_home),
        });
    }
    let install = install
        .unwrap_or_default()
        .files
        .into_iter()
        .map(|f| {
            let relative = !f.to.starts_with('/') && !f.to.split('/').any(|p| p == "..");
            if relative && !f.to.is_empty() {
                Ok(Install {
                    from: expand_home(f.from),
                    to: f.to,
                })
            } else {
                Err((
                    "to",
                    format!(
                        "install.files.to must be a path inside ssh.dir (relative, no ..), found {:?}",
                        f.to
                    ),
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(Hosts {
        hosts: out,
        dir,
        sudo: ssh.sudo,
        install,
    }))
}

/// `~/x` → `$HOME/x`.
fn expand_home(path: String) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
