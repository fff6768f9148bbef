//! The netns backend (`--net netns --cluster FILE.toml`): real programs (etcd, `splitbrain
//! shim` around any Maelstrom node, anything a cluster file describes) run one per network
//! namespace on a bridge; faults are iptables rules inside the namespaces, signals, and delaying
//! proxies; clients speak the system's own protocol, through a system adapter
//! ([`super::systems`]), from a namespace of their own. Needs root.
//!
//! Map of this module, in reading order:
//! - [`NetnsBackend`], [`NetnsCluster`] (here): the [`Backend`] and its [`Cluster`];
//! - `nodes.rs`: node processes: start, kill, restart, pause, resume;
//! - `faults.rs`: partitions and loss as iptables rules, latency through the proxies;
//! - clients: [`AdapterClient`]s (shared with ssh, in [`real`](super::real)) whose threads
//!   enter the client namespace;
//! - `topology.rs`: namespaces, bridge, veths, chains; removed on drop;
//! - `proxy.rs`: the delaying TCP proxies on node-to-node links (the latency fault);
//! - `command.rs`: running `ip`/`iptables-restore`; the preflight check of what is missing;
//! - `teardown.rs`: the run's marker, removal, and cleanup of stale leftovers of killed runs.
//!
//! The cluster file, iptables rules, readiness probe, client threads and leader watcher are the
//! real-network backends' shared [`real`](super::real) module.
//!
//! Cleanup: every process, namespace, bridge, veth and rule goes on success, error, panic
//! (drop) and SIGINT/SIGTERM (which stop the run, then the same path runs); a run killed with
//! SIGKILL leaves a marker the next run finds ([`teardown`]).

mod command;
mod faults;
mod nodes;
mod proxy;
pub mod teardown;
#[cfg(test)]
mod tests;
mod topology;

use std::net::{SocketAddr, SocketAddrV4};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};
use tokio::sync::mpsc;
use tokio::task::block_in_place;

use self::nodes::Nodes;
use self::proxy::Delays;
use self::topology::Topology;
use super::backend::{Backend, BackendSummary, Cluster, StartContext};
use super::nemesis::targeted::Step;
use super::nemesis::{FaultKind, Grudge, Scheduled, TargetedNemesis};
use super::plan::{NetOptions, NodeCommand, RunPlan};
use super::protocol::node_id;
use super::real::cluster_file::{splitbrain_exe, Fill};
use super::real::leader::{self, Failover, Watcher};
use super::real::marker;
use super::real::{ready, AdapterClient, ClusterFile};
use super::store::Store;
use super::systems::{self, AdapterOptions, SystemAdapter};
use super::{RunError, StopHandle};

/// The netns backend: a cluster file and the adapter its clients speak.
pub struct NetnsBackend {
    cluster: ClusterFile,
    adapter: Arc<dyn SystemAdapter>,
}

impl NetnsBackend {
    /// The backend for `cluster`, its adapter set up with `options`.
    pub fn new(cluster: ClusterFile, options: AdapterOptions) -> Result<NetnsBackend, RunError> {
        let adapter = systems::adapter(&cluster.client, options)
            .ok_or_else(|| RunError::Netns(format!("no client adapter {:?}", cluster.client)))?;
        Ok(NetnsBackend {
            cluster,
            adapter: Arc::from(adapter),
        })
    }
}

impl Backend for NetnsBackend {
    type Cluster = NetnsCluster;

