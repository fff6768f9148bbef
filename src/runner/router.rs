//! The router backend (`--net router`, the default): Maelstrom-protocol node processes talk
//! over stdin/stdout, and every message between nodes, clients and services passes through one
//! router task, which applies latency, loss, duplication, reordering and partitions (drawn from
//! one seeded RNG), logs every message to `messages.jsonl`, and runs Maelstrom's services. No
//! root needed.
//!
//! Map of this module, in reading order:
//! - [`RouterBackend`] (here): the [`Backend`] and its [`Cluster`];
//! - `nodes.rs` + `nodes/`: node processes (spawn, `init`, kill, restart, pause);
//! - `faults.rs`: partitions, loss, latency and targeted nemeses, as commands to the router task;
//! - `clients.rs`: client connections (`c<k>`): request, matching reply, timeout;
//! - `task.rs`: the router task that ties the rest together, and its handle;
//! - `links.rs`: the pure per-message decisions (drop, delay, duplicate; blocked by a partition);
//! - `delay.rs`: the heap of messages waiting for their delivery time;
//! - `journal.rs`: `messages.jsonl`;
//! - `services.rs` + `services/`: `lin-kv`, `seq-kv`, `lww-kv`, `lin-tso` as pure state machines.
//!
//! The standing network it applies is the plan's [`NetOptions`](super::NetOptions); what it
//! counted comes back as [`NetStats`](super::NetStats).
//!
//! Maelstrom's rules, kept here: messages with a client at either end get no latency and no
//! faults (only a targeted nemesis may drop a client's request); services get latency but are
//! never partitioned (nor, here, subject to loss or duplication); partitions drop messages when
//! they are delivered, so messages already in flight are lost when a partition starts.

mod clients;
mod delay;
mod faults;
pub(crate) mod journal;
pub(crate) mod links;
mod nodes;
mod services;
pub(crate) mod task;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Mutex};

pub use clients::RouterClient;

use self::clients::ClientIds;
use self::nodes::{Nodes, StartOptions};
use self::task::RouterHandle;
use super::backend::{Backend, BackendSummary, Cluster, StartContext};
use super::clock_skew;
use super::effect::Effect;
use super::error::NodeFailure;
use super::lose_unsynced;
use super::nemesis::targeted::Step;
use super::nemesis::{ClockFault, FaultKind, Grudge, Scheduled, TargetedNemesis};
use super::plan::RunPlan;
use super::{rng, RunError, Stream};

/// A line on its way to a node or a client.
pub(crate) type Line = Arc<[u8]>;

/// The router backend. Everything it needs is in the plan: the node program
/// ([`RunPlan::node`]) and the standing network ([`RunPlan::net`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct RouterBackend;

impl Backend for RouterBackend {
    type Cluster = RouterCluster;

    fn validate(&self, plan: &RunPlan) -> Result<(), RunError> {
        if plan.nemesis.contains(&FaultKind::LoseUnsynced)
            && !matches!(plan.node, super::plan::NodeCommand::Named { .. })
        {
            return Err(RunError::Plan(
                "--nemesis lose-unsynced drops what a node wrote but did not fsync. On the router \
                 it needs `--node NAME` (a node of `splitbrain node`), whose store keeps the two \
                 apart; any other program needs --net netns with `lazyfs = true` in the cluster \
                 file (a lazy filesystem on its data directory)"
                    .into(),
            ));
        }
        if plan.nemesis.contains(&FaultKind::Clock) && !host_clocks(plan) {
            let argv = plan.node.argv(std::path::Path::new("."), plan.seed);
            let program = argv.first().map(|p| p.to_string_lossy().into_owned());
            clock_skew::check(program.as_deref().unwrap_or(""))?;
            clock_skew::refuse_rate(&plan.clock_faults)?;
        }
        Ok(())
    }

    fn single_threaded(&self) -> bool {
        true
    }

    fn replay_args(&self, plan: &RunPlan) -> Vec<String> {
        plan.node.replay_args()
    }

