//! What a backend gives the run skeleton ([`run`](super::run)): a [`Backend`] is checked against
//! the plan and started into a [`Cluster`]; the cluster starts, stops and pauses nodes, applies
//! and heals network faults, and hands out [`Client`]s, through which an operation reaches a
//! node. Everything else — dispatching operations, recording them, scheduling and pairing
//! faults, final reads, checking, `results.json` — is the skeleton's, so it is the same on
//! every backend.
//!
//! Two backends implement this: [`router`](super::router) (Maelstrom-protocol processes on
//! stdin/stdout, an in-process network) and [`netns`](super::netns) (real programs in network
//! namespaces, faults by iptables and signals, clients through a system adapter).

use std::future::Future;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::mpsc;

use super::clock::Clock;
use super::effect::Effect;
use super::nemesis::targeted::Step;
use super::nemesis::{ClockFault, Grudge, Scheduled, TargetedNemesis};
use super::net_stats::NetStats;
use super::plan::RunPlan;
use super::store::Store;
use super::workload::{Completion, Invocation};
use super::{RunError, StopHandle};

/// A backend before it runs: what it refuses, how to replay it, and how it starts.
pub trait Backend: Send + 'static {
    /// The running cluster.
    type Cluster: Cluster;

    /// Refuses a plan this backend cannot run (a workload its clients do not speak, a fault it
    /// cannot inject), before anything is created.
    fn validate(&self, plan: &RunPlan) -> Result<(), RunError>;

    /// Checks the machine (tools, privileges) and removes leftovers of killed runs, before the
    /// store is created; returns what it wants the user told.
    fn preflight(&self, _plan: &RunPlan) -> Result<Vec<String>, RunError> {
        Ok(Vec::new())
    }

    /// Whether the run's event loop is one thread. One thread hands a line from a client to a
    /// node and back without waking another thread, which sets the harness's latency per
    /// operation (measured by `cargo bench --bench runner`: p50 and p99 both several times lower
    /// than on two worker threads, on a loaded machine too, at the same throughput). Only a
    /// backend whose every wait is asynchronous can say yes: one that blocks its thread
    /// (`block_in_place` around iptables or ssh) needs the two-thread runtime.
    fn single_threaded(&self) -> bool {
        false
    }

    /// The words that select this backend and its node programs in a replay command
    /// (`--node raft`, `--net netns --cluster FILE`).
    fn replay_args(&self, plan: &RunPlan) -> Vec<String>;

    /// Builds the network; no node is started yet. Whatever it created is removed when the
    /// returned cluster is shut down or dropped, and when this fails.
    fn start(
        self,
        ctx: StartContext,
    ) -> impl Future<Output = Result<Self::Cluster, RunError>> + Send;
}

/// What a backend gets when it starts.
#[derive(Clone, Debug)]
pub struct StartContext {
    /// The plan (validated).
    pub plan: RunPlan,
    /// The run's directory: node logs, data directories, `messages.jsonl`.
    pub store: Store,
    /// The run's clock (the history's times).
    pub clock: Clock,
}