    fn name(&self) -> &'static str {
        "netns"
    }

    fn validate(&self, plan: &RunPlan) -> Result<(), RunError> {
        let cluster = &self.cluster;
        self.adapter
            .supports(plan.workload)
            .map_err(RunError::Netns)?;
        if let Some(kind) = plan.nemesis.iter().find(|k| k.is_targeted()) {
            return Err(RunError::Netns(format!(
                "--nemesis {} reacts to each message, which needs the router (--net router)",
                kind.name()
            )));
        }
        if plan.nemesis.contains(&FaultKind::Latency) && cluster.peer_port.is_none() {
            return Err(RunError::Netns(format!(
                "the latency fault delays node-to-node traffic in a proxy, which needs \
                 `peer_port` in {}",
                cluster.path.display()
            )));
        }
        if plan.net != NetOptions::default() {
            return Err(RunError::Netns(
                "--latency, --loss, --duplicate and --reorder shape the router's network; on a \
                 real network use --nemesis latency or loss"
                    .into(),
            ));
        }
        if plan.node_count != cluster.nodes {
            return Err(RunError::Plan(format!(
                "--node-count {} differs from the {} nodes of {}",
                plan.node_count,
                cluster.nodes,
                cluster.path.display()
            )));
        }
        Ok(())
    }

    fn preflight(&self, plan: &RunPlan) -> Result<Vec<String>, RunError> {
        let program = program(&self.cluster, &plan.node, Path::new("."), plan.seed);
        let argv = self.cluster.argv(0, &fill(".", plan.seed, &program, "."));
        command::preflight(argv.first().map_or("", String::as_str))?;
        Ok(teardown::clean_stale())
    }

    fn replay_args(&self, plan: &RunPlan) -> Vec<String> {
        let mut args = vec![
            "--net".to_string(),
            "netns".into(),
            "--cluster".into(),
            self.cluster.path.display().to_string(),
        ];
        args.extend(self.adapter.replay_args());
        if self.cluster.takes_program() {
            // Last: `--bin` takes the rest of the line.
            args.extend(plan.node.replay_args());
        }
        args
    }

    async fn start(self, ctx: StartContext) -> Result<NetnsCluster, RunError> {
        block_in_place(|| NetnsCluster::create(self, &ctx))
    }
}

/// A running cluster in namespaces.
pub struct NetnsCluster {
    config: ClusterFile,
    adapter: Arc<dyn SystemAdapter>,
    prefix: String,
    topology: Mutex<Topology>,
    nodes: Mutex<Nodes>,
    delays: Option<Arc<Delays>>,
    proxy_stop: StopHandle,
    store: Store,
    watcher: Mutex<Option<Watcher>>,
}

impl NetnsCluster {
    fn create(backend: NetnsBackend, ctx: &StartContext) -> Result<NetnsCluster, RunError> {
        let config = backend.cluster;
        let prefix = marker::fresh_prefix();
        let proxies = ctx.plan.nemesis.contains(&FaultKind::Latency);
        let topology = Topology::create(&prefix, &config, proxies)?;
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
        let nodes = Nodes::new(&config, &topology, ctx.store.clone(), &ctx.plan)?;
        Ok(NetnsCluster {
            config,
            adapter: backend.adapter,
            prefix,
            topology: Mutex::new(topology),
            nodes: Mutex::new(nodes),
            delays,
            proxy_stop,
            store: ctx.store.clone(),
            watcher: Mutex::new(None),
        })
    }

    fn addrs(&self) -> Vec<SocketAddr> {
        (0..self.config.nodes)
            .map(|i| {
                SocketAddr::V4(SocketAddrV4::new(
                    self.config.ip(i),
                    self.config.client_port,
                ))
            })
            .collect()
    }

    fn client_ns(&self) -> String {
        lock(&self.topology).client_ns().to_string()
    }

