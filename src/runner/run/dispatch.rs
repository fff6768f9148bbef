//! The client dispatcher: asks the workload for operations at the configured rate, hands each
//! to a free worker, records invocations and completions, and gives a worker whose operation
//! ended `info` a fresh process (Jepsen: new process = old + concurrency) and a fresh
//! connection.
//!
//! One dispatcher owns the workload, so the generator and the client logic stay plain `&mut`
//! code; only the wait for each reply runs in its own task, on the worker's [`Client`].
//! Invocations are recorded before the request leaves and completions after the reply is back,
//! so recorded intervals contain the real ones. An operation goes to the node its workload
//! targets, folded onto the nodes there are (node `k` of `n` is `k mod n`).

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::history::{Event, EventKind, Process, Value};
use crate::runner::backend::{Call, Client, Reply};
use crate::runner::progress::RunProgress;
use crate::runner::recorder::Recorder;
use crate::runner::workload::{timeout_completion, Completion, Context, Invocation, Workload};

struct Worker<C> {
    index: usize,
    process: u64,
    client: C,
}

/// A worker back from a request: the operation, the request's type, the reply, and, when the
/// request was a follow-up, the completion the operation's first reply gave.
type Done<C> = (Worker<C>, Invocation, String, Reply, Option<Completion>);

/// What the dispatcher needs from the run.
pub(super) struct Env {
    pub(super) node_count: usize,
    pub(super) timeout: Duration,
    pub(super) recorder: Arc<Recorder>,
    pub(super) progress: Arc<RunProgress>,
}

/// The client side of a run.
pub(super) struct Dispatch<C> {
    workload: Box<dyn Workload>,
    rng: ChaCha8Rng,
    free: VecDeque<Worker<C>>,
    busy: JoinSet<Done<C>>,
    concurrency: usize,
    env: Env,
    /// In the final phase, a worker the generator has nothing more for is set aside here.
    retire: bool,
    retired: VecDeque<Worker<C>>,
}

impl<C: Client> Dispatch<C> {
    /// A dispatcher with one worker per client.
    pub(super) fn new(
        workload: Box<dyn Workload>,
        rng: ChaCha8Rng,
        clients: Vec<C>,
        env: Env,
    ) -> Dispatch<C> {
        let concurrency = clients.len();
        let free = clients
            .into_iter()
            .enumerate()
            .map(|(index, client)| Worker {
                index,
                process: index as u64,
                client,
            })
            .collect();
        Dispatch {
            workload,
            rng,
            free,
            busy: JoinSet::new(),
            concurrency,
            env,
            retire: false,
            retired: VecDeque::new(),
        }
    }

    /// The workload (for its setup requests).
    pub(super) fn workload(&self) -> &dyn Workload {
        &*self.workload
    }

    /// The workload, for its checker.
    pub(super) fn into_workload(self) -> Box<dyn Workload> {
        self.workload
    }

