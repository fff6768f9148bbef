//! `splitbrain run --net netns --cluster FILE.toml`: the real-network backend. Real programs
//! (etcd, or any binary a cluster file describes) run one per network namespace on a bridge;
//! faults are iptables rules inside the namespaces and signals; clients speak the system's own
//! protocol from a namespace of their own. The plan, the seeded fault schedule, the workload's
//! generator and checker, the recorder, the store and the outcome are the router backend's.
//!
//! Map of this module, in reading order:
//! - [`run`], [`NetnsOptions`], [`NetnsOutcome`] (here): the phases of a run;
//! - [`ClusterFile`] (`cluster_file.rs`): the TOML file: start template, probe, adapter;
//! - `command.rs`: running `ip`/`iptables-restore`; the preflight check of what is missing;
//! - `topology.rs`: namespaces, bridge, veths, chains; removed on drop;
//! - `teardown.rs`: the run's marker, removal, and cleanup of stale leftovers of killed runs;
//! - `nodes.rs`: node processes: start, kill, restart, pause, resume;
//! - `rules.rs`: partitions and loss as iptables rules (pure);
//! - `faults.rs`: the nemesis executor;
//! - `proxy.rs`: the delaying TCP proxies on node-to-node links (the latency fault);
//! - `http.rs`, `etcd.rs`: keep-alive HTTP/1.1, and the etcd client adapter;
//! - `clients.rs`: worker threads in the client namespace and the dispatcher;
//! - `leader.rs`: leader reports and time to a new leader after the leader is taken away.
//!
//! Cleanup: every process, namespace, bridge, veth and rule goes on success, error, panic
//! (drop) and SIGINT/SIGTERM (which stop the run, then the same path runs); a run killed with
//! SIGKILL leaves a marker the next run finds ([`teardown`]).

mod clients;
mod cluster_file;
mod command;
mod etcd;
mod faults;
mod http;
mod leader;
mod nodes;
mod proxy;
mod rules;
pub mod teardown;
mod topology;

use std::collections::BTreeMap;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

pub use cluster_file::{ClientAdapter, ClusterFile};
pub use etcd::ReadMode;
pub use leader::Failover;

use self::clients::{ClientEnv, Clients};
use self::faults::Faults;
use self::http::HttpConn;
use self::leader::Watcher;
use self::nodes::Nodes;
use self::topology::Topology;
use super::clock::Clock;
use super::nemesis::{self, FaultKind};
use super::outcome::{OpStats, RunOutcome, RunStatus};
use super::plan::RunPlan;
use super::recorder::Recorder;
use super::store::Store;
use super::workload::{WorkloadCheck, WorkloadName};
use super::{rng, RunError, RunOptions, StopHandle, Stream};
use crate::checker::Verdict;
use crate::history::{format, Format};

/// What the real-network backend adds to a plan.
#[derive(Clone, Debug)]
pub struct NetnsOptions {
    /// The cluster file.
    pub cluster: ClusterFile,
    /// How the etcd adapter reads.
    pub read_mode: ReadMode,
}

/// A real-network run's outcome: the common one, and what only this backend measures.
#[derive(Debug)]
pub struct NetnsOutcome {
    /// Verdict, counters, store (as for the router backend).
    pub outcome: RunOutcome,
    /// Time to a new leader after each fault that took the leader away.
    pub failovers: Vec<Failover>,
    /// Completed (`ok`) client operations per second of the client phase.
    pub ok_per_second: f64,
    /// The run's namespace prefix.
    pub prefix: String,
    /// Nodes that exited on their own: `(node id, exit status)`.
    pub node_exits: Vec<(String, String)>,
}

