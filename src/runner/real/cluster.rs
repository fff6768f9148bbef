//! [`RealCluster`]: the one [`Cluster`] of the real-network backends. A backend supplies its
//! [`Machines`] — how node processes start, stop and pause, how faults are applied, how
//! everything is torn down — and the rest is the same for netns and ssh: clients through the
//! system's adapter, the readiness probe, the leader watcher, the results section.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value as Json};
use tokio::sync::mpsc;
use tokio::task::block_in_place;

use super::clients::AdapterClient;
use super::ready;
use super::summary::{summary, Collected};
use super::system::{System, Watching};
use crate::runner::backend::{BackendSummary, Cluster};
use crate::runner::effect::Effect;
use crate::runner::nemesis::targeted::Step;
use crate::runner::nemesis::{Grudge, Scheduled, TargetedNemesis};
use crate::runner::store::Store;
use crate::runner::{RunError, StopHandle};

/// A real network's node processes. Every method blocks (commands, ssh).
pub trait Processes: Send {
    /// How many nodes there are.
    fn count(&self) -> usize;

    /// Starts (or restarts, with the same data directory) node `i`.
    fn start(&mut self, i: usize) -> Result<(), RunError>;

    /// SIGKILLs node `i`'s process group (a no-op when it is down); the exit seen.
    fn kill(&mut self, i: usize) -> Effect;

    /// SIGSTOPs node `i`'s process group; the process seen stopped.
    fn pause(&mut self, i: usize) -> Effect;

    /// SIGCONTs node `i`'s process group; the process seen running again.
    fn resume(&mut self, i: usize) -> Effect;

    /// Node `i`'s pid on this machine, when it runs here.
    fn pid(&self, _i: usize) -> Option<i32> {
        None
    }

    /// Sets node `i`'s clock `offset_ms` off the real one where the node runs; the offset read
    /// back. `None`: the node runs here and reads its offset from the run's store (the
    /// skeleton sets it).
    fn set_clock(&mut self, _i: usize, _offset_ms: i64) -> Option<Effect> {
        None
    }

    /// Nodes that exited on their own since the last call: `(index, status)`.
    fn exited(&mut self) -> Vec<(usize, String)>;

    /// Kills every node.
    fn kill_all(&mut self) {
        for i in 0..self.count() {
            let _ = self.kill(i);
        }
    }
}

/// A real network's machines: node processes and the faults between them. Every method blocks
/// (commands, ssh); the cluster calls them off the async threads.
pub trait Machines: Send + 'static {
    /// The node processes.
    type Processes: Processes;

    /// The node processes.
    fn processes(&mut self) -> &mut Self::Processes;

    /// Starts (`Some`) or heals (`None`) a partition; healing reports the packets it dropped.
    fn partition(&mut self, grudge: Option<&Grudge>) -> Result<Effect, RunError>;

    /// Drops a share `p` of `nodes`' packets (`None`: every node stops dropping, and the
    /// packets dropped are reported).
    fn loss(&mut self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError>;

    /// Delays `nodes`' links by `extra` (`None`: no delay, and what was delayed is reported).
    fn latency(&mut self, nodes: &[usize], extra: Option<Duration>) -> Result<Effect, RunError>;

    /// A power failure on node `i`'s disk (the node is down): what it held unsynced is dropped
    /// (how much: from `seed`). `None`: its data directory is no lazy filesystem.
    fn lose_unsynced(&mut self, _i: usize, _seed: u64) -> Option<Effect> {
        None
    }

    /// The network namespace clients, probes and watchers work from (`None`: this process's).
    fn namespace(&self) -> Option<String>;

    /// Kills every node and removes everything the run created (also on drop, which the
    /// implementation must see to). Called again it does nothing.
    fn teardown(&mut self);

    /// Fields of the backend's own for its section of `results.json`.
    fn describe(&self) -> Map<String, Json> {
        Map::new()
    }
}

/// A running real-network cluster.
pub struct RealCluster<M: Machines> {
    system: System,
    machines: Mutex<M>,
    prefix: String,
    store: Store,
    watching: Watching,
    /// Nodes that exited on their own (a finding, reported at the end): `(index, status)`.
    exits: Mutex<Vec<(usize, String)>>,
}