    fn nodes(&self) -> std::sync::MutexGuard<'_, Nodes> {
        lock(&self.nodes)
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cluster for NetnsCluster {
    type Client = AdapterClient;

    async fn start_node(&self, i: usize) -> Result<(), RunError> {
        block_in_place(|| self.nodes().start(i))
    }

    async fn kill_node(&self, i: usize) {
        block_in_place(|| self.nodes().kill(i))
    }

    async fn pause_node(&self, i: usize) {
        self.nodes().pause(i)
    }

    async fn resume_node(&self, i: usize) {
        self.nodes().resume(i)
    }

    async fn wait_ready(&self, stop: &StopHandle) -> Result<(), RunError> {
        let (ns, addrs) = (self.client_ns(), self.addrs());
        let exited = || self.nodes().exited().into_iter().next();
        block_in_place(|| ready::wait(&self.config, Some(&ns), &addrs, exited, &self.store, stop))
    }

    async fn partition(&self, grudge: Option<&Grudge>) -> Result<(), RunError> {
        block_in_place(|| faults::partition(&lock(&self.topology), &self.config, grudge))
    }

    async fn loss(&self, nodes: &[usize], p: Option<f64>) -> Result<(), RunError> {
        block_in_place(|| faults::loss(&lock(&self.topology), &self.config, nodes, p))
    }

    async fn latency(&self, nodes: &[usize], extra: Option<Duration>) -> Result<(), RunError> {
        faults::latency(self.delays.as_deref(), nodes, extra)
    }

    fn install_targeted(
        &self,
        nemesis: Box<dyn TargetedNemesis>,
    ) -> Result<mpsc::UnboundedReceiver<Step>, RunError> {
        drop(nemesis);
        Err(RunError::Netns(
            "a targeted nemesis needs the router (--net router)".into(),
        ))
    }

    fn clients_started(&self) {
        if self.adapter.reports_leaders() {
            let w = Watcher::start(
                Some(&self.client_ns()),
                &self.addrs(),
                self.adapter.clone(),
                Instant::now(),
            );
            *lock(&self.watcher) = Some(w);
        }
    }

    fn client(&self) -> AdapterClient {
        AdapterClient::start(Some(self.client_ns()), self.addrs(), self.adapter.clone())
    }

    async fn failure(&self) -> RunError {
        // A node that exits on its own is a finding (reported at the end), not a harness error.
        std::future::pending().await
    }

    async fn shutdown(&self, applied: &[Scheduled]) -> BackendSummary {
        let reports = lock(&self.watcher)
            .take()
            .map(Watcher::finish)
            .unwrap_or_default();
        let exits = block_in_place(|| {
            let mut nodes = self.nodes();
            nodes.exited();
            let exits = nodes.exits.clone();
            nodes.kill_all();
            exits
        });
        self.proxy_stop.stop();
        block_in_place(|| lock(&self.topology).remove());
        let failovers = leader::failovers(&reports, applied, self.config.nodes);
        let mut notes: Vec<String> = exits
            .iter()
            .map(|(i, status)| {
                format!(
                    "node {} exited on its own ({status}); see its log in the store",
                    node_id(*i)
                )
            })
            .collect();
        notes.extend(failovers.iter().map(describe_failover));
        let mut section = json!({
            "cluster": self.config.path,
            "prefix": self.prefix,
            "client": self.adapter.name(),
            "leader_failovers": failovers,
            // Nodes that exited on their own (a crash is a finding, not a harness error).
            "node_exits": exits.iter().map(|(i, status)| json!({
                "node": node_id(*i), "status": status,
            })).collect::<Vec<Json>>(),
            "leader_reports": reports.iter().map(|r| json!({
                "at": r.at.as_secs_f64(), "node": node_id(r.node),
                "leader": r.leader.to_string(),
            })).collect::<Vec<Json>>(),
        });
        if let Json::Object(map) = &mut section {
            map.extend(self.adapter.settings());
        }
        BackendSummary {
            net: Default::default(),
            section: Some(("netns", section)),
            notes,
        }
    }
}

fn describe_failover(f: &Failover) -> String {
    match (f.seconds, &f.new_leader) {
        (Some(s), Some(new)) => format!(
            "leader: {} at {:.1}s took leader {} away; new leader {new} after {s:.3}s",
            f.fault, f.at, f.old_leader
        ),
        _ => format!(
            "leader: {} at {:.1}s took leader {} away; no new leader seen before it ended",
            f.fault, f.at, f.old_leader
        ),
    }
}

impl Drop for NetnsCluster {
    fn drop(&mut self) {
        // Nodes and namespaces remove themselves on drop; the proxies need telling.
        self.proxy_stop.stop();
    }
}