    /// The workload's final operations.
    pub(super) fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        self.workload.final_ops(node_count)
    }

    /// Switches the workload's generator to its final mode, if it has one; returns the phase's
    /// limit.
    pub(super) fn begin_final_phase(&mut self) -> Option<Duration> {
        self.workload.begin_final_phase()
    }

    /// Runs the generator's final phase: each worker about five operations a second, until the
    /// generator has nothing more for any worker or `limit` passes.
    pub(super) async fn run_final_phase(&mut self, limit: Duration) {
        self.retire = true;
        let rate = 5.0 * self.concurrency as f64;
        self.run(rate, Instant::now() + limit).await;
        self.retire = false;
        self.free.append(&mut self.retired);
    }

    /// Issues operations at `rate` per second (staggered: each waits a random 0..2/rate after the
    /// previous one) until `deadline`, then waits for those in flight.
    pub(super) async fn run(&mut self, rate: f64, deadline: Instant) {
        if rate <= 0.0 {
            tokio::time::sleep_until(deadline).await;
            return;
        }
        let mean = Duration::from_secs_f64(1.0 / rate);
        let mut next_at = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline || (self.retire && self.free.is_empty() && self.busy.is_empty()) {
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
                    // A role beyond the nodes there are folds onto them: one instance may serve
                    // every role (lease-lock's lock server and storage on one Redis).
                    let node = self.workload.target(&op, ctx.node) % self.env.node_count.max(1);
                    self.dispatch(worker, op, node);
                    next_at += mean.mul_f64(self.rng.gen_range(0.0..2.0));
                    // After a stall (a paused machine), do not burst to catch up.
                    next_at = next_at.max(now - Duration::from_millis(100));
                }
                None if self.retire => self.retired.push_back(worker),
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
    pub(super) async fn run_final(&mut self, ops: Vec<(usize, Invocation)>) {
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

    fn context(&self, worker: &Worker<C>) -> Context {
        Context {
            process: worker.process,
            node: worker.index % self.env.node_count.max(1),
            worker: worker.index,
        }
    }

    /// Records the invocation and starts the request (or completes a local operation).
    fn dispatch(&mut self, worker: Worker<C>, op: Invocation, node: usize) {
        self.env.recorder.record(event(
            worker.process,
            EventKind::Invoke,
            &op,
            op.value.clone(),
            None,
        ));
        if let Some(done) = self.workload.local(&op) {
            self.busy.spawn(async move {
                let kind = String::new();
                (worker, op, kind, Reply::Done(done), None)
            });
            return;
        }
        let request = self.workload.request(&op);
        self.call(worker, op, node, request, None);
    }

    /// Sends `request` for `op` on the worker's client; `first` is the completion of the
    /// operation's first request when this one is a follow-up.
    fn call(
        &mut self,
        mut worker: Worker<C>,
        op: Invocation,
        node: usize,
        request: Json,
        first: Option<Completion>,
    ) {
        let request_type = request
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let timeout = self.env.timeout;
        self.busy.spawn(async move {
            let call = Call {
                node,
                op: &op,
                request: &request,
                timeout,
            };
            let reply = worker.client.call(call).await;
            (worker, op, request_type, reply, first)
        });
    }

    fn finish(&mut self, done: Result<Done<C>, tokio::task::JoinError>) {
        let (mut worker, op, request_type, reply, first) = match done {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => return,
        };
        let ctx = self.context(&worker);
        if let Reply::Body(body) = &reply {
            self.workload.observe(&ctx, &op, body);
        }
        let completion = match reply {
            Reply::Body(body) => self.workload.complete(&op, &request_type, &body),
            Reply::Done(completion) => completion,
            Reply::Timeout => timeout_completion(&*self.workload, &op),
        };
        let completion = match (first, completion) {
            // A follow-up that succeeded: the operation ends as its first reply said.
            (Some(first), Completion::Ok(_)) => first,
            // A follow-up that did not: the first request happened, so never `fail`.
            (Some(_), Completion::Fail(e) | Completion::Info(e)) => Completion::Info(e),
            (None, completion) => {
                if let Some(request) = self.workload.follow_up(&op, &completion) {
                    let node = self.workload.target(&op, ctx.node) % self.env.node_count.max(1);
                    self.call(worker, op, node, request, Some(completion));
                    return;
                }
                completion
            }
        };
        let progress = &self.env.progress;
        let (kind, value, error, counter) = match &completion {
            Completion::Ok(v) => (EventKind::Ok, v.clone(), None, &progress.ok),
            Completion::Fail(e) => (
                EventKind::Fail,
                op.value.clone(),
                Some(e.clone()),
                &progress.fail,
            ),
            Completion::Info(e) => (
                EventKind::Info,
                op.value.clone(),
                Some(e.clone()),
                &progress.info,
            ),
        };
        self.env
            .recorder
            .record(event(worker.process, kind, &op, value, error));
        counter.fetch_add(1, Ordering::Relaxed);
        self.workload.update(&ctx, &op, &completion);
        if kind == EventKind::Info {
            // The old process may still be in flight forever: a fresh one takes its place.
            worker.process += self.concurrency as u64;
            worker.client.reset();
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
