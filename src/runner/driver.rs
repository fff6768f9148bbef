//! The run, phase by phase:
//!
//! 1. start the router (with its services) and every node; wait for every `init_ok`;
//! 2. workload setup (broadcast's `topology`);
//! 3. clients for `--time-limit`, with the nemesis running its schedule alongside;
//! 4. heal every fault; if the workload has final reads: the `--recovery-time` quiet period,
//!    then the final reads;
//! 5. kill every node, stop the router, write `history.edn`, check, write `results.json`.
//!
//! Phases 1–4 race against node failures (a node that exits, prints garbage or never answers
//! `init` stops the run with an error) and against interruption (SIGINT/SIGTERM or a
//! [`StopHandle`](super::StopHandle)): either way step 5 still runs, so no process survives and the partial history
//! is saved.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::client::{CallError, Conn};
use super::clock::Clock;
use super::cluster::{ClientIds, Cluster, StartOptions};
use super::nemesis::{self, apply::Nemesis, Scheduled};
use super::net::{self, Endpoint, Journal, Links, RouterHandle};
use super::outcome::{OpStats, RunOutcome, RunStatus};
use super::plan::{format_duration, RunPlan};
use super::recorder::Recorder;
use super::store::Store;
use super::workers::{WorkerEnv, Workers};
use super::workload::WorkloadCheck;
use super::{rng, RunError, RunOptions, Stream};
use crate::checker::Verdict;
use crate::history::{format, Format, History};

/// Runs `plan` into `store`.
pub(super) async fn run(
    plan: &RunPlan,
    store: Store,
    options: RunOptions,
) -> Result<RunOutcome, RunError> {
    let started = std::time::Instant::now();
    let stop = options.stop.clone();
    if options.handle_signals {
        listen_for_signals(stop.clone())?;
    }
    let progress = options.progress.clone();
    let clock = Clock::start();
    let recorder = Arc::new(Recorder::new(
        clock,
        Some(store.create_file("history.jsonl")?),
    ));
    let journal = Journal::new(Some(store.create_file("messages.jsonl")?));
    let router = net::start(
        plan.node_count,
        Links::new(plan.net),
        rng(plan.seed, Stream::Net),
        journal,
        clock,
    );
    let clients = Arc::new(ClientIds::default());
    let (failures, mut failed) = mpsc::unbounded_channel();
    let cluster = Arc::new(Cluster::new(
        plan.node.clone(),
        plan.node_count,
        store.clone(),
        router.clone(),
        clients.clone(),
        failures,
        StartOptions {
            init_timeout: plan.init_timeout,
            seed: plan.seed,
        },
    ));
    let mut workers = Workers::new(
        plan.workload.build(plan),
        rng(plan.seed, Stream::Generator),
        WorkerEnv {
            concurrency: plan.concurrency,
            node_count: plan.node_count,
            timeout: plan.effective_rpc_timeout(),
            router: router.clone(),
            clients: clients.clone(),
            recorder: recorder.clone(),
            progress: progress.clone(),
        },
    );
    let mut nemesis = Nemesis::new(
        cluster.clone(),
        router.clone(),
        recorder.clone(),
        progress.clone(),
    );
    let schedule = nemesis::schedule(
        plan.seed,
        &plan.nemesis,
        plan.nemesis_interval,
        plan.time_limit,
        plan.node_count,
    );
    let phases = Phases {
        plan,
        cluster: &cluster,
        router: &router,
        clients: &clients,
        progress: &progress,
    };
    let (result, interrupted) = tokio::select! {
        r = phases.run(&mut workers, &mut nemesis, &schedule) => (r, false),
        Some(failure) = failed.recv() => (Err(failure.into()), false),
        _ = stop.wait() => (Ok(()), true),
    };
    progress.set_phase("stopping nodes");
    cluster.shutdown().await;
    let net = router.finish().await;
    recorder.flush();
    let history = recorder.history();
    write_edn(&store, &history)?;
    let status = match result {
        Err(e) => RunStatus::Failed(e),
        Ok(()) => {
            progress.set_phase("checking");
            match check(workers, history.clone(), !interrupted, &stop).await {
                Ok(check) => RunStatus::Checked(check),
                Err(e) => RunStatus::Failed(e),
            }
        }
    };
    let mut outcome = RunOutcome {
        store: store.dir().to_path_buf(),
        seed: plan.seed,
        replay: plan.replay_command(),
        status,
        interrupted,
        ops: OpStats::of(&history),
        net,
        faults: nemesis.applied().to_vec(),
        elapsed: started.elapsed(),
    };
    if let RunStatus::Checked(c) = &mut outcome.status {
        if c.verdict == Verdict::Valid && outcome.ops.ok == 0 {
            c.verdict = Verdict::Unknown;
            c.summary = format!("no operation succeeded ({})", c.summary);
        } else if c.verdict == Verdict::Valid && interrupted {
            // A violation in a partial history is real; its absence proves nothing.
            c.verdict = Verdict::Unknown;
            c.summary = format!("interrupted; valid so far ({})", c.summary);
        }
    }
    let results = serde_json::to_vec_pretty(&outcome.results_json()).unwrap_or_default();
    let path = store.path("results.json");
    std::fs::write(&path, results).map_err(|source| RunError::Store { path, source })?;
    Ok(outcome)
}

