//! `splitbrain run`: real nodes under faults, a client workload, the recorded history and its
//! check — one run skeleton, several backends.
//!
//! Map of this module, in reading order:
//! - [`run()`], [`replay_command`], [`RunOptions`], [`StopHandle`] (here): the entry point;
//! - [`RunPlan`], [`NodeCommand`] (`plan.rs`): what to run, validated;
//! - `run.rs` + `run/`: THE skeleton, the same on every backend: the phases of a run
//!   (`run.rs`), the client dispatcher (`run/dispatch.rs`), the fault executor
//!   (`run/faults.rs`), the end of the run (`run/finish.rs`);
//! - [`Backend`], [`Cluster`], [`Client`] (`backend.rs`): what a backend supplies: nodes
//!   (start, kill, pause), faults (partition, loss, latency), clients (an operation to a node);
//! - [`router`]: the default backend: Maelstrom-protocol processes on stdin/stdout and an
//!   in-process network (its `nodes.rs`, `faults.rs`, `clients.rs`);
//! - [`netns`]: real programs in network namespaces, faults by iptables and signals (its
//!   `nodes.rs`, `faults.rs`, `clients.rs`);
//! - [`ssh`]: real programs on real hosts over ssh, Jepsen's shape (its `nodes.rs`,
//!   `faults.rs`);
//! - [`real`]: what the real-network backends share: the cluster file, iptables rules, the
//!   readiness probe, client threads, leader reports;
//! - [`systems`]: one client adapter per real system (etcd; Maelstrom over TCP), behind one
//!   small trait: what netns's clients speak;
//! - [`nemesis`]: the fault menu, partition shapes, the seeded schedule, targeted nemeses (pure);
//! - [`workload`]: generator + client protocol + checker per workload (pure);
//! - [`protocol`]: Maelstrom's fixed parts (ids, addresses, envelopes, the error-code table);
//! - [`effect`]: the evidence that a fault action took effect;
//! - [`clock_skew`]: the clock nemesis's per-node skew (libfaketime preloaded, one timestamp
//!   file per node), its read-back, and the refusal of programs it cannot move (Go, static);
//! - [`host_clock`]: the clock nemesis for reference nodes, whose host owns their clock (a
//!   per-node clock file, read back): bump, strobe and rate, no libfaketime;
//! - [`lazyfs`]: the lazy filesystem (unsynced writes held in memory, dropped by a power
//!   failure) mounted as each netns node's data directory for `--nemesis lose-unsynced`;
//! - `membership.rs`: the membership nemesis's `join` / `leave` requests to the coordinator;
//! - [`corrupt`]: the corrupt nemesis's file damage (a bit flip or a truncation, seeded) in a
//!   down node's data directory;
//! - `recorder.rs`, `clock.rs`: the history as it happens, on a monotonic clock;
//! - [`Store`] (`store.rs`), [`RunOutcome`] (`outcome.rs`), [`NetStats`] (`net_stats.rs`): the
//!   run's directory and results;
//! - [`RunError`] (`error.rs`): why a run could not give a verdict.
//!
//! Randomness: every random choice derives from [`RunPlan::seed`], one independent stream per
//! consumer (network, nemesis, generator), so the fault schedule and the operations depend on
//! the seed alone, whatever the nodes do.

mod backend;
mod clock;
pub mod clock_skew;
pub mod corrupt;
pub mod effect;
mod error;
pub mod host_clock;
pub mod json;
pub mod lazyfs;
pub mod lose_unsynced;
mod membership;
pub mod nemesis;
mod net_stats;
pub mod netns;
mod outcome;
mod plan;
mod progress;
pub mod protocol;
pub mod real;
mod recorder;
pub mod router;
mod run;
pub mod ssh;
mod store;
pub mod systems;
pub mod workload;

use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use backend::{Backend, BackendSummary, Call, Client, Cluster, Reply, StartContext};
pub use clock::Clock;
pub use error::{FailureKind, NodeFailure, RunError};
pub use net_stats::NetStats;
pub use outcome::{OpStats, RunOutcome, RunStatus, TraceCheck};
pub use plan::{shell_join, LatencyDist, NetOptions, NodeCommand, RunPlan};
pub use progress::RunProgress;
pub use router::RouterBackend;
pub use store::Store;

