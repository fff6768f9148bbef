//! [`ClusterFile`]: the `--cluster FILE.toml` that says how to run a real system's nodes: the
//! start command (an argv template), the readiness probe, and the client adapter. Parsing and
//! template expansion are pure; errors name the file, the line and what was expected.
//!
//! ```toml
//! nodes = 3                      # n0 .. n2, at 10.77.0.1 .. 10.77.0.3
//! client = "etcd"                # the client adapter (etcd, maelstrom)
//! client_port = 2379             # where the adapter and the probe connect
//! peer_port = 2380               # optional: nodes' port for each other (latency proxies)
//! [start]
//! argv = ["etcd", "--name", "{id}", "--data-dir", "{data_dir}", "--initial-cluster", "{peers}"]
//! peer = "{id}=http://{ip}:2380" # one element of {peers} (joined with ",")
//! [ready]
//! http_get = "/health"           # GET http://{ip}:{client_port}/health from the client namespace
//! expect = '"health":"true"'     # ... until the body contains this
//! timeout = "30s"
//! ```
//!
//! Instead of `http_get`, `tcp = true` waits until the client port accepts connections, and
//! `send = "srvr\n"` with `expect = "Mode: "` writes a line on a fresh connection and waits for
//! an answer containing `expect` (ZooKeeper's four-letter words, Redis's inline commands);
//! `port` probes another port than `client_port` (a Redis Sentinel's). `[start] requires`
//! lists more programs the start command runs (checked before anything starts, as the first
//! word of `argv` is), and `[settings]` gives the client adapter's settings (see
//! [`systems::settings`]; `--set KEY=VALUE` overrides them).
//! `lazyfs = true` mounts each node's data directory as a lazy filesystem
//! ([`lazyfs`](crate::runner::lazyfs)): writes a node does not fsync are held in memory, and
//! `--nemesis lose-unsynced` drops them (netns only).
//! Placeholders: `{id}` (`n0`), `{ip}`, `{peers}`, `{data_dir}`, `{seed}` (the run's seed),
//! `{dir}` (the run's directory on the node's machine), `{splitbrain}` (this executable — on
//! ssh hosts, the copy uploaded to them — for `splitbrain shim` and `splitbrain node`), and
//! `{bin}`, a word of its own that stands for the node program given on the command line
//! (`--bin CMD ARGS...` or `--node NAME`), so one cluster file runs any Maelstrom node.
//!
//! For `--net ssh` the file also lists the machines (`hosts.rs`: `[ssh]`, `[[hosts]]`,
//! `[install]`); `nodes` is then the number of hosts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod hosts;

pub use hosts::{Host, Hosts, Install};

use crate::runner::protocol::node_id;
use crate::runner::systems::{self, Settings};
use crate::runner::RunError;
use crate::units::parse_duration;

/// How the backend knows a node is ready for clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ready {
    /// `GET path` on the client port answers with a body containing `expect`.
    HttpGet {
        /// The path.
        path: String,
        /// What the body must contain.
        expect: String,
    },
    /// The client port accepts a TCP connection.
    Tcp,
    /// A fresh connection, sent `send`, answers with something containing `expect`.
    Send {
        /// What is written (a ZooKeeper four-letter word, a Redis inline command).
        send: String,
        /// What the answer must contain.
        expect: String,
    },
}

/// A parsed, validated cluster file.
#[derive(Clone, Debug)]
pub struct ClusterFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Number of nodes.
    pub nodes: usize,
    /// The client adapter (one of [`ADAPTERS`](systems::ADAPTERS)).
    pub client: String,
    /// The port the adapter and the probe connect to on each node.
    pub client_port: u16,
    /// The port nodes talk to each other on, when known: needed for the latency fault, whose
    /// proxies sit on these links.
    pub peer_port: Option<u16>,
    /// The first three octets of the nodes' /24 (inside the run's own namespaces).
    pub subnet: [u8; 3],
    /// The start command template.
    pub argv: Vec<String>,
    /// The template of one `{peers}` element.
    pub peer: String,
    /// The readiness probe.
    pub ready: Ready,
    /// The port the probe connects to (the client port unless `[ready] port` says otherwise).
    pub ready_port: u16,
    /// Programs the start command runs besides its first word (`[start] requires`).
    pub requires: Vec<String>,
    /// The adapter's settings (`[settings]`), as `(key, value)` sorted by key.
    pub settings: Vec<(String, String)>,
    /// Probe: how long every node together has to become ready.
    pub ready_timeout: Duration,
    /// The machines, for `--net ssh` (`None`: the file has no `[[hosts]]`).
    pub hosts: Option<Hosts>,
    /// Whether each node's data directory is a lazy filesystem (`lazyfs = true`), which
    /// `--nemesis lose-unsynced` needs.
    pub lazyfs: bool,
}