    async fn start(self, ctx: StartContext) -> Result<RouterCluster, RunError> {
        let plan = &ctx.plan;
        let journal = journal::Journal::new(Some(ctx.store.create_file("messages.jsonl")?));
        let router = task::start(
            plan.node_count,
            links::Links::new(plan.net),
            rng(plan.seed, Stream::Net),
            journal,
            ctx.clock,
            matches!(plan.node, super::plan::NodeCommand::Named { .. }),
        );
        let clients = Arc::new(ClientIds::default());
        let (failures, failed) = mpsc::unbounded_channel();
        let nodes = Nodes::new(
            plan.node.clone(),
            plan.node_count,
            ctx.store.clone(),
            router.clone(),
            clients.clone(),
            failures,
            StartOptions {
                init_timeout: plan.init_timeout,
                seed: plan.seed,
                libfaketime: if plan.nemesis.contains(&FaultKind::Clock) && !host_clocks(plan) {
                    Some(clock_skew::libfaketime().map_err(RunError::Clock)?)
                } else {
                    None
                },
                host_clock: host_clocks(plan).then(|| ctx.store.path("clock")),
            },
        );
        Ok(RouterCluster {
            router,
            baselines: faults::Baselines::default(),
            nodes,
            clients,
            failed: Mutex::new(failed),
        })
    }
}

/// Whether the run's nodes own their clocks: reference nodes under `--nemesis clock` (their
/// host runs their timers on a clock the harness sets, [`crate::runner::host_clock`]).
fn host_clocks(plan: &RunPlan) -> bool {
    plan.nemesis.contains(&FaultKind::Clock)
        && matches!(plan.node, super::plan::NodeCommand::Named { .. })
}

/// The router's running cluster: node processes and the router task.
pub struct RouterCluster {
    router: RouterHandle,
    baselines: faults::Baselines,
    nodes: Nodes,
    clients: Arc<ClientIds>,
    failed: Mutex<mpsc::UnboundedReceiver<NodeFailure>>,
}

impl Cluster for RouterCluster {
    type Client = RouterClient;

    async fn start_node(&self, i: usize) -> Result<(), RunError> {
        self.nodes.start(i).await
    }

    async fn kill_node(&self, i: usize) -> Effect {
        self.nodes.kill(i).await
    }

    async fn lose_unsynced(&self, i: usize, seed: u64) -> Effect {
        let killed = self.nodes.kill(i).await;
        let dir = match self.nodes.data_dir(i) {
            Ok(dir) => dir,
            Err(e) => {
                return Effect::missed(vec![("error", crate::history::Value::str(e.to_string()))])
            }
        };
        let lost = tokio::task::spawn_blocking(move || lose_unsynced::discard(&dir, seed))
            .await
            .unwrap_or_else(|_| {
                Effect::missed(vec![("error", crate::history::Value::str("not discarded"))])
            });
        Effect {
            took: match (lost.took, killed.took) {
                (Some(lost), Some(killed)) => Some(lost && killed),
                (lost, _) => lost,
            },
            evidence: lost.evidence.into_iter().chain(killed.evidence).collect(),
        }
    }

    fn node_pid(&self, i: usize) -> Option<i32> {
        self.nodes.pid(i)
    }

    fn host_clock_file(&self, i: usize) -> Option<std::path::PathBuf> {
        self.nodes.host_clock_file(i)
    }

    fn clock_faults(&self) -> &'static [ClockFault] {
        if self.nodes.host_clock_file(0).is_some() {
            &ClockFault::ALL
        } else {
            &[ClockFault::Bump, ClockFault::Strobe]
        }
    }

    async fn pause_node(&self, i: usize) -> Effect {
        self.nodes.pause(i).await
    }

    async fn resume_node(&self, i: usize) -> Effect {
        self.nodes.resume(i).await
    }

    async fn partition(&self, grudge: Option<&Grudge>) -> Result<Effect, RunError> {
        Ok(faults::partition(&self.router, &self.baselines, grudge).await)
    }

    async fn loss(&self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError> {
        Ok(faults::loss(&self.router, &self.baselines, nodes, p).await)
    }

    async fn latency(&self, nodes: &[usize], extra: Option<Duration>) -> Result<Effect, RunError> {
        Ok(faults::latency(&self.router, &self.baselines, nodes, extra).await)
    }

    fn install_targeted(
        &self,
        nemesis: Box<dyn TargetedNemesis>,
    ) -> Result<mpsc::UnboundedReceiver<Step>, RunError> {
        Ok(faults::install_targeted(&self.router, nemesis))
    }

    fn remove_targeted(&self) {
        faults::remove_targeted(&self.router);
    }

    fn client(&self) -> RouterClient {
        RouterClient::new(self.router.clone(), self.clients.clone())
    }

    async fn failure(&self) -> RunError {
        match self.failed.lock().await.recv().await {
            Some(failure) => failure.into(),
            None => std::future::pending().await,
        }
    }

    async fn shutdown(&self, _applied: &[Scheduled]) -> BackendSummary {
        self.nodes.shutdown().await;
        BackendSummary {
            net: self.router.finish().await,
            ..BackendSummary::default()
        }
    }
}