/// A running cluster: its nodes, its network, its clients.
///
/// Node operations take the node's slot (0 is `n0`). Dropping the cluster kills every process
/// and removes everything the backend created, so nothing outlives a run that panics.
pub trait Cluster: Send + Sync + 'static {
    /// A client connection.
    type Client: Client;

    /// Starts (or restarts, with the same id and data directory) node `i`; for a protocol with
    /// a handshake (Maelstrom's `init`), waits for it.
    fn start_node(&self, i: usize) -> impl Future<Output = Result<(), RunError>> + Send;

    /// SIGKILLs node `i` (a no-op when it is down); the exit seen.
    fn kill_node(&self, i: usize) -> impl Future<Output = Effect> + Send;

    /// A power failure on node `i`: SIGKILL, then what it wrote but did not sync is dropped
    /// (how much: from `seed`); it is not restarted. The evidence: the exit seen and the bytes
    /// dropped. A backend without a lazy disk refuses `lose-unsynced` in
    /// [`Backend::validate`]; this default says so if it is reached anyway.
    fn lose_unsynced(&self, _i: usize, _seed: u64) -> impl Future<Output = Effect> + Send {
        async {
            Effect::missed(vec![(
                "error",
                crate::history::Value::str("this backend cannot drop unsynced writes"),
            )])
        }
    }

    /// SIGSTOPs node `i`; the process seen stopped.
    fn pause_node(&self, i: usize) -> impl Future<Output = Effect> + Send;

    /// SIGCONTs node `i`; the process seen running again.
    fn resume_node(&self, i: usize) -> impl Future<Output = Effect> + Send;

    /// Node `i`'s process id on this machine, when the backend knows it (the clock nemesis
    /// checks libfaketime is mapped in it).
    fn node_pid(&self, _i: usize) -> Option<i32> {
        None
    }

    /// Node `i`'s clock file when its host owns its clock (a reference node on the router:
    /// [`crate::runner::host_clock`]); `None` (the default): its clock is libfaketime's.
    fn host_clock_file(&self, _i: usize) -> Option<std::path::PathBuf> {
        None
    }

    /// The clock faults the nodes' clock mechanism can apply (what `--nemesis clock` draws from
    /// unless `--clock-faults` says otherwise). libfaketime (the default) has no rate: it counts
    /// a rate from the process's start, so a rate set mid-run steps the clock too.
    fn clock_faults(&self) -> &'static [ClockFault] {
        &[ClockFault::Bump, ClockFault::Strobe]
    }

    /// Sets node `i`'s clock `offset_ms` off the real one on the machine it runs on, with the
    /// offset read back; `None` (the default): the node runs here, and the skeleton sets the
    /// offset in the run's store, where the node's libfaketime reads it.
    fn set_clock(&self, _i: usize, _offset_ms: i64) -> impl Future<Output = Option<Effect>> + Send {
        async { None }
    }

    /// Waits until every started node serves clients (a readiness probe), or `stop`.
    fn wait_ready(&self, _stop: &StopHandle) -> impl Future<Output = Result<(), RunError>> + Send {
        async { Ok(()) }
    }

    /// Starts (`Some`) or heals (`None`) a partition among the nodes. Healing reports what it
    /// dropped while it lasted.
    fn partition(
        &self,
        grudge: Option<&Grudge>,
    ) -> impl Future<Output = Result<Effect, RunError>> + Send;

    /// Drops messages to and from `nodes` with probability `p` (`None`: stop dropping, and
    /// report what was dropped).
    fn loss(
        &self,
        nodes: &[usize],
        p: Option<f64>,
    ) -> impl Future<Output = Result<Effect, RunError>> + Send;

    /// Delays messages to and from `nodes` by `extra` more (`None`: back to normal, and report
    /// what was delayed).
    fn latency(
        &self,
        nodes: &[usize],
        extra: Option<Duration>,
    ) -> impl Future<Output = Result<Effect, RunError>> + Send;

    /// Installs a nemesis that sees every message and reports its steps. Only a backend that
    /// carries every message can; others refuse in [`Backend::validate`].
    fn install_targeted(
        &self,
        nemesis: Box<dyn TargetedNemesis>,
    ) -> Result<mpsc::UnboundedReceiver<Step>, RunError>;

    /// Removes the targeted nemesis (healing its partition); its step channel then closes.
    fn remove_targeted(&self) {}

    /// The client phase starts now: fault times count from here.
    fn clients_started(&self) {}

    /// A new client connection (not opened until it is used).
    fn client(&self) -> Self::Client;

    /// Resolves when the cluster can no longer give a meaningful run (a node broke the
    /// protocol); never, on a backend where a node's exit is a finding rather than an error.
    fn failure(&self) -> impl Future<Output = RunError> + Send;

    /// Kills every node and tears the network down; what the backend measured.
    fn shutdown(&self, applied: &[Scheduled]) -> impl Future<Output = BackendSummary> + Send;
}

/// What came back for one operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A Maelstrom reply body: the workload's client turns it into a completion.
    Body(Json),
    /// The completion, decided by a system adapter that speaks the system's own protocol.
    Done(Completion),
    /// No reply within the timeout.
    Timeout,
}

/// One operation on its way: where it goes, what it is, and how long to wait for it.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The node's slot.
    pub node: usize,
    /// The operation.
    pub op: &'a Invocation,
    /// Its Maelstrom request body (the workload's client); a system adapter may speak the
    /// system's own protocol from `op` instead.
    pub request: &'a Json,
    /// How long to wait for the reply.
    pub timeout: Duration,
}

/// One client connection: a logical client of the workload (Jepsen's process).
pub trait Client: Send + 'static {
    /// Sends one operation and waits for its reply.
    fn call(&mut self, call: Call<'_>) -> impl Future<Output = Reply> + Send;

    /// Sends a workload's setup request (a Maelstrom body, in `call.request`; `call.op` is a
    /// placeholder) to `call.node`: the reply body, or why there is none.
    fn setup(&mut self, call: Call<'_>) -> impl Future<Output = Result<Json, String>> + Send;

    /// After an operation ended `info`: the next call goes out on a fresh connection (a new
    /// client id), since the old one may still carry the late answer.
    fn reset(&mut self);
}

/// What a backend measured, given back when its cluster shuts down.
#[derive(Clone, Debug, Default)]
pub struct BackendSummary {
    /// Network counters (the router's).
    pub net: NetStats,
    /// A section of `results.json` of the backend's own (`"netns": {...}`).
    pub section: Option<(&'static str, Json)>,
    /// Lines for the terminal (a node that exited on its own, time to a new leader).
    pub notes: Vec<String>,
}
