//! The ssh backend (`--net ssh --cluster FILE.toml`), Jepsen's shape: this machine is the
//! control node, and each node of the system runs on a host of its own, reached with the
//! system's OpenSSH client. The cluster file lists the hosts (`[[hosts]]`) beside the same
//! `[start]`, `[ready]` and client settings as netns; clients connect from here to each host's
//! client port through a system adapter; faults are iptables rules and signals on the hosts.
//!
//! Map of this module, in reading order:
//! - [`SshBackend`] (here): the [`Backend`]; [`Remote`]: its [`Machines`], run as a
//!   [`RealCluster`];
//! - `nodes.rs`: node processes on the hosts: start, kill, restart, pause, resume, exit status;
//! - `faults.rs`: partitions and loss as iptables rules on the hosts;
//! - `clock.rs`: clock skew on the hosts with libfaketime, checked and read back there;
//! - `session.rs`: one host's commands over a multiplexed, non-interactive ssh connection;
//! - `install.rs`: files copied to the hosts first (`[install]`, and `{splitbrain}` itself);
//! - `teardown.rs`: removing what a run left on its hosts, now or after it was killed.
//!
//! Clients, the readiness probe and the leader watcher are the real-network backends' shared
//! [`real`](super::real) module, with no namespace to enter. Latency needs a delaying proxy or
//! netem on the hosts, which this backend does not set up: `--nemesis latency` is refused.

mod clock;
mod faults;
mod install;
mod nodes;
mod session;
mod teardown;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value as Json};
use tokio::task::block_in_place;

use self::faults::HostFaults;
use self::nodes::Nodes;
use self::session::Session;
use super::backend::{Backend, StartContext};
use super::effect::Effect;
use super::nemesis::{FaultKind, Grudge};
use super::plan::RunPlan;
use super::protocol::node_id;
use super::real::cluster_file::{splitbrain_exe, Fill, Hosts};
use super::real::marker::{self, MarkedHost, Marker};
use super::real::rules::Chains;
use super::real::{ClusterFile, Machines, Processes, RealCluster, System};
use super::store::Store;
use super::systems::AdapterOptions;
use super::RunError;

/// The ssh backend: a cluster file with hosts, and the adapter its clients speak.
pub struct SshBackend {
    system: System,
    scratch: Scratch,
}

