//! The run skeleton, the same on every backend, phase by phase:
//!
//! 1. the backend builds its network ([`Backend::start`]); every node starts; the cluster is
//!    ready;
//! 2. workload setup (broadcast's `topology`), through a client;
//! 3. clients for `--time-limit` (`dispatch.rs`), with the nemesis running its schedule — or a
//!    targeted nemesis — alongside (`faults.rs`);
//! 4. every fault still active is healed; if the workload has final reads or a final phase:
//!    the `--recovery-time` quiet period, then the final reads, then the final phase (the
//!    generator in its final mode: kafka's catch-up polls);
//! 5. the cluster shuts down; the history is written, checked, and summed up in `results.json`
//!    (`finish.rs`).
//!
//! Phases 1–4 race against the cluster failing (a node that breaks the protocol) and against
//! interruption (SIGINT/SIGTERM or a [`StopHandle`]): either way step 5 still runs, so nothing
//! survives the run and the partial history is saved.

mod dispatch;
mod faults;
mod finish;
mod signals;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::task::JoinSet;
use tokio::time::Instant;

use self::dispatch::Dispatch;
use self::faults::Faults;
use super::backend::{Backend, Call, Client, Cluster, StartContext};
use super::clock::Clock;
use super::nemesis::{self, Scheduled};
use super::outcome::RunOutcome;
use super::plan::RunPlan;
use super::recorder::Recorder;
use super::store::Store;
use super::workload::Invocation;
use super::{rng, RunError, RunOptions, RunProgress, Stream};
use crate::units::format_duration;

pub(crate) use signals::listen_for_signals;

/// Runs `plan` on `backend` into `store`. `Err` only when the store cannot be written; every
/// other failure is the outcome's status.
pub(super) async fn run<B: Backend>(
    plan: &RunPlan,
    backend: B,
    replay: String,
    store: Store,
    options: RunOptions,
) -> Result<RunOutcome, RunError> {
    let started = std::time::Instant::now();
    let stop = options.stop.clone();
    let progress = options.progress.clone();
    let clock = Clock::start();
    let recorder = Arc::new(Recorder::new(
        clock,
        Some(store.create_file("history.jsonl")?),
    ));
    progress.set_phase("starting");
    let ctx = StartContext {
        plan: plan.clone(),
        store: store.clone(),
        clock,
    };
    let mut faults = Faults::new(recorder.clone(), progress.clone(), Some(store.path("data")));
    let mut dispatch = None;
    let mut client_time = Duration::ZERO;
    let (result, summary) = tokio::select! {
        started = backend.start(ctx) => match started {
            Err(e) => (Err(e), Default::default()),
            Ok(cluster) => {
                let cluster = Arc::new(cluster);
                let mut phases = Phases {
                    plan,
                    cluster: &cluster,
                    progress: &progress,
                    stop: &stop,
                    client_time: &mut client_time,
                };
                let result = tokio::select! {
                    r = phases.run(&recorder, &mut faults, &mut dispatch) => r,
                    e = cluster.failure() => Err(e),
                    _ = stop.wait() => Ok(()),
                };
                progress.set_phase("stopping nodes");
                let summary = cluster.shutdown(faults.applied()).await;
                (result, summary)
            }
        },
        _ = stop.wait() => (Ok(()), Default::default()),
    };
    let workload = dispatch.map(Dispatch::into_workload);
    finish::finish(finish::Ending {
        plan,
        replay,
        store,
        recorder,
        result,
        workload,
        applied: faults.applied().to_vec(),
        faults_without_effect: faults.unproven(&plan.nemesis),
        summary,
        client_time,
        stop,
        progress,
        started,
    })
    .await
}

struct Phases<'a, C: Cluster> {
    plan: &'a RunPlan,
    cluster: &'a Arc<C>,
    progress: &'a Arc<RunProgress>,
    stop: &'a super::StopHandle,
    client_time: &'a mut Duration,
}

