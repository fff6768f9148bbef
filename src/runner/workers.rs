//! Client workers: the dispatcher that asks the workload for operations at the configured rate,
//! hands each to a free worker, records invocations and completions, and replaces the process of
//! a worker whose operation ended `info` (Jepsen: new process = old + concurrency).
//!
//! One dispatcher owns the workload (so the generator and the client logic stay plain `&mut`
//! code); only the network wait of each operation runs in its own task.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::client::{CallError, Conn};
use super::cluster::ClientIds;
use super::net::{Endpoint, RouterHandle};
use super::progress::RunProgress;
use super::recorder::Recorder;
use super::workload::{timeout_completion, Completion, Context, Invocation, Workload};
use crate::history::{Event, EventKind, Process, Value};

struct Worker {
    index: usize,
    process: u64,
    /// Opened on the first operation, so the nodes' `init` clients get the first ids.
    conn: Option<Conn>,
}

type Done = (Worker, Invocation, String, Result<Json, CallError>);

/// The client side of a run.
pub(crate) struct Workers {
    workload: Box<dyn Workload>,
    rng: ChaCha8Rng,
    free: VecDeque<Worker>,
    busy: JoinSet<Done>,
    concurrency: usize,
    node_count: usize,
    timeout: Duration,
    router: RouterHandle,
    clients: Arc<ClientIds>,
    recorder: Arc<Recorder>,
    progress: Arc<RunProgress>,
}

/// What the workers need from the run.
pub(crate) struct WorkerEnv {
    pub(crate) concurrency: usize,
    pub(crate) node_count: usize,
    pub(crate) timeout: Duration,
    pub(crate) router: RouterHandle,
    pub(crate) clients: Arc<ClientIds>,
    pub(crate) recorder: Arc<Recorder>,
    pub(crate) progress: Arc<RunProgress>,
}

impl Workers {
    pub(crate) fn new(workload: Box<dyn Workload>, rng: ChaCha8Rng, env: WorkerEnv) -> Workers {
        let free = (0..env.concurrency)
            .map(|index| Worker {
                index,
                process: index as u64,
                conn: None,
            })
            .collect();
        Workers {
            workload,
            rng,
            free,
            busy: JoinSet::new(),
            concurrency: env.concurrency,
            node_count: env.node_count,
            timeout: env.timeout,
            router: env.router,
            clients: env.clients,
            recorder: env.recorder,
            progress: env.progress,
        }
    }

    /// The workload (for its setup requests).
    pub(crate) fn workload(&self) -> &dyn Workload {
        &*self.workload
    }

    /// The workload, for its checker.
    pub(crate) fn into_workload(self) -> Box<dyn Workload> {
        self.workload
    }

    /// The workload's final operations.
    pub(crate) fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        self.workload.final_ops(node_count)
    }

    /// Issues operations at `rate` per second (staggered: each waits a random 0..2/rate after the
    /// previous one) until `deadline`, then waits for those in flight.
    pub(crate) async fn run(&mut self, rate: f64, deadline: Instant) {
        if rate <= 0.0 {
            tokio::time::sleep_until(deadline).await;
            return;
        }
        let mean = Duration::from_secs_f64(1.0 / rate);
        let mut next_at = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // Sleeps shorter than a millisecond are not worth a timer: go on and catch up.
            let wait = next_at.saturating_duration_since(now);
            if self.free.is_empty() || wait > Duration::from_millis(1) {
                let until = if self.free.is_empty() {
                    deadline
                } else {
                    next_at.min(deadline)
                };
                tokio::select! {
                    Some(done) = self.busy.join_next() => self.finish(done),
                    _ = tokio::time::sleep_until(until) => {}
                }
                continue;
            }
            let worker = self.free.pop_front().expect("a free worker");
            let ctx = self.context(&worker);
            match self.workload.next(&ctx, &mut self.rng) {
                Some(op) => {
                    let node = self.workload.target(&op, ctx.node);
                    self.dispatch(worker, op, node);
                    next_at += mean.mul_f64(self.rng.gen_range(0.0..2.0));
                    // After a stall (a paused machine), do not burst to catch up.
                    next_at = next_at.max(now - Duration::from_millis(100));
                }
                None => {
                    self.free.push_back(worker);
                    next_at += mean;
                }
            }
        }
        self.drain().await;
    }

    /// Runs `ops` (each on its node), as many at once as there are workers; returns when all
    /// have completed.
    pub(crate) async fn run_final(&mut self, ops: Vec<(usize, Invocation)>) {
        for (node, op) in ops {
            while self.free.is_empty() {
                match self.busy.join_next().await {
                    Some(done) => self.finish(done),
                    None => break,
                }
            }
            if let Some(worker) = self.free.pop_front() {
                self.dispatch(worker, op, node);
            }
        }
        self.drain().await;
    }

    async fn drain(&mut self) {
        while let Some(done) = self.busy.join_next().await {
            self.finish(done);
        }
    }

    fn context(&self, worker: &Worker) -> Context {
        Context {
            process: worker.process,
            node: worker.index % self.node_count.max(1),
        }
    }

    /// Records the invocation and starts the request.
    fn dispatch(&mut self, mut worker: Worker, op: Invocation, node: usize) {
        let request = self.workload.request(&op);
        let request_type = request
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        self.recorder.record(event(
            worker.process,
            EventKind::Invoke,
            &op,
            op.value.clone(),
            None,
        ));
        let timeout = self.timeout;
        let (router, clients) = (&self.router, &self.clients);
        worker
            .conn
            .get_or_insert_with(|| Conn::open(router, clients));
        self.busy.spawn(async move {
            let conn = worker.conn.as_mut().expect("opened above");
            let reply = conn.call(Endpoint::Node(node), request, timeout).await;
            (worker, op, request_type, reply)
        });
    }

    fn finish(&mut self, done: Result<Done, tokio::task::JoinError>) {
        let Ok((mut worker, op, request_type, reply)) = done else {
            return;
        };
        let completion = match &reply {
            Ok(body) => self.workload.complete(&op, &request_type, body),
            Err(CallError::Timeout) => timeout_completion(&*self.workload, &op),
        };
        let (kind, value, error, counter) = match &completion {
            Completion::Ok(v) => (EventKind::Ok, v.clone(), None, &self.progress.ok),
            Completion::Fail(e) => (
                EventKind::Fail,
                op.value.clone(),
                Some(e.clone()),
                &self.progress.fail,
            ),
            Completion::Info(e) => (
                EventKind::Info,
                op.value.clone(),
                Some(e.clone()),
                &self.progress.info,
            ),
        };
        self.recorder
            .record(event(worker.process, kind, &op, value, error));
        counter.fetch_add(1, Ordering::Relaxed);
        let ctx = self.context(&worker);
        self.workload.update(&ctx, &op, &completion);
        if kind == EventKind::Info {
            // The old process may still be in flight forever: a fresh one takes its place.
            worker.process += self.concurrency as u64;
            worker.conn = None;
        }
        self.free.push_back(worker);
    }
}

fn event(
    process: u64,
    kind: EventKind,
    op: &Invocation,
    value: Value,
    error: Option<Value>,
) -> Event {
    let mut e = Event::new(process, kind, op.f, value);
    e.process = Process::Client(process);
    e.key = op.key.clone();
    e.error = error;
    if op.final_read {
        e.extra.push(("final".into(), Value::Bool(true)));
    }
    e
}