/// A local directory for the ssh control sockets and known_hosts of a run, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> Result<Scratch, RunError> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        // Short: a control socket's path must fit in a sockaddr_un.
        let dir = std::env::temp_dir().join(format!(
            "sbssh{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| RunError::Ssh(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl SshBackend {
    /// The backend for `cluster` (which must list `[[hosts]]`), its adapter set up with
    /// `options`.
    pub fn new(cluster: ClusterFile, options: AdapterOptions) -> Result<SshBackend, RunError> {
        if cluster.hosts.is_none() {
            return Err(RunError::Ssh(format!(
                "{} lists no [[hosts]] to run the nodes on",
                cluster.path.display()
            )));
        }
        Ok(SshBackend {
            system: System::new(cluster, options, "ssh", RunError::Ssh)?,
            scratch: Scratch::create()?,
        })
    }

    fn hosts(&self) -> &Hosts {
        self.system.config.hosts.as_ref().expect("checked in new")
    }

    fn sessions(&self) -> Vec<Session> {
        let h = self.hosts();
        (h.hosts.iter().enumerate())
            .map(|(i, host)| Session::new(host, h.sudo, &self.scratch.0, i))
            .collect()
    }
}

/// What every host must have, checked before anything is created.
const TOOLS: [&str; 4] = ["sh", "setsid", "iptables-restore", "sha256sum"];

impl Backend for SshBackend {
    type Cluster = SshCluster;

    fn validate(&self, plan: &RunPlan) -> Result<(), RunError> {
        self.system.validate(plan)?;
        if plan.nemesis.contains(&FaultKind::Latency) {
            return Err(RunError::Ssh(
                "--nemesis latency needs a delaying proxy or netem on the hosts, which the ssh \
                 backend does not set up; use --net netns for latency faults"
                    .into(),
            ));
        }
        if plan.nemesis.contains(&FaultKind::LoseUnsynced) {
            return Err(RunError::Ssh(
                "--nemesis lose-unsynced mounts a lazy filesystem on each node's data directory \
                 on this machine; the ssh backend's are on the hosts (use --net netns with \
                 `lazyfs = true`, or the router with --node NAME)"
                    .into(),
            ));
        }
        if plan.nemesis.contains(&FaultKind::Corrupt) {
            return Err(RunError::Ssh(
                "--nemesis corrupt damages files of the nodes' data directories on this \
                 machine; the ssh backend's are on the hosts (use --net netns or the router)"
                    .into(),
            ));
        }
        Ok(())
    }

    fn preflight(&self, plan: &RunPlan) -> Result<Vec<String>, RunError> {
        if which("ssh").is_none() {
            return Err(RunError::Ssh(
                "missing: the OpenSSH client `ssh` (apt-get install openssh-client)".into(),
            ));
        }
        let mut messages = teardown::clean_stale(&self.scratch.0);
        let program = first_program(&self.system.config, plan);
        let mut missing = Vec::new();
        for session in self.sessions() {
            let mut checks: Vec<String> = TOOLS
                .iter()
                .map(|t| format!("command -v {t} >/dev/null || echo {t}"))
                .collect();
            let requires = &self.system.config.requires;
            for p in program.iter().chain(requires) {
                let q = session::quote(&[p]);
                checks.push(format!("command -v {q} >/dev/null || echo {q}"));
            }
            let script = checks.join("; ");
            match session.run_script(&script, None) {
                Ok(out) => missing.extend(
                    out.lines()
                        .map(|tool| format!("`{tool}` on {}", session.login)),
                ),
                Err(e) => missing.push(format!("a working ssh login: {e}")),
            }
            if let Err(e) = session.run_privileged(&["iptables", "-S", "INPUT"], None) {
                missing.push(format!("iptables rights ({e}; set `sudo = true` in [ssh])"));
            }
        }
        if !missing.is_empty() {
            return Err(RunError::Ssh(format!("missing: {}", missing.join("; "))));
        }
        if plan.nemesis.contains(&FaultKind::Clock) {
            crate::runner::clock_skew::refuse_rate(&plan.clock_faults)?;
            for session in self.sessions() {
                clock::libfaketime(&session).map_err(RunError::Clock)?;
                if let Some(why) = program.as_deref().and_then(|p| clock::refusal(&session, p)) {
                    return Err(RunError::Clock(why));
                }
            }
        }
        messages.retain(|m| !m.is_empty());
        Ok(messages)
    }

    fn replay_args(&self, plan: &RunPlan) -> Vec<String> {
        self.system.replay_args(plan)
    }

    async fn start(self, ctx: StartContext) -> Result<SshCluster, RunError> {
        let prefix = marker::fresh_prefix();
        let (system, remote) = block_in_place(|| Remote::create(self, &prefix, &ctx))?;
        Ok(RealCluster::new(system, remote, prefix, ctx.store))
    }
}

/// The program the start template runs, when it is a name to find on the hosts (not a file
/// this run installs there).
fn first_program(cluster: &ClusterFile, plan: &RunPlan) -> Option<String> {
    let first = cluster.argv.first()?;
    let installed = first.contains("{splitbrain}") || first.contains("{dir}");
    let reference = first == "{bin}" && matches!(plan.node, super::plan::NodeCommand::Named { .. });
    if installed || reference {
        return None;
    }
    let program = remote_program(cluster, plan, ".");
    let fill = Fill {
        data_dir: ".",
        seed: plan.seed,
        program: &program,
        splitbrain: "splitbrain",
        dir: ".",
    };
    cluster.argv(0, &fill).into_iter().next()
}

/// What `{bin}` stands for on a host: the plan's node program, with `{splitbrain}`'s copy for a
/// reference node.
fn remote_program(cluster: &ClusterFile, plan: &RunPlan, data_dir: &str) -> Vec<String> {
    if !cluster.takes_program() {
        return Vec::new();
    }
    plan.node
        .argv(Path::new(data_dir), plan.seed)
        .into_iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect()
}

/// A running cluster on hosts.
pub type SshCluster = RealCluster<Remote>;

/// The run on its hosts: sessions, node processes, fault chains, and the run's marker.
pub struct Remote {
    sessions: Vec<Session>,
    nodes: Nodes,
    prefix: String,
    /// The run's directory on every host.
    dir: String,
    chains: Chains,
    ips: Vec<Ipv4Addr>,
    /// The harness's address as each host sees it.
    harness: Vec<Ipv4Addr>,
    marker: Marker,
    store: Store,
    torn_down: bool,
    _scratch: Scratch,
}

impl Remote {
    fn create(
        backend: SshBackend,
        prefix: &str,
        ctx: &StartContext,
    ) -> Result<(System, Remote), RunError> {
        let hosts = backend.hosts().clone();
        let sessions = backend.sessions();
        let dir = format!("{}/{prefix}", hosts.dir);
        let mut marker = Marker::new(prefix, "ssh");
        marker.hosts = (hosts.hosts.iter())
            .map(|h| MarkedHost {
                login: format!("{}@{}", h.user, h.address),
                port: h.port,
                key: h.key.clone(),
                dir: dir.clone(),
                sudo: hosts.sudo,
            })
            .collect();
        marker.write()?;
        let config = &backend.system.config;
        let plan = &ctx.plan;
        let mut argvs = Vec::new();
        let mut dirs = Vec::new();
        let splitbrain = format!("{}/bin/splitbrain", hosts.dir);
        for i in 0..config.nodes {
            let node_dir = format!("{dir}/{}", node_id(i));
            let data = format!("{node_dir}/data");
            let program: Vec<String> = remote_program(config, plan, &data)
                .into_iter()
                .map(|w| {
                    if w == splitbrain_exe() {
                        splitbrain.clone()
                    } else {
                        w
                    }
                })
                .collect();
            let fill = Fill {
                data_dir: &data,
                seed: plan.seed,
                program: &program,
                splitbrain: &splitbrain,
                dir: &hosts.dir,
            };
            argvs.push(config.argv(i, &fill));
            dirs.push(node_dir);
        }
        let uses_splitbrain = config.takes_splitbrain()
            || (config.takes_program()
                && matches!(plan.node, super::plan::NodeCommand::Named { .. }));
        let mut nodes = Nodes::new(sessions.clone(), argvs, dirs);
        if plan.nemesis.contains(&FaultKind::Clock) {
            let libs = (sessions.iter().map(clock::libfaketime))
                .collect::<Result<Vec<_>, _>>()
                .map_err(RunError::Clock)?;
            nodes = nodes.with_faketime(libs);
        }
        let mut remote = Remote {
            chains: Chains::tagged(prefix),
            harness: Vec::new(),
            nodes,
            sessions,
            prefix: prefix.to_string(),
            dir,
            ips: hosts.hosts.iter().map(|h| h.address).collect(),
            marker,
            store: ctx.store.clone(),
            torn_down: false,
            _scratch: backend.scratch,
        };
        // From here on, dropping `remote` removes whatever was created.
        for session in &remote.sessions {
            for file in &hosts.install {
                install::upload(session, &file.from, &format!("{}/{}", hosts.dir, file.to))?;
            }
            if uses_splitbrain {
                let exe = std::env::current_exe()
                    .map_err(|e| RunError::Ssh(format!("cannot find this executable: {e}")))?;
                install::upload(session, &exe, &splitbrain)?;
            }
            let seen = session.run_script("printf %s \"$SSH_CONNECTION\"", None)?;
            let harness = (seen.split_whitespace().next())
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| {
                    RunError::Ssh(format!(
                        "{} did not say where this machine connects from (SSH_CONNECTION = {seen:?})",
                        session.login
                    ))
                })?;
            remote.harness.push(harness);
        }
        remote.faults().create()?;
        Ok((backend.system, remote))
    }

    fn faults(&self) -> HostFaults<'_> {
        HostFaults {
            sessions: &self.sessions,
            chains: &self.chains,
            ips: &self.ips,
            harness: &self.harness,
        }
    }
}