/// Runs `plan` on real namespaces. `Err` only when the run cannot start (missing tools, bad
/// plan, unwritable store); once started, a failure is the outcome's status, after cleanup.
pub fn run(
    plan: &RunPlan,
    net: &NetnsOptions,
    options: RunOptions,
) -> Result<NetnsOutcome, RunError> {
    plan.validate()?;
    let cluster = &net.cluster;
    if plan.workload != WorkloadName::LinKv {
        return Err(RunError::Netns(format!(
            "the {} client adapter runs the lin-kv workload, not {}",
            "etcd",
            plan.workload.name()
        )));
    }
    if let Some(kind) = plan.nemesis.iter().find(|k| k.is_targeted()) {
        return Err(RunError::Netns(format!(
            "--nemesis {} reacts to each message, which needs the router (--net router)",
            kind.name()
        )));
    }
    if plan.nemesis.contains(&FaultKind::Latency) && cluster.peer_port.is_none() {
        return Err(RunError::Netns(format!(
            "the latency fault delays node-to-node traffic in a proxy, which needs `peer_port` \
             in {}",
            cluster.path.display()
        )));
    }
    if plan.node_count != cluster.nodes {
        return Err(RunError::Plan(format!(
            "--node-count {} differs from the {} nodes of {}",
            plan.node_count,
            cluster.nodes,
            cluster.path.display()
        )));
    }
    command::preflight(&cluster.argv[0])?;
    for message in teardown::clean_stale() {
        eprintln!("splitbrain: {message}");
    }
    let store = Store::create(&plan.store, plan.workload.name())?;
    if options.handle_signals {
        listen_for_signals(options.stop.clone())?;
    }
    let started = Instant::now();
    let stop = options.stop.clone();
    let progress = options.progress.clone();
    let recorder = Arc::new(Recorder::new(
        Clock::start(),
        Some(store.create_file("history.jsonl")?),
    ));
    let prefix = teardown::fresh_prefix();
    let mut run = Run {
        plan,
        cluster,
        read_mode: net.read_mode,
        store: store.clone(),
        recorder: recorder.clone(),
        options: &options,
        applied: Vec::new(),
        reports: Vec::new(),
        workload: None,
        client_time: Duration::ZERO,
        node_exits: Vec::new(),
    };
    let result = run.phases(&prefix);
    recorder.flush();
    let history = recorder.history();
    let mut file = store.create_file("history.edn")?;
    format::write(&history, Format::Edn, &mut file).map_err(|source| RunError::Store {
        path: store.path("history.edn"),
        source,
    })?;
    let interrupted = stop.is_stopped();
    let status = match (result, run.workload.take()) {
        (Err(e), _) => RunStatus::Failed(e),
        (Ok(()), None) => RunStatus::Failed(RunError::Netns("no client ran".into())),
        (Ok(()), Some(workload)) => {
            progress.set_phase("checking");
            match workload.check(&history, !interrupted) {
                Ok(c) => RunStatus::Checked(c),
                Err(e) => RunStatus::Failed(e.into()),
            }
        }
    };
    let mut outcome = RunOutcome {
        store: store.dir().to_path_buf(),
        seed: plan.seed,
        replay: replay_command(plan, net),
        status,
        interrupted,
        ops: OpStats::of(&history),
        net: Default::default(),
        faults: run.applied.clone(),
        elapsed: started.elapsed(),
    };
    if let RunStatus::Checked(c) = &mut outcome.status {
        demote_unproven(c, &outcome.ops, interrupted);
    }
    let failovers = leader::failovers(&run.reports, &run.applied, cluster.nodes);
    let ok_per_second = if run.client_time.is_zero() {
        0.0
    } else {
        history
            .events
            .iter()
            .filter(|e| e.kind == crate::history::EventKind::Ok)
            .count() as f64
            / run.client_time.as_secs_f64()
    };
    let mut results = outcome.results_json();
    results["netns"] = json!({
        "cluster": cluster.path,
        "prefix": prefix,
        "read_mode": match net.read_mode {
            ReadMode::Linearizable => "linearizable",
            ReadMode::Serializable => "serializable",
        },
        "ok_per_second": ok_per_second,
        "leader_failovers": failovers,
        // Nodes that exited on their own (a crash is a finding, not a harness error).
        "node_exits": run.node_exits.iter().map(|(i, status)| json!({
            "node": super::protocol::node_id(*i), "status": status,
        })).collect::<Vec<Json>>(),
        "leader_reports": run.reports.iter().map(|r| json!({
            "at": r.at.as_secs_f64(), "node": super::protocol::node_id(r.node),
            "leader": r.leader.to_string(),
        })).collect::<Vec<Json>>(),
    });
    let path = store.path("results.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&results).unwrap_or_default(),
    )
    .map_err(|source| RunError::Store { path, source })?;
    Ok(NetnsOutcome {
        outcome,
        failovers,
        ok_per_second,
        prefix,
        node_exits: run
            .node_exits
            .iter()
            .map(|(i, s)| (super::protocol::node_id(*i), s.clone()))
            .collect(),
    })
}

/// As for the router backend: a valid verdict needs successful operations and a whole run.
fn demote_unproven(c: &mut WorkloadCheck, ops: &OpStats, interrupted: bool) {
    if c.verdict == Verdict::Valid && ops.ok == 0 {
        c.verdict = Verdict::Unknown;
        c.summary = format!("no operation succeeded ({})", c.summary);
    } else if c.verdict == Verdict::Valid && interrupted {
        c.verdict = Verdict::Unknown;
        c.summary = format!("interrupted; valid so far ({})", c.summary);
    }
}