/// What a node's argv template is filled in with, besides the node's own id and address.
#[derive(Clone, Copy, Debug)]
pub struct Fill<'a> {
    /// The node's data directory (on its machine).
    pub data_dir: &'a str,
    /// The run's seed.
    pub seed: u64,
    /// The command line's node program (`{bin}`).
    pub program: &'a [String],
    /// The splitbrain executable (on the node's machine).
    pub splitbrain: &'a str,
    /// The run's directory (on the node's machine).
    pub dir: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    nodes: Option<usize>,
    client: String,
    client_port: u16,
    #[serde(default)]
    peer_port: Option<u16>,
    #[serde(default)]
    subnet: Option<String>,
    #[serde(default)]
    lazyfs: bool,
    start: RawStart,
    ready: RawReady,
    #[serde(default)]
    ssh: Option<hosts::RawSsh>,
    #[serde(default)]
    hosts: Vec<hosts::RawHost>,
    #[serde(default)]
    install: Option<hosts::RawInstall>,
    #[serde(default)]
    settings: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStart {
    argv: Vec<String>,
    #[serde(default)]
    peer: Option<String>,
    #[serde(default)]
    requires: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReady {
    #[serde(default)]
    http_get: Option<String>,
    #[serde(default)]
    tcp: bool,
    #[serde(default)]
    send: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    expect: String,
    #[serde(default)]
    timeout: Option<String>,
}

/// The placeholders a template may use.
const PLACEHOLDERS: [&str; 8] = [
    "{id}",
    "{ip}",
    "{peers}",
    "{data_dir}",
    "{seed}",
    "{dir}",
    "{splitbrain}",
    BIN,
];

/// Most nodes a run's /24 holds (node addresses .1–.100, proxy aliases .101–.200).
const MAX_NODES: usize = 100;

/// The placeholder for the command line's node program (a whole word).
const BIN: &str = "{bin}";

impl ClusterFile {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<ClusterFile, RunError> {
        let text = std::fs::read_to_string(path).map_err(|e| RunError::ClusterFile {
            path: path.to_path_buf(),
            line: 1,
            message: format!("cannot read the cluster file: {e}"),
        })?;
        ClusterFile::parse(path, &text)
    }

    /// Parses and validates `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<ClusterFile, RunError> {
        let error = |line: usize, message: String| RunError::ClusterFile {
            path: path.to_path_buf(),
            line,
            message,
        };
        let at = |key: &str| line_of(text, key);
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(1, |s| 1 + text[..s.start].matches('\n').count());
            error(line, e.message().trim().to_string())
        })?;
        let hosts = hosts::parse(raw.ssh, raw.hosts, raw.install)
            .map_err(|(key, message)| error(at(key), message))?;
        let nodes = match (raw.nodes, &hosts) {
            (Some(n), Some(h)) if n != h.hosts.len() => {
                return Err(error(
                    at("nodes"),
                    format!("nodes = {n}, but {} [[hosts]] are listed", h.hosts.len()),
                ))
            }
            (_, Some(h)) => h.hosts.len(),
            (Some(n), None) => n,
            (None, None) => {
                return Err(error(1, "missing `nodes` (or a list of [[hosts]])".into()));
            }
        };
        if !(1..=MAX_NODES).contains(&nodes) {
            return Err(error(
                at("nodes"),
                format!("nodes must be 1..={MAX_NODES}, found {nodes}"),
            ));
        }
        let Some(kind) = systems::kind(&raw.client) else {
            return Err(error(
                at("client"),
                format!(
                    "unknown client adapter {:?}; expected one of: {}",
                    raw.client,
                    systems::names()
                ),
            ));
        };
        let settings = settings(&raw.settings)
            .and_then(|pairs| {
                for pair in &pairs {
                    let one = std::slice::from_ref(pair);
                    Settings::resolve(kind.name, kind.settings, &[one])
                        .map_err(|e| (pair.0.clone(), e))?;
                }
                Ok(pairs)
            })
            .map_err(|(key, message)| error(at(&key), message))?;
        if raw.client_port == 0 {
            return Err(error(at("client_port"), "client_port must not be 0".into()));
        }
        let subnet = match &raw.subnet {
            None => [10, 77, 0],
            Some(s) => parse_subnet(s).ok_or_else(|| {
                error(
                    at("subnet"),
                    format!("subnet must be three octets of a private /24 like \"10.77.0\", found {s:?}"),
                )
            })?,
        };
        if raw.start.argv.is_empty() || raw.start.argv[0].is_empty() {
            return Err(error(at("argv"), "start.argv must name a program".into()));
        }
        let peer = raw.start.peer.unwrap_or_else(|| "{ip}".into());
        for word in raw.start.argv.iter().chain([&peer]) {
            if word.contains(BIN) && word != BIN {
                return Err(error(
                    at(BIN),
                    format!("{BIN} must be a word of its own (it stands for a whole argv), found {word:?}"),
                ));
            }
            if let Some(bad) = unknown_placeholder(word) {
                return Err(error(
                    at(&bad),
                    format!(
                        "unknown placeholder {bad} in {word:?}; expected one of {}",
                        PLACEHOLDERS.join(" ")
                    ),
                ));
            }
        }
        let ready = match (raw.ready.http_get, raw.ready.tcp, raw.ready.send) {
            (Some(path), false, None) if path.starts_with('/') => Ready::HttpGet {
                path,
                expect: raw.ready.expect,
            },
            (Some(path), false, None) => {
                return Err(error(
                    at("http_get"),
                    format!("ready.http_get must be a path starting with /, found {path:?}"),
                ))
            }
            (None, true, None) => Ready::Tcp,
            (None, false, Some(send)) if !raw.ready.expect.is_empty() => Ready::Send {
                send,
                expect: raw.ready.expect,
            },
            (None, false, Some(_)) => {
                return Err(error(
                    at("send"),
                    "ready.send needs `expect`: what the answer must contain".into(),
                ))
            }
            _ => {
                return Err(error(
                    at("[ready]"),
                    "[ready] needs exactly one probe: http_get = \"/path\", tcp = true, or \
                     send = \"...\" with expect = \"...\""
                        .into(),
                ))
            }
        };
        if raw.ready.port == Some(0) {
            return Err(error(at("port"), "ready.port must not be 0".into()));
        }
        let ready_timeout = match &raw.ready.timeout {
            None => Duration::from_secs(30),
            Some(t) => parse_duration(t).ok().ok_or_else(|| {
                error(
                    at("timeout"),
                    format!("ready.timeout must be like \"30s\" or \"500ms\", found {t:?}"),
                )
            })?,
        };
        Ok(ClusterFile {
            path: path.to_path_buf(),
            nodes,
            client: raw.client,
            client_port: raw.client_port,
            peer_port: raw.peer_port,
            subnet,
            argv: raw.start.argv,
            peer,
            ready,
            ready_port: raw.ready.port.unwrap_or(raw.client_port),
            requires: raw.start.requires,
            ready_timeout,
            hosts,
            settings,
            lazyfs: raw.lazyfs,
        })
    }

    /// Node `i`'s address: its host's, or its place in the run's own /24.
    pub fn ip(&self, i: usize) -> std::net::Ipv4Addr {
        if let Some(h) = &self.hosts {
            return h.hosts[i].address;
        }
        let [a, b, c] = self.subnet;
        std::net::Ipv4Addr::new(a, b, c, (i + 1) as u8)
    }

    /// Node `i`'s alias on the bridge, from which the latency proxy speaks for it.
    pub fn alias(&self, i: usize) -> std::net::Ipv4Addr {
        let [a, b, c] = self.subnet;
        std::net::Ipv4Addr::new(a, b, c, (i + 101) as u8)
    }

    /// The client namespace's address (on the bridge).
    pub fn client_ip(&self) -> std::net::Ipv4Addr {
        let [a, b, c] = self.subnet;
        std::net::Ipv4Addr::new(a, b, c, 254)
    }

    /// The same cluster with `n` nodes instead of the file's `nodes` (templates are per node, so
    /// any count runs).
    /// With `[[hosts]]`, the first `n` hosts run.
    pub fn with_nodes(mut self, n: usize) -> Result<ClusterFile, RunError> {
        if !(1..=MAX_NODES).contains(&n) {
            return Err(RunError::Plan(format!(
                "--node-count must be 1..={MAX_NODES} on a real network (one /24), found {n}"
            )));
        }
        if let Some(h) = &mut self.hosts {
            if n > h.hosts.len() {
                return Err(RunError::Plan(format!(
                    "--node-count {n} is more than the {} [[hosts]] of {}",
                    h.hosts.len(),
                    self.path.display()
                )));
            }
            h.hosts.truncate(n);
        }
        self.nodes = n;
        Ok(self)
    }

    /// Whether the start template runs the command line's node program (`{bin}`).
    pub fn takes_program(&self) -> bool {
        self.argv.iter().any(|w| w == BIN)
    }

    /// Whether the start template runs splitbrain itself (`{splitbrain}`), which must then be
    /// on the node's machine.
    pub fn takes_splitbrain(&self) -> bool {
        self.argv.iter().any(|w| w.contains("{splitbrain}"))
    }

    /// Node `i`'s argv: the template with the placeholders filled in.
    pub fn argv(&self, i: usize, f: &Fill<'_>) -> Vec<String> {
        let fill = |word: &str, j: usize, peers: &str| {
            word.replace("{id}", &node_id(j))
                .replace("{ip}", &self.ip(j).to_string())
                .replace("{peers}", peers)
                .replace("{data_dir}", f.data_dir)
                .replace("{seed}", &f.seed.to_string())
                .replace("{dir}", f.dir)
                .replace("{splitbrain}", f.splitbrain)
        };
        let peers: Vec<String> = (0..self.nodes).map(|j| fill(&self.peer, j, "")).collect();
        let peers = peers.join(",");
        let mut argv = Vec::new();
        for word in &self.argv {
            match word.as_str() {
                BIN => argv.extend(f.program.iter().cloned()),
                _ => argv.push(fill(word, i, &peers)),
            }
        }
        argv
    }
}

