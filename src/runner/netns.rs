//! The netns backend (`--net netns --cluster FILE.toml`): real programs (etcd, `splitbrain
//! shim` around any Maelstrom node, anything a cluster file describes) run one per network
//! namespace on a bridge; faults are iptables rules inside the namespaces, signals, and delaying
//! proxies; clients speak the system's own protocol, through a system adapter
//! ([`super::systems`]), from a namespace of their own. Needs root.
//!
//! Map of this module, in reading order:
//! - [`NetnsBackend`] (here): the [`Backend`]; [`Namespaces`]: its [`Machines`], run as a
//!   [`RealCluster`];
//! - `nodes.rs`: node processes: start, kill, restart, pause, resume;
//! - `faults.rs`: partitions and loss as iptables rules, latency through the proxies;
//! - clients: [`AdapterClient`](super::real::AdapterClient)s (shared with ssh, in [`real`](super::real)) whose threads
//!   enter the client namespace;
//! - `topology.rs`: namespaces, bridge, veths, chains; removed on drop;
//! - `proxy.rs`: the delaying TCP proxies on node-to-node links (the latency fault);
//! - `command.rs`: running `ip`/`iptables-restore`; the preflight check of what is missing;
//! - `teardown.rs`: the run's marker, removal, and cleanup of stale leftovers of killed runs
//!   (lazy filesystems included);
//! - `disks.rs`: with `lazyfs = true`, each node's data directory as a
//!   [`lazyfs::Disk`](super::lazyfs::Disk), and the power failure of `--nemesis lose-unsynced`.
//!
//! The cluster file, iptables rules, readiness probe, client threads and leader watcher are the
//! real-network backends' shared [`real`](super::real) module.
//!
//! Cleanup: every process, namespace, bridge, veth and rule goes on success, error, panic
//! (drop) and SIGINT/SIGTERM (which stop the run, then the same path runs); a run killed with
//! SIGKILL leaves a marker the next run finds ([`teardown`]).

mod command;
mod disks;
mod faults;
mod nodes;
mod proxy;
pub mod teardown;
#[cfg(test)]
mod tests;
mod topology;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::block_in_place;

use self::nodes::Nodes;
use self::proxy::Delays;
use self::topology::Topology;
use super::backend::{Backend, StartContext};
use super::clock_skew;
use super::effect::Effect;
use super::nemesis::{FaultKind, Grudge};
use super::plan::{NodeCommand, RunPlan};
use super::real::cluster_file::{splitbrain_exe, Fill};
use super::real::marker;
use super::real::{ClusterFile, Machines, Processes, RealCluster, System};
use super::systems::AdapterOptions;
use super::{RunError, StopHandle};

/// The netns backend: a cluster file and the adapter its clients speak.
pub struct NetnsBackend {
    system: System,
}

impl NetnsBackend {
    /// The backend for `cluster`, its adapter set up with `options`.
    pub fn new(cluster: ClusterFile, options: AdapterOptions) -> Result<NetnsBackend, RunError> {
        Ok(NetnsBackend {
            system: System::new(cluster, options, "netns", RunError::Netns)?,
        })
    }
}

/// A running cluster in namespaces.
pub type NetnsCluster = RealCluster<Namespaces>;

impl Backend for NetnsBackend {
    type Cluster = NetnsCluster;

    fn validate(&self, plan: &RunPlan) -> Result<(), RunError> {
        self.system.validate(plan)?;
        let cluster = &self.system.config;
        if plan.nemesis.contains(&FaultKind::Clock) {
            let program = program(cluster, &plan.node, Path::new("."), plan.seed);
            let argv = cluster.argv(0, &fill(".", plan.seed, &program, "."));
            clock_skew::check(argv.first().map_or("", String::as_str))?;
            clock_skew::refuse_rate(&plan.clock_faults)?;
        }
        if plan.nemesis.contains(&FaultKind::LoseUnsynced) && !cluster.lazyfs {
            return Err(RunError::Netns(format!(
                "--nemesis lose-unsynced drops what the nodes wrote but did not fsync, which \
                 needs their data directories on the lazy filesystem: add `lazyfs = true` to {}",
                cluster.path.display()
            )));
        }
        if plan.nemesis.contains(&FaultKind::Latency) && cluster.peer_port.is_none() {
            return Err(RunError::Netns(format!(
                "the latency fault delays node-to-node traffic in a proxy, which needs \
                 `peer_port` in {}",
                cluster.path.display()
            )));
        }
        Ok(())
    }

