//! `splitbrain run`: real node processes, an in-process network with faults, client workloads,
//! a nemesis, the recorded history and its check.
//!
//! Map of this module, in reading order:
//! - [`run`], [`RunOptions`], [`StopHandle`] (here): the entry point;
//! - [`RunPlan`], [`NodeCommand`] (`plan.rs`): what to run, validated; the replay command;
//! - [`protocol`]: Maelstrom's fixed parts (ids, `init`, the error-code table);
//! - `driver.rs`: the phases of a run, and cleanup whatever ends it;
//! - `cluster.rs` + `cluster/`: node processes (spawn, `init`, kill, restart, pause);
//! - [`net`]: the router: latency, loss, duplication, reordering, partitions, the journal, and
//!   Maelstrom's services;
//! - [`nemesis`]: the fault menu, partition shapes, the seeded schedule (pure), targeted nemeses
//!   that react to messages (Raft's Figure 8), and the executor;
//! - [`workload`]: generator + client + checker per workload (pure);
//! - `workers.rs`: the client dispatcher: rate, concurrency, timeouts, process ids;
//! - `client.rs`: one client connection (`c<k>`): request, matching reply, timeout;
//! - `recorder.rs`, `clock.rs`: the history as it happens, on a monotonic clock;
//! - [`Store`] (`store.rs`), [`RunOutcome`] (`outcome.rs`): the run's directory and results;
//! - [`RunError`] (`error.rs`): why a run could not give a verdict.
//!
//! Randomness: every random choice derives from [`RunPlan::seed`], one independent stream per
//! consumer (network, nemesis, generator), so the fault schedule and the operations depend on
//! the seed alone, whatever the nodes do.

mod client;
mod clock;
mod cluster;
mod driver;
mod error;
pub mod json;
pub mod nemesis;
pub mod net;
pub mod netns;
mod outcome;
mod plan;
mod progress;
pub mod protocol;
mod recorder;
mod store;
mod workers;
pub mod workload;

use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use error::{FailureKind, NodeFailure, RunError};
pub use outcome::{OpStats, RunOutcome, RunStatus};
pub use plan::{format_duration, shell_join, NodeCommand, RunPlan};
pub use progress::RunProgress;
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

/// How a run is watched and stopped. `Default`: fresh counters, no signal handling.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Counters to poll while the run goes on.
    pub progress: Arc<RunProgress>,
    /// Stops the run early.
    pub stop: StopHandle,
    /// Whether SIGINT and SIGTERM stop the run (the command line sets this).
    pub handle_signals: bool,
}

/// Runs `plan`: creates its store directory, runs the nodes, records and checks the history.
///
/// `Err` only when the run could not start (invalid plan, unwritable store); a run that starts
/// always returns an outcome, whose status is the verdict or the error that stopped it.
pub fn run(plan: &RunPlan, options: RunOptions) -> Result<RunOutcome, RunError> {
    plan.validate()?;
    let store = Store::create(&plan.store, plan.workload.name())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("splitbrain-run")
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let outcome = runtime.block_on(driver::run(plan, store, options));
    // An interrupted check may still be running on a blocking thread: do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(200));
    outcome
}