/// `[settings]` as `(key, value)` pairs, scalars written as text; or the key whose value is not
/// a scalar and why.
fn settings(table: &toml::Table) -> Result<Vec<(String, String)>, (String, String)> {
    (table.iter())
        .map(|(key, value)| {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err((
                        key.clone(),
                        format!("setting {key} must be a string, number or boolean"),
                    ))
                }
            };
            Ok((key.clone(), text))
        })
        .collect()
}

/// The first `{...}` in `word` that is not a known placeholder.
fn unknown_placeholder(word: &str) -> Option<String> {
    let mut rest = word;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        let name = &rest[open..=close];
        if !PLACEHOLDERS.contains(&name) {
            return Some(name.to_string());
        }
        rest = &rest[close + 1..];
    }
    None
}

/// The 1-based line where `needle` first occurs (1 when it does not).
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |at| 1 + text[..at].matches('\n').count())
}

fn parse_subnet(s: &str) -> Option<[u8; 3]> {
    let parts: Vec<u8> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c] = parts[..] else { return None };
    let private = a == 10 || (a == 192 && b == 168) || (a == 172 && (16..32).contains(&b));
    private.then_some([a, b, c])
}

/// This executable's path (what `{splitbrain}` stands for on this machine).
pub fn splitbrain_exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "splitbrain".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
nodes = 3
client = "etcd"
client_port = 2379
[start]
argv = ["etcd", "--name", "{id}", "--listen", "http://{ip}:2379", "--cluster", "{peers}", "--data-dir", "{data_dir}"]
peer = "{id}=http://{ip}:2380"
[ready]
http_get = "/health"
expect = '"health":"true"'
timeout = "20s"
"#;

    fn parse(text: &str) -> Result<ClusterFile, RunError> {
        ClusterFile::parse(Path::new("c.toml"), text)
    }

    fn fill<'a>(data_dir: &'a str, program: &'a [String]) -> Fill<'a> {
        Fill {
            data_dir,
            seed: 7,
            program,
            splitbrain: "/bin/splitbrain",
            dir: "/d",
        }
    }

    #[test]
    fn templates_expand_per_node_with_every_peer() {
        let c = parse(GOOD).unwrap();
        let argv = c.argv(1, &fill("/d/n1", &[]));
        assert_eq!(argv[2], "n1");
        assert_eq!(argv[4], "http://10.77.0.2:2379");
        assert_eq!(
            argv[6],
            "n0=http://10.77.0.1:2380,n1=http://10.77.0.2:2380,n2=http://10.77.0.3:2380"
        );
        assert_eq!(argv[8], "/d/n1");
        assert_eq!(c.ready_timeout, Duration::from_secs(20));
    }

    #[test]
    fn bin_splices_the_node_program_and_seed_and_splitbrain_are_filled_in() {
        let text = GOOD.replace(
            r#"argv = ["etcd","#,
            r#"argv = ["{splitbrain}", "shim", "--seed", "{seed}", "--", "{bin}", "etcd","#,
        );
        let c = parse(&text).unwrap();
        assert!(c.takes_program());
        let program = ["python3".to_string(), "node.py".into()];
        let argv = c.argv(0, &fill("/d/n0", &program));
        assert_eq!(argv[0], "/bin/splitbrain");
        assert_eq!(
            &argv[1..7],
            ["shim", "--seed", "7", "--", "python3", "node.py"]
        );
        let glued = GOOD.replace(r#""--name", "{id}""#, r#""--name", "x{bin}""#);
        let e = parse(&glued).unwrap_err().to_string();
        assert!(e.contains("a word of its own"), "{e}");
    }

    #[test]
    fn a_ready_section_needs_exactly_one_probe() {
        let tcp = GOOD.replace("http_get = \"/health\"", "tcp = true");
        assert_eq!(parse(&tcp).unwrap().ready, Ready::Tcp);
        let both = GOOD.replace(
            "http_get = \"/health\"",
            "http_get = \"/health\"\ntcp = true",
        );
        let e = parse(&both).unwrap_err().to_string();
        assert!(e.contains("exactly one probe"), "{e}");
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_line() {
        let text = GOOD.replace("{data_dir}\"]", "{datadir}\"]");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("c.toml:6:"), "{e}");
        assert!(e.contains("{datadir}"), "{e}");
    }

    #[test]
    fn a_type_error_names_the_line_and_the_expectation() {
        let text = GOOD.replace("nodes = 3", "nodes = \"three\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("c.toml:2:"), "{e}");
        assert!(e.contains("expected usize"), "{e}");
    }

    #[test]
    fn unknown_keys_and_adapters_are_rejected() {
        let e = parse(&GOOD.replace("client = \"etcd\"", "client = \"zk\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml:3:") && e.contains("\"zk\""), "{e}");
        assert!(e.contains("etcd, maelstrom"), "{e}");
        let e = parse(&format!("{GOOD}\nextra = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("extra"), "{e}");
    }

    #[test]
    fn public_subnets_are_refused() {
        let text = GOOD.replace(
            "client_port = 2379",
            "client_port = 2379\nsubnet = \"8.8.8\"",
        );
        assert!(parse(&text).unwrap_err().to_string().contains("private"));
    }

    #[test]
    fn hosts_give_the_node_count_addresses_and_ssh_settings() {
        let text = GOOD.replace("nodes = 3\n", "")
            + r#"
[ssh]
user = "ops"
key = "/k"
dir = "/srv/sb"
[[hosts]]
address = "192.168.5.1"
[[hosts]]
address = "192.168.5.2"
port = 2222
user = "root"
[install]
files = [{ from = "/usr/bin/etcd", to = "bin/etcd" }]
"#;
        let c = parse(&text).unwrap();
        assert_eq!(c.nodes, 2);
        assert_eq!(c.ip(1).to_string(), "192.168.5.2");
        let h = c.hosts.as_ref().unwrap();
        assert_eq!((h.hosts[0].user.as_str(), h.hosts[0].port), ("ops", 22));
        assert_eq!((h.hosts[1].user.as_str(), h.hosts[1].port), ("root", 2222));
        assert_eq!(h.hosts[1].key.as_deref(), Some(Path::new("/k")));
        assert_eq!(h.dir, "/srv/sb");
        assert_eq!(h.install[0].to, "bin/etcd");
        let one = c.clone().with_nodes(1).unwrap();
        assert_eq!(one.hosts.unwrap().hosts.len(), 1);
        assert!(c.with_nodes(3).is_err());
    }

    #[test]
    fn bad_hosts_are_refused_with_their_line() {
        let with = |extra: &str| parse(&(GOOD.replace("nodes = 3\n", "") + extra));
        let e = with("[[hosts]]\naddress = \"db1.example\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("IPv4") && e.contains("c.toml:"), "{e}");
        let e = with("[[hosts]]\naddress = \"10.0.0.1\"\n[install]\nfiles = [{ from = \"a\", to = \"../x\" }]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("inside ssh.dir"), "{e}");
        let e = parse(&GOOD.replace("nodes = 3\n", ""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing `nodes`"), "{e}");
    }
}