    fn preflight(&self, plan: &RunPlan) -> Result<Vec<String>, RunError> {
        let cluster = &self.system.config;
        let program = program(cluster, &plan.node, Path::new("."), plan.seed);
        let argv = cluster.argv(0, &fill(".", plan.seed, &program, "."));
        command::preflight(argv.first().map_or("", String::as_str), &cluster.requires)?;
        if cluster.lazyfs && !Path::new("/dev/fuse").exists() {
            return Err(RunError::Netns(format!(
                "missing: /dev/fuse, which `lazyfs = true` in {} needs (modprobe fuse)",
                cluster.path.display()
            )));
        }
        Ok(teardown::clean_stale())
    }

    fn replay_args(&self, plan: &RunPlan) -> Vec<String> {
        self.system.replay_args(plan)
    }

    async fn start(self, ctx: StartContext) -> Result<NetnsCluster, RunError> {
        let prefix = marker::fresh_prefix();
        let machines = block_in_place(|| Namespaces::create(&self.system.config, &prefix, &ctx))?;
        Ok(RealCluster::new(self.system, machines, prefix, ctx.store))
    }
}

/// The run's namespaces, its node processes in them, and the latency proxies.
pub struct Namespaces {
    config: ClusterFile,
    topology: Topology,
    nodes: Nodes,
    /// With `lazyfs = true`: each node's data directory; unmounted after the nodes are killed.
    disks: Option<disks::Disks>,
    delays: Option<Arc<Delays>>,
    proxy_stop: StopHandle,
    torn_down: bool,
}

impl Namespaces {
    fn create(
        config: &ClusterFile,
        prefix: &str,
        ctx: &StartContext,
    ) -> Result<Namespaces, RunError> {
        let proxies = ctx.plan.nemesis.contains(&FaultKind::Latency);
        let topology = Topology::create(prefix, config, proxies)?;
        let proxy_stop = StopHandle::default();
        let delays = match (proxies, config.peer_port) {
            (true, Some(port)) => {
                let delays = Arc::new(Delays::new(config.nodes));
                let layout = proxy::Layout {
                    nodes: (0..config.nodes).map(|i| config.ip(i)).collect(),
                    aliases: (0..config.nodes).map(|i| config.alias(i)).collect(),
                    port,
                };
                proxy::start(
                    topology.client_ns(),
                    layout,
                    delays.clone(),
                    proxy_stop.clone(),
                )?;
                Some(delays)
            }
            _ => None,
        };
        let nodes = Nodes::new(config, &topology, ctx.store.clone(), &ctx.plan)?;
        let disks = match config.lazyfs {
            true => Some(disks::Disks::mount(config, &ctx.store, prefix)?),
            false => None,
        };
        Ok(Namespaces {
            config: config.clone(),
            topology,
            nodes,
            disks,
            delays,
            proxy_stop,
            torn_down: false,
        })
    }
}

impl Machines for Namespaces {
    type Processes = Nodes;

    fn processes(&mut self) -> &mut Nodes {
        &mut self.nodes
    }

    fn partition(&mut self, grudge: Option<&Grudge>) -> Result<Effect, RunError> {
        faults::partition(&self.topology, &self.config, grudge)
    }

    fn loss(&mut self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError> {
        faults::loss(&self.topology, &self.config, nodes, p)
    }

    fn latency(&mut self, nodes: &[usize], extra: Option<Duration>) -> Result<Effect, RunError> {
        faults::latency(self.delays.as_deref(), nodes, extra)
    }

    fn lose_unsynced(&mut self, i: usize, seed: u64) -> Option<Effect> {
        self.disks.as_mut().map(|d| d.power_failure(i, seed))
    }

    fn namespace(&self) -> Option<String> {
        Some(self.topology.client_ns().to_string())
    }

    fn teardown(&mut self) {
        if std::mem::replace(&mut self.torn_down, true) {
            return;
        }
        self.nodes.kill_all();
        // After the nodes: nothing holds a file open any more.
        self.disks = None;
        self.proxy_stop.stop();
        self.topology.remove();
    }
}

/// The placeholders of a node on this machine: `{splitbrain}` is this executable.
fn fill<'a>(data_dir: &'a str, seed: u64, program: &'a [String], dir: &'a str) -> Fill<'a> {
    static EXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Fill {
        data_dir,
        seed,
        program,
        splitbrain: EXE.get_or_init(splitbrain_exe),
        dir,
    }
}

/// What `{bin}` stands for in a cluster file that has it: the plan's node program, for the node
/// whose data directory is `data_dir`.
fn program(cluster: &ClusterFile, node: &NodeCommand, data_dir: &Path, seed: u64) -> Vec<String> {
    if !cluster.takes_program() {
        return Vec::new();
    }
    node.argv(data_dir, seed)
        .into_iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect()
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        self.teardown();
    }
}
