//! The client side of a real-network run: worker threads that live in the client namespace,
//! each with keep-alive connections to the nodes, and the dispatcher that feeds them operations
//! from the workload's generator at the configured rate, records invocations and completions,
//! and gives a worker a fresh process after an `info` (Jepsen: new process = old +
//! concurrency).
//!
//! Worker `k` talks to node `k mod n`, so every node — an isolated minority included — has
//! clients; final reads name their node. Invocations are recorded before the job is handed
//! over and completions after it comes back, so recorded intervals contain the real ones.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::etcd::{EtcdClient, ReadMode};
use super::topology;
use crate::history::{Event, EventKind, Process, Value};
use crate::runner::progress::RunProgress;
use crate::runner::recorder::Recorder;
use crate::runner::workload::{Completion, Context, Invocation, Workload};
use crate::runner::{RunError, StopHandle};

struct Job {
    op: Invocation,
    node: usize,
}

struct Done {
    worker: usize,
    op: Invocation,
    completion: Completion,
}

#[derive(Clone, Copy)]
struct Slot {
    index: usize,
    process: u64,
}

/// What the dispatcher needs.
pub struct ClientEnv {
    /// The client namespace.
    pub namespace: String,
    /// Each node's client address.
    pub addrs: Vec<SocketAddr>,
    /// Linearizable or serializable reads.
    pub read_mode: ReadMode,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Worker threads.
    pub concurrency: usize,
    /// The history.
    pub recorder: Arc<Recorder>,
    /// Counters.
    pub progress: Arc<RunProgress>,
}

/// Workers and their dispatcher.
pub struct Clients {
    workload: Box<dyn Workload>,
    rng: ChaCha8Rng,
    jobs: Vec<Sender<Job>>,
    done: Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
    free: VecDeque<Slot>,
    busy: Vec<Option<Slot>>,
    node_count: usize,
    concurrency: usize,
    recorder: Arc<Recorder>,
    progress: Arc<RunProgress>,
}

impl Clients {
    /// Starts the worker threads (each enters the client namespace first).
    pub fn start(
        workload: Box<dyn Workload>,
        rng: ChaCha8Rng,
        env: ClientEnv,
    ) -> Result<Clients, RunError> {
        let (done_tx, done) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let mut jobs = Vec::new();
        let mut threads = Vec::new();
        for index in 0..env.concurrency {
            let (tx, rx) = mpsc::channel::<Job>();
            jobs.push(tx);
            let (done_tx, ready_tx) = (done_tx.clone(), ready_tx.clone());
            let (ns, addrs, mode, timeout) = (
                env.namespace.clone(),
                env.addrs.clone(),
                env.read_mode,
                env.timeout,
            );
            let thread = std::thread::Builder::new()
                .name(format!("netns-client-{index}"))
                .spawn(move || {
                    let entered = topology::enter(&ns);
                    let ok = entered.is_ok();
                    let _ = ready_tx.send(entered);
                    if !ok {
                        return;
                    }
                    let mut conns: Vec<Option<EtcdClient>> = addrs.iter().map(|_| None).collect();
                    while let Ok(job) = rx.recv() {
                        let client = conns[job.node]
                            .get_or_insert_with(|| EtcdClient::new(addrs[job.node], mode, timeout));
                        let completion = client.invoke(&job.op);
                        if matches!(completion, Completion::Info(_)) {
                            // The old connection may still carry the late answer.
                            conns[job.node] = None;
                        }
                        let done = Done {
                            worker: index,
                            op: job.op,
                            completion,
                        };
                        if done_tx.send(done).is_err() {
                            return;
                        }
                    }
                })
                .map_err(|e| RunError::Netns(format!("cannot start a client thread: {e}")))?;
            threads.push(thread);
        }
        for _ in 0..env.concurrency {
            ready_rx
                .recv()
                .map_err(|_| RunError::Netns("a client thread died at start".into()))??;
        }
        Ok(Clients {
            workload,
            rng,
            jobs,
            done,
            threads,
            free: (0..env.concurrency)
                .map(|index| Slot {
                    index,
                    process: index as u64,
                })
                .collect(),
            busy: vec![None; env.concurrency],
            node_count: env.addrs.len(),
            concurrency: env.concurrency,
            recorder: env.recorder,
            progress: env.progress,
        })
    }

    /// Issues operations at `rate` per second (each waits a random 0..2/rate after the previous
    /// one) until `deadline` or a stop, then waits for those in flight.
    pub fn run(&mut self, rate: f64, deadline: Instant, stop: &StopHandle) {
        let mean = if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::MAX
        };
        let mut next_at = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline || stop.is_stopped() {
                break;
            }
            let wait = next_at.saturating_duration_since(now);
            if self.free.is_empty() || wait > Duration::from_millis(1) || rate <= 0.0 {
                let until = if self.free.is_empty() || rate <= 0.0 {
                    deadline
                } else {
                    next_at.min(deadline)
                };
                let left = until
                    .saturating_duration_since(now)
                    .min(Duration::from_millis(50));
                self.wait_one(left);
                continue;
            }
            let slot = self.free.pop_front().expect("a free worker");
            let ctx = self.context(slot);
            match self.workload.next(&ctx, &mut self.rng) {
                Some(op) => {
                    self.dispatch(slot, op, ctx.node);
                    next_at += mean.mul_f64(self.rng.gen_range(0.0..2.0));
                    // After a stall, do not burst to catch up.
                    if let Some(floor) = now.checked_sub(Duration::from_millis(100)) {
                        next_at = next_at.max(floor);
                    }
                }
                None => {
                    self.free.push_back(slot);
                    next_at += mean;
                }
            }
        }
        self.drain();
    }

    /// Runs the workload's final operations, each on its node.
    pub fn run_final(&mut self) {
        for (node, op) in self.workload.final_ops(self.node_count) {
            while self.free.is_empty() {
                self.wait_one(Duration::from_millis(50));
            }
            let slot = self.free.pop_front().expect("a free worker");
            self.dispatch(slot, op, node);
        }
        self.drain();
    }

    /// The workload, for its checker; stops the worker threads.
    pub fn into_workload(self) -> Box<dyn Workload> {
        drop(self.jobs);
        for t in self.threads {
            let _ = t.join();
        }
        self.workload
    }

    fn context(&self, slot: Slot) -> Context {
        Context {
            process: slot.process,
            node: slot.index % self.node_count.max(1),
        }
    }

    fn dispatch(&mut self, slot: Slot, op: Invocation, node: usize) {
        self.recorder.record(event(
            slot.process,
            EventKind::Invoke,
            &op,
            op.value.clone(),
            None,
        ));
        self.busy[slot.index] = Some(slot);
        let _ = self.jobs[slot.index].send(Job { op, node });
    }

    fn wait_one(&mut self, timeout: Duration) {
        match self.done.recv_timeout(timeout) {
            Ok(done) => self.finish(done),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
    }

    fn drain(&mut self) {
        while self.busy.iter().any(Option::is_some) {
            match self.done.recv() {
                Ok(done) => self.finish(done),
                Err(_) => break,
            }
        }
    }

    fn finish(&mut self, done: Done) {
        let Some(mut slot) = self.busy[done.worker].take() else {
            return;
        };
        let op = done.op;
        let (kind, value, error, counter) = match &done.completion {
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
            .record(event(slot.process, kind, &op, value, error));
        counter.fetch_add(1, Ordering::Relaxed);
        let ctx = self.context(slot);
        self.workload.update(&ctx, &op, &done.completion);
        if kind == EventKind::Info {
            slot.process += self.concurrency as u64;
        }
        self.free.push_back(slot);
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