/// The independent random streams drawn from one seed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Message fates and services.
    Net = 1,
    /// The fault schedule.
    Nemesis = 2,
    /// The workload's operations and their timing.
    Generator = 3,
}

/// The RNG of `stream` under `seed`.
pub(crate) fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream as u64);
    r
}

/// Stops a run early, as SIGINT does: the run kills its nodes, saves the partial history and
/// returns.
#[derive(Clone, Debug)]
pub struct StopHandle(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for StopHandle {
    fn default() -> Self {
        StopHandle(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl StopHandle {
    /// Asks the run to stop.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    pub(crate) async fn wait(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|&stopped| stopped).await;
    }
}

/// Where what a backend wants the user told before the run goes (the leftovers of a killed run
/// it removed, ...). `Default`: nowhere.
#[derive(Clone, Default)]
pub struct Notices(Option<Arc<Tell>>);

type Tell = dyn Fn(&str) + Send + Sync;

impl Notices {
    /// Notices go to `tell`.
    pub fn new(tell: impl Fn(&str) + Send + Sync + 'static) -> Notices {
        Notices(Some(Arc::new(tell)))
    }

    fn tell(&self, notice: &str) {
        if let Some(tell) = &self.0 {
            tell(notice);
        }
    }
}

impl std::fmt::Debug for Notices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Notices(..)"
        } else {
            "Notices(none)"
        })
    }
}

/// How a run is watched and stopped. `Default`: fresh counters, no signal handling, notices
/// dropped.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Counters to poll while the run goes on.
    pub progress: Arc<RunProgress>,
    /// Stops the run early.
    pub stop: StopHandle,
    /// Whether SIGINT and SIGTERM stop the run (the command line sets this).
    pub handle_signals: bool,
    /// Where the backend's notices go.
    pub notices: Notices,
}

/// Runs `plan` on `backend`: checks both, creates the run's store directory, runs the nodes,
/// records and checks the history.
///
/// `Err` only when the run could not start (invalid plan, a backend that cannot run here,
/// unwritable store); a run that starts always returns an outcome, whose status is the verdict
/// or the error that stopped it.
pub fn run<B: Backend>(
    plan: &RunPlan,
    backend: B,
    options: RunOptions,
) -> Result<RunOutcome, RunError> {
    plan.validate()?;
    backend.validate(plan)?;
    for notice in backend.preflight(plan)? {
        options.notices.tell(&notice);
    }
    let replay = replay_command(plan, &backend);
    let store = Store::create(&plan.store, plan.workload.name())?;
    let mut builder = if backend.single_threaded() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut threads = tokio::runtime::Builder::new_multi_thread();
        threads.worker_threads(2);
        threads
    };
    let runtime = builder
        .thread_name("splitbrain-run")
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let outcome = runtime.block_on(async {
        if options.handle_signals {
            run::listen_for_signals(options.stop.clone())?;
        }
        run::run(plan, backend, replay, store, options).await
    });
    // An interrupted check may still be running on a blocking thread: do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(200));
    outcome
}

/// The command line that runs `plan` on `backend` again with the same seed: the same fault
/// schedule and the same operations (the interleaving of real processes may differ).
pub fn replay_command<B: Backend>(plan: &RunPlan, backend: &B) -> String {
    let mut words = vec!["splitbrain".to_string(), "run".into()];
    words.extend(plan.replay_args());
    words.extend(backend.replay_args(plan));
    shell_join(&words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::nemesis::FaultKind;
    use crate::runner::workload::WorkloadName;

    #[test]
    fn replay_command_names_seed_faults_and_puts_the_node_argv_last() {
        let mut p = RunPlan::new(
            WorkloadName::LinKv,
            NodeCommand::Bin(vec!["python3".into(), "my node.py".into(), "--x".into()]),
            3,
        );
        p.seed = 42;
        p.nemesis = vec![FaultKind::Partition, FaultKind::Kill];
        p.time_limit = Duration::from_millis(1500);
        let cmd = replay_command(&p, &RouterBackend);
        assert!(cmd.contains("--seed 42"), "{cmd}");
        assert!(cmd.contains("--nemesis partition,kill"), "{cmd}");
        assert!(cmd.contains("--time-limit 1.5s"), "{cmd}");
        assert!(cmd.ends_with("--bin python3 -- 'my node.py' --x"), "{cmd}");
    }
}