impl Machines for Remote {
    type Processes = Nodes;

    fn processes(&mut self) -> &mut Nodes {
        &mut self.nodes
    }

    fn partition(&mut self, grudge: Option<&Grudge>) -> Result<Effect, RunError> {
        self.faults().partition(grudge)
    }

    fn loss(&mut self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError> {
        self.faults().loss(nodes, p)
    }

    fn latency(&mut self, _nodes: &[usize], _extra: Option<Duration>) -> Result<Effect, RunError> {
        Err(RunError::Ssh(
            "latency is not supported on ssh hosts".into(),
        ))
    }

    fn namespace(&self) -> Option<String> {
        None
    }

    /// Fetches the node logs into the store, kills every node, removes the rules and the run's
    /// directory on every host, and the marker.
    fn teardown(&mut self) {
        if std::mem::replace(&mut self.torn_down, true) {
            return;
        }
        self.nodes.kill_all();
        for i in 0..self.sessions.len() {
            let log = self.nodes.log(i);
            if let Ok(mut file) = self.store.open_node_log(&node_id(i)) {
                use std::io::Write;
                let _ = file.write_all(&log);
            }
        }
        for session in &self.sessions {
            teardown::remove(session, &self.dir, &self.prefix);
        }
        self.marker.remove();
    }

    fn describe(&self) -> Map<String, Json> {
        let hosts = self.sessions.iter().map(|s| Json::from(s.login.clone()));
        Map::from_iter([("hosts".to_string(), Json::Array(hosts.collect()))])
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|f| f.is_file())
    })
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.teardown();
    }
}