/// The command that runs `plan` again on the same cluster file.
fn replay_command(plan: &RunPlan, net: &NetnsOptions) -> String {
    let mut p = plan.clone();
    p.node = super::NodeCommand::Bin(vec!["-".into()]);
    let base = p.replay_command();
    let base = base.strip_suffix(" --bin -").unwrap_or(&base);
    let mut words = vec![
        "--net".to_string(),
        "netns".into(),
        "--cluster".into(),
        net.cluster.path.display().to_string(),
    ];
    if net.read_mode == ReadMode::Serializable {
        words.push("--etcd-serializable-reads".into());
    }
    format!("{base} {}", super::shell_join(&words))
}

/// SIGINT and SIGTERM stop the run; a thread with its own small runtime listens.
fn listen_for_signals(stop: StopHandle) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("netns-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let registered = signal(SignalKind::interrupt())
                    .and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
                let (mut interrupt, mut terminate) = match registered {
                    Ok(s) => {
                        let _ = tx.send(Ok(()));
                        s
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                loop {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                    stop.stop();
                }
            })
        })
        .map_err(RunError::Runtime)?;
    rx.recv()
        .map_err(|_| RunError::Netns("the signal thread died".into()))?
        .map_err(RunError::Runtime)
}

/// One run's state across its phases.
struct Run<'a> {
    plan: &'a RunPlan,
    cluster: &'a ClusterFile,
    read_mode: ReadMode,
    store: Store,
    recorder: Arc<Recorder>,
    options: &'a RunOptions,
    applied: Vec<nemesis::Scheduled>,
    reports: Vec<leader::Report>,
    workload: Option<Box<dyn super::workload::Workload>>,
    client_time: Duration,
    node_exits: Vec<(usize, String)>,
}