impl<C: Cluster> Phases<'_, C> {
    async fn run(
        &mut self,
        recorder: &Arc<Recorder>,
        faults: &mut Faults,
        dispatch: &mut Option<Dispatch<C::Client>>,
    ) -> Result<(), RunError> {
        let plan = self.plan;
        self.progress.set_phase("starting nodes");
        let mut starting = JoinSet::new();
        for i in 0..plan.node_count {
            let cluster = self.cluster.clone();
            starting.spawn(async move { cluster.start_node(i).await });
        }
        while let Some(started) = starting.join_next().await {
            match started {
                Ok(r) => r?,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        self.cluster.wait_ready(self.stop).await?;
        let clients = (0..plan.concurrency)
            .map(|_| self.cluster.client())
            .collect();
        let d = dispatch.insert(Dispatch::new(
            plan.workload.build(&plan.workload_options()),
            rng(plan.seed, Stream::Generator),
            clients,
            dispatch::Env {
                node_count: plan.node_count,
                timeout: plan.effective_rpc_timeout(),
                recorder: recorder.clone(),
                progress: self.progress.clone(),
            },
        ));
        self.setup(d).await?;
        self.progress.set_phase("clients");
        let start = Instant::now();
        self.cluster.clients_started();
        let deadline = start + plan.time_limit;
        let targeted =
            nemesis::targeted::build(&plan.nemesis, plan.node_count, plan.nemesis_interval);
        let schedule: Vec<Scheduled> = match targeted {
            Some(_) => Vec::new(),
            None => nemesis::schedule(
                plan.seed,
                &plan.nemesis,
                plan.nemesis_interval,
                plan.time_limit,
                plan.node_count,
                if plan.clock_faults.is_empty() {
                    self.cluster.clock_faults()
                } else {
                    &plan.clock_faults
                },
            ),
        };
        let cluster = &**self.cluster;
        tokio::try_join!(
            async {
                d.run(plan.rate, deadline).await;
                Ok(())
            },
            async {
                match targeted {
                    Some((kind, t)) => faults.run_targeted(cluster, kind, t, start, deadline).await,
                    None => faults.run(cluster, &schedule, start).await,
                }
            }
        )?;
        *self.client_time = start.elapsed();
        self.progress.set_phase("healing");
        faults.heal(cluster, start).await?;
        let finals = d.final_ops(plan.node_count);
        let final_phase = d.begin_final_phase();
        if !finals.is_empty() || final_phase.is_some() {
            self.progress.set_phase("recovery");
            tokio::time::sleep(plan.recovery_time).await;
        }
        if !finals.is_empty() {
            self.progress.set_phase("final reads");
            d.run_final(finals).await;
        }
        if let Some(limit) = final_phase {
            self.progress.set_phase("final phase");
            d.run_final_phase(limit).await;
        }
        Ok(())
    }

    /// Sends the workload's setup requests; each must be answered with `<type>_ok`.
    async fn setup(&self, d: &Dispatch<C::Client>) -> Result<(), RunError> {
        let ids: Vec<String> = (0..self.plan.node_count)
            .map(super::protocol::node_id)
            .collect();
        let requests = d.workload().setup(&ids);
        if requests.is_empty() {
            return Ok(());
        }
        self.progress.set_phase("setup");
        let timeout = self
            .plan
            .effective_rpc_timeout()
            .max(Duration::from_secs(5));
        let mut client = self.cluster.client();
        for (node, body) in requests {
            let kind = body.get("type").and_then(Json::as_str).unwrap_or("");
            let want = format!("{kind}_ok");
            let error = |message: String| RunError::Setup {
                node: ids[node].clone(),
                message,
            };
            let placeholder = Invocation::new("setup", crate::history::Value::Nil);
            let call = Call {
                node,
                op: &placeholder,
                request: &body,
                timeout,
            };
            match client.setup(call).await {
                Ok(reply) if reply.get("type").and_then(Json::as_str) == Some(&want) => {}
                Ok(reply) => {
                    return Err(error(format!(
                        "expected {want} in reply to {body}, got {reply}"
                    )))
                }
                Err(why) => {
                    return Err(error(format!(
                        "no reply to {body} within {}: {why}",
                        format_duration(timeout)
                    )))
                }
            }
        }
        Ok(())
    }
}