impl<M: Machines> RealCluster<M> {
    /// The cluster of `system` on `machines`, for the run named `prefix` storing into `store`.
    pub fn new(system: System, machines: M, prefix: String, store: Store) -> RealCluster<M> {
        RealCluster {
            system,
            machines: Mutex::new(machines),
            prefix,
            store,
            watching: Watching::default(),
            exits: Mutex::default(),
        }
    }

    fn machines(&self) -> std::sync::MutexGuard<'_, M> {
        self.machines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The nodes that exited on their own since the last look, noted.
    fn exited(&self) -> Vec<(usize, String)> {
        let new = self.machines().processes().exited();
        (self.exits.lock().unwrap_or_else(|e| e.into_inner())).extend(new.iter().cloned());
        new
    }
}

impl<M: Machines> Cluster for RealCluster<M> {
    type Client = AdapterClient;

    async fn start_node(&self, i: usize) -> Result<(), RunError> {
        block_in_place(|| self.machines().processes().start(i))
    }

    async fn kill_node(&self, i: usize) -> Effect {
        block_in_place(|| self.machines().processes().kill(i))
    }

    fn node_pid(&self, i: usize) -> Option<i32> {
        self.machines().processes().pid(i)
    }

    async fn lose_unsynced(&self, i: usize, seed: u64) -> Effect {
        block_in_place(|| {
            let mut machines = self.machines();
            let killed = machines.processes().kill(i);
            let lost = machines.lose_unsynced(i, seed).unwrap_or_else(|| {
                Effect::missed(vec![(
                    "error",
                    crate::history::Value::str("the data directory is no lazy filesystem"),
                )])
            });
            Effect {
                took: lost.took,
                evidence: lost.evidence.into_iter().chain(killed.evidence).collect(),
            }
        })
    }

    async fn pause_node(&self, i: usize) -> Effect {
        block_in_place(|| self.machines().processes().pause(i))
    }

    async fn resume_node(&self, i: usize) -> Effect {
        block_in_place(|| self.machines().processes().resume(i))
    }

    async fn wait_ready(&self, stop: &StopHandle) -> Result<(), RunError> {
        let (ns, addrs) = (self.machines().namespace(), self.system.addrs());
        let exited = || self.exited().into_iter().next();
        let config = &self.system.config;
        block_in_place(|| {
            ready::wait(config, ns.as_deref(), &addrs, exited, &self.store, stop)?;
            self.system.prepare(ns.as_deref())
        })
    }

    async fn partition(&self, grudge: Option<&Grudge>) -> Result<Effect, RunError> {
        block_in_place(|| self.machines().partition(grudge))
    }

    async fn loss(&self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError> {
        block_in_place(|| self.machines().loss(nodes, p))
    }

    async fn latency(&self, nodes: &[usize], extra: Option<Duration>) -> Result<Effect, RunError> {
        block_in_place(|| self.machines().latency(nodes, extra))
    }

    async fn set_clock(&self, i: usize, offset_ms: i64) -> Option<Effect> {
        block_in_place(|| self.machines().processes().set_clock(i, offset_ms))
    }

    fn install_targeted(
        &self,
        nemesis: Box<dyn TargetedNemesis>,
    ) -> Result<mpsc::UnboundedReceiver<Step>, RunError> {
        drop(nemesis);
        Err(self.system.refuse_targeted(None))
    }

    fn clients_started(&self) {
        let ns = self.machines().namespace();
        self.watching.start(&self.system, ns.as_deref());
    }

    fn client(&self) -> AdapterClient {
        self.system.client(self.machines().namespace())
    }

    async fn failure(&self) -> RunError {
        // A node that exits on its own is a finding (reported at the end), not a harness error.
        std::future::pending().await
    }

    async fn shutdown(&self, applied: &[Scheduled]) -> BackendSummary {
        let reports = self.watching.finish();
        let extra = block_in_place(|| {
            self.exited();
            let mut machines = self.machines();
            machines.teardown();
            machines.describe()
        });
        let exits = self.exits.lock().unwrap_or_else(|e| e.into_inner()).clone();
        summary(
            self.system.net,
            Collected {
                cluster: &self.system.config.path,
                prefix: &self.prefix,
                adapter: &*self.system.adapter,
                settings: &self.system.settings,
                exits: &exits,
                reports: &reports,
                applied,
                nodes: self.system.config.nodes,
                extra,
            },
        )
    }
}
