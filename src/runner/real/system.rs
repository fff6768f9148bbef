//! [`System`]: the system under test as both real-network backends see it — its cluster file
//! and the adapter its clients speak — with what they check and do the same way: which plans
//! they refuse, how a run is replayed, where clients connect, and the leader watcher.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::clients::AdapterClient;
use super::cluster_file::ClusterFile;
use super::leader::{Report, Watcher};
use super::namespace::enter_if;
use crate::runner::nemesis::FaultKind;
use crate::runner::plan::{NetOptions, RunPlan};
use crate::runner::protocol::node_id;
use crate::runner::systems::{self, AdapterOptions, Settings, SystemAdapter};
use crate::runner::RunError;

/// A cluster file and its adapter.
pub struct System {
    /// The cluster file.
    pub config: ClusterFile,
    /// The adapter named in it.
    pub adapter: Arc<dyn SystemAdapter>,
    /// The adapter's settings: its defaults, the file's `[settings]`, the command line's.
    pub settings: Settings,
    /// The command line's `--set KEY=VALUE` (for the replay command).
    overrides: Vec<(String, String)>,
    /// The backend's name (`netns`, `ssh`), for messages and replay commands.
    pub net: &'static str,
    /// How the backend's errors are made (`RunError::Netns`, `RunError::Ssh`).
    pub error: fn(String) -> RunError,
}

impl System {
    /// The system of `config` on backend `net`, its adapter set up with `options`.
    pub fn new(
        config: ClusterFile,
        options: AdapterOptions,
        net: &'static str,
        error: fn(String) -> RunError,
    ) -> Result<System, RunError> {
        let kind = systems::kind(&config.client)
            .ok_or_else(|| error(format!("no client adapter {:?}", config.client)))?;
        let addrs = client_addrs(&config);
        let (adapter, settings) = kind
            .build(&config.settings, &options, &addrs)
            .map_err(|e| RunError::Plan(format!("--set: {e}")))?;
        Ok(System {
            config,
            adapter: Arc::from(adapter),
            settings,
            overrides: options.settings,
            net,
            error,
        })
    }

    /// What every real network refuses: a workload the adapter does not speak, a targeted
    /// nemesis (it needs to see every message), the router's standing network options, and a
    /// node count the cluster file does not have.
    pub fn validate(&self, plan: &RunPlan) -> Result<(), RunError> {
        self.adapter.supports(plan.workload).map_err(self.error)?;
        if let Some(kind) = plan.nemesis.iter().find(|k| k.is_targeted()) {
            return Err(self.refuse_targeted(Some(kind.name())));
        }
        if plan.nemesis.contains(&FaultKind::Membership) {
            return Err((self.error)(
                "--nemesis membership sends Maelstrom `join` / `leave` requests to n0 through a \
                 client; this network's clients speak the system's own protocol: use the router \
                 (--node hash-ring)"
                    .into(),
            ));
        }
        if plan.net != NetOptions::default() {
            return Err((self.error)(
                "--latency, --loss, --duplicate and --reorder shape the router's network; on a \
                 real network use --nemesis latency or loss"
                    .into(),
            ));
        }
        if plan.node_count != self.config.nodes {
            return Err(RunError::Plan(format!(
                "--node-count {} differs from the {} nodes of {}",
                plan.node_count,
                self.config.nodes,
                self.config.path.display()
            )));
        }
        Ok(())
    }

    /// The error for a targeted nemesis (of `kind`, when known).
    pub fn refuse_targeted(&self, kind: Option<&str>) -> RunError {
        let what = kind.map_or("a targeted nemesis".to_string(), |k| {
            format!("--nemesis {k}")
        });
        (self.error)(format!(
            "{what} reacts to each message, which needs the router (--net router)"
        ))
    }

    /// `--net NET --cluster FILE`, the command line's `--set`s, and the node program when the
    /// file runs the command line's (last: `--bin` takes the rest of the line).
    pub fn replay_args(&self, plan: &RunPlan) -> Vec<String> {
        let mut args = vec![
            "--net".to_string(),
            self.net.into(),
            "--cluster".into(),
            self.config.path.display().to_string(),
        ];
        for (key, value) in &self.overrides {
            args.extend(["--set".to_string(), format!("{key}={value}")]);
        }
        if self.config.takes_program() {
            args.extend(plan.node.replay_args());
        }
        args
    }

    /// Each node's client address.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        client_addrs(&self.config)
    }

    /// Prepares every node for the workload ([`SystemAdapter::prepare`]) from a thread in
    /// `namespace` (if any), each within the cluster file's readiness timeout.
    pub fn prepare(&self, namespace: Option<&str>) -> Result<(), RunError> {
        let (adapter, addrs, timeout) = (&*self.adapter, self.addrs(), self.config.ready_timeout);
        std::thread::scope(|scope| {
            let preparing = scope.spawn(|| {
                enter_if(namespace)?;
                for (i, addr) in addrs.iter().enumerate() {
                    let deadline = Instant::now() + timeout;
                    adapter
                        .prepare(i, *addr, deadline)
                        .map_err(|message| RunError::Setup {
                            node: node_id(i),
                            message,
                        })?;
                }
                Ok(())
            });
            preparing
                .join()
                .unwrap_or_else(|_| Err((self.error)("the prepare thread panicked".into())))
        })
    }

    /// A client whose thread works in `namespace` (if any).
    pub fn client(&self, namespace: Option<String>) -> AdapterClient {
        AdapterClient::start(namespace, self.addrs(), self.adapter.clone())
    }
}

/// Each node's client address in `config`.
fn client_addrs(config: &ClusterFile) -> Vec<SocketAddr> {
    (0..config.nodes)
        .map(|i| SocketAddr::V4(SocketAddrV4::new(config.ip(i), config.client_port)))
        .collect()
}

/// The leader watcher of a running cluster, if its adapter reports leaders.
#[derive(Default)]
pub struct Watching(Mutex<Option<Watcher>>);

impl Watching {
    /// Starts watching from `namespace` (if any); reports count from now.
    pub fn start(&self, system: &System, namespace: Option<&str>) {
        if system.adapter.reports_leaders() {
            let w = Watcher::start(
                namespace,
                &system.addrs(),
                system.adapter.clone(),
                Instant::now(),
            );
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
        }
    }

    /// Stops watching; the reports, in time order.
    pub fn finish(&self) -> Vec<Report> {
        (self.0.lock().unwrap_or_else(|e| e.into_inner()).take())
            .map(Watcher::finish)
            .unwrap_or_default()
    }
}