impl Run<'_> {
    fn addrs(&self) -> Vec<SocketAddr> {
        (0..self.cluster.nodes)
            .map(|i| {
                SocketAddr::V4(SocketAddrV4::new(
                    self.cluster.ip(i),
                    self.cluster.client_port,
                ))
            })
            .collect()
    }

    /// Namespaces, nodes, clients and faults, then cleanup whatever happened.
    fn phases(&mut self, prefix: &str) -> Result<(), RunError> {
        let progress = self.options.progress.clone();
        let stop = self.options.stop.clone();
        progress.set_phase("creating namespaces");
        let proxies = self.plan.nemesis.contains(&FaultKind::Latency);
        let mut topology = Topology::create(prefix, self.cluster, proxies)?;
        let proxy_stop = StopHandle::default();
        let delays = match (proxies, self.cluster.peer_port) {
            (true, Some(port)) => {
                let delays = Arc::new(proxy::Delays::new(self.cluster.nodes));
                let layout = proxy::Layout {
                    nodes: (0..self.cluster.nodes)
                        .map(|i| self.cluster.ip(i))
                        .collect(),
                    aliases: (0..self.cluster.nodes)
                        .map(|i| self.cluster.alias(i))
                        .collect(),
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
        let nodes = Arc::new(Mutex::new(Nodes::new(
            self.cluster,
            &topology,
            self.store.clone(),
        )?));
        let result = self.with_nodes(&topology, &nodes, &stop, delays);
        progress.set_phase("stopping nodes");
        {
            let mut n = nodes.lock().unwrap_or_else(|e| e.into_inner());
            n.exited();
            self.node_exits = n.exits.clone();
            n.kill_all();
        }
        proxy_stop.stop();
        topology.remove();
        result
    }

    fn with_nodes(
        &mut self,
        topology: &Topology,
        nodes: &Arc<Mutex<Nodes>>,
        stop: &StopHandle,
        delays: Option<Arc<proxy::Delays>>,
    ) -> Result<(), RunError> {
        let plan = self.plan;
        let progress = self.options.progress.clone();
        progress.set_phase("starting nodes");
        {
            let mut n = nodes.lock().unwrap_or_else(|e| e.into_inner());
            for i in 0..self.cluster.nodes {
                n.start(i)?;
            }
        }
        self.wait_ready(topology, nodes, stop)?;
        if stop.is_stopped() {
            return Ok(());
        }
        let start = Instant::now();
        let watcher = Watcher::start(topology.client_ns(), &self.addrs(), start);
        let mut clients = Clients::start(
            plan.workload.build(plan),
            rng(plan.seed, Stream::Generator),
            ClientEnv {
                namespace: topology.client_ns().to_string(),
                addrs: self.addrs(),
                read_mode: self.read_mode,
                timeout: plan.rpc_timeout,
                concurrency: plan.concurrency,
                recorder: self.recorder.clone(),
                progress: progress.clone(),
            },
        )?;
        let schedule = nemesis::schedule(
            plan.seed,
            &plan.nemesis,
            plan.nemesis_interval,
            plan.time_limit,
            plan.node_count,
        );
        let mut faults = Faults {
            cluster: self.cluster,
            topology,
            nodes: nodes.clone(),
            recorder: self.recorder.clone(),
            progress: progress.clone(),
            active: BTreeMap::new(),
            applied: Vec::new(),
            delays,
        };
        progress.set_phase("clients");
        let deadline = start + plan.time_limit;
        let fault_result = std::thread::scope(|scope| {
            let nemesis = scope.spawn(|| faults.run(&schedule, start, stop));
            clients.run(plan.rate, deadline, stop);
            match nemesis.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        self.client_time = start.elapsed();
        progress.set_phase("healing");
        let healed = faults.heal(start);
        self.applied = faults.applied.clone();
        let result = fault_result.and(healed);
        if result.is_ok() && !stop.is_stopped() {
            progress.set_phase("recovery");
            let until = Instant::now() + plan.recovery_time;
            while Instant::now() < until && !stop.is_stopped() {
                std::thread::sleep(Duration::from_millis(50));
            }
            if !stop.is_stopped() {
                progress.set_phase("final reads");
                clients.run_final();
            }
        }
        self.reports = watcher.finish();
        self.workload = Some(clients.into_workload());
        result
    }

    /// Waits until every node answers its readiness probe; a node that exits first is an error
    /// naming its log.
    fn wait_ready(
        &self,
        topology: &Topology,
        nodes: &Mutex<Nodes>,
        stop: &StopHandle,
    ) -> Result<(), RunError> {
        let (ns, addrs) = (topology.client_ns().to_string(), self.addrs());
        let (path, expect) = (
            self.cluster.ready_path.clone(),
            self.cluster.ready_expect.clone(),
        );
        let deadline = Instant::now() + self.cluster.ready_timeout;
        let (tx, rx) = std::sync::mpsc::channel();
        // The prober stops on the run's stop, or on this one when a node exits.
        let (stop_run, give_up) = (stop.clone(), StopHandle::default());
        let give_up_probe = give_up.clone();
        let prober = std::thread::Builder::new()
            .name("netns-probe".into())
            .spawn(move || {
                if let Err(e) = topology::enter(&ns) {
                    let _ = tx.send(Err(e));
                    return;
                }
                for (i, addr) in addrs.into_iter().enumerate() {
                    let mut conn = HttpConn::new(addr);
                    loop {
                        let over = stop_run.is_stopped() || give_up_probe.is_stopped();
                        if over || Instant::now() > deadline {
                            let _ = tx.send(Ok(Some(i)));
                            return;
                        }
                        if let Ok((_, body)) = conn.get(&path, Duration::from_millis(500)) {
                            if String::from_utf8_lossy(&body).contains(&expect) {
                                break;
                            }
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                let _ = tx.send(Ok(None));
            })
            .map_err(|e| RunError::Netns(format!("cannot start the probe thread: {e}")))?;
        let outcome = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => break r,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let exited = nodes.lock().unwrap_or_else(|e| e.into_inner()).exited();
                    if let Some((i, status)) = exited.into_iter().next() {
                        give_up.stop();
                        let _ = prober.join();
                        let id = super::protocol::node_id(i);
                        return Err(RunError::Netns(format!(
                            "node {id} exited ({status}) before it was ready; see {}",
                            self.store.node_log(&id).display()
                        )));
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    break Err(RunError::Netns("the probe thread died".into()))
                }
            }
        };
        let _ = prober.join();
        match outcome? {
            None => Ok(()),
            Some(_) if stop.is_stopped() => Ok(()),
            Some(i) => Err(RunError::Netns(format!(
                "node {} did not answer GET {} with {:?} within {:?}; see {}",
                super::protocol::node_id(i),
                self.cluster.ready_path,
                self.cluster.ready_expect,
                self.cluster.ready_timeout,
                self.store.node_log(&super::protocol::node_id(i)).display()
            ))),
        }
    }
}