/// SIGINT and SIGTERM stop the run (registered before any node starts).
fn listen_for_signals(stop: super::StopHandle) -> Result<(), RunError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(RunError::Runtime)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(RunError::Runtime)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            stop.stop();
        }
    });
    Ok(())
}

fn write_edn(store: &Store, history: &History) -> Result<(), RunError> {
    let mut file = store.create_file("history.edn")?;
    format::write(history, Format::Edn, &mut file).map_err(|source| RunError::Store {
        path: store.path("history.edn"),
        source,
    })
}

/// Runs the workload's checker off the async threads; an interruption gives up on it.
async fn check(
    workers: Workers,
    history: History,
    complete: bool,
    stop: &super::StopHandle,
) -> Result<WorkloadCheck, RunError> {
    let workload = workers.into_workload();
    let task = tokio::task::spawn_blocking(move || workload.check(&history, complete));
    tokio::select! {
        r = task => match r {
            Ok(r) => Ok(r?),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        },
        _ = stop.wait(), if complete => Ok(WorkloadCheck {
            verdict: Verdict::Unknown,
            summary: "the check was interrupted".into(),
            details: Json::Null,
        }),
    }
}

struct Phases<'a> {
    plan: &'a RunPlan,
    cluster: &'a Arc<Cluster>,
    router: &'a RouterHandle,
    clients: &'a Arc<ClientIds>,
    progress: &'a super::RunProgress,
}

impl Phases<'_> {
    async fn run(
        &self,
        workers: &mut Workers,
        nemesis: &mut Nemesis,
        schedule: &[Scheduled],
    ) -> Result<(), RunError> {
        let plan = self.plan;
        self.progress.set_phase("starting nodes");
        let mut starting = JoinSet::new();
        for i in 0..plan.node_count {
            let cluster = self.cluster.clone();
            starting.spawn(async move { cluster.start(i).await });
        }
        while let Some(started) = starting.join_next().await {
            match started {
                Ok(r) => r?,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        self.setup(workers).await?;
        self.progress.set_phase("clients");
        let start = Instant::now();
        let deadline = start + plan.time_limit;
        let targeted =
            nemesis::targeted::build(&plan.nemesis, plan.node_count, plan.nemesis_interval);
        tokio::try_join!(
            async {
                workers.run(plan.rate, deadline).await;
                Ok(())
            },
            async {
                match targeted {
                    Some((kind, t)) => {
                        nemesis.run_targeted(kind, t, start, deadline).await;
                        Ok(())
                    }
                    None => nemesis.run(schedule, start).await,
                }
            }
        )?;
        self.progress.set_phase("healing");
        nemesis.heal(start).await?;
        let finals = workers.final_ops(plan.node_count);
        if !finals.is_empty() {
            self.progress.set_phase("recovery");
            tokio::time::sleep(plan.recovery_time).await;
            self.progress.set_phase("final reads");
            workers.run_final(finals).await;
        }
        Ok(())
    }

    async fn setup(&self, workers: &Workers) -> Result<(), RunError> {
        let requests = workers.workload().setup(self.cluster.ids());
        if requests.is_empty() {
            return Ok(());
        }
        self.progress.set_phase("setup");
        let timeout = self
            .plan
            .effective_rpc_timeout()
            .max(Duration::from_secs(5));
        let mut conn = Conn::open(self.router, self.clients);
        for (node, body) in requests {
            let kind = body.get("type").and_then(Json::as_str).unwrap_or("");
            let want = format!("{kind}_ok");
            let error = |message: String| RunError::Setup {
                node: self.cluster.ids()[node].clone(),
                message,
            };
            match conn.call(Endpoint::Node(node), body.clone(), timeout).await {
                Ok(reply) if reply.get("type").and_then(Json::as_str) == Some(&want) => {}
                Ok(reply) => {
                    return Err(error(format!(
                        "expected {want} in reply to {body}, got {reply}"
                    )))
                }
                Err(CallError::Timeout) => {
                    return Err(error(format!(
                        "no reply to {body} within {}",
                        format_duration(timeout)
                    )))
                }
            }
        }
        Ok(())
    }
}
