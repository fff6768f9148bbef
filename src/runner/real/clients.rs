//! Clients on a real network: [`AdapterClient`], a worker thread (in the client namespace, on
//! netns: a socket belongs to the namespace of the thread that opens it) that holds one
//! system-adapter connection per node, opened on first use. The run's dispatcher hands it one
//! operation at a time and awaits the reply; after an indefinite outcome its connections are
//! dropped, since the old ones may still carry the late answer.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::oneshot;

use super::namespace::enter_if;
use crate::runner::backend::{Call, Client, Reply};
use crate::runner::systems::{SystemAdapter, SystemClient};
use crate::runner::workload::Invocation;
use crate::runner::RunError;

/// A [`Call`] that can cross to the thread.
struct Owned {
    node: usize,
    op: Invocation,
    request: Json,
    timeout: Duration,
}

impl Owned {
    fn of(call: Call<'_>) -> Owned {
        Owned {
            node: call.node,
            op: call.op.clone(),
            request: call.request.clone(),
            timeout: call.timeout,
        }
    }
}

enum Job {
    Call(Owned, oneshot::Sender<Reply>),
    Setup(Owned, oneshot::Sender<Result<Json, String>>),
    Reset,
}

/// One client worker thread.
pub struct AdapterClient {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl AdapterClient {
    /// Starts the thread; it enters `namespace` (if any) and connects to `addrs` through
    /// `adapter` when first asked to.
    pub fn start(
        namespace: Option<String>,
        addrs: Vec<SocketAddr>,
        adapter: Arc<dyn SystemAdapter>,
    ) -> AdapterClient {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("real-client".into())
            .spawn(move || serve(namespace.as_deref(), &addrs, &*adapter, rx))
            .ok();
        AdapterClient {
            jobs: Some(jobs),
            thread,
        }
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }
}

impl Drop for AdapterClient {
    fn drop(&mut self) {
        drop(self.jobs.take());
        // The thread ends once its current operation does (bounded by the request timeout).
        drop(self.thread.take());
    }
}

/// The thread: enters the namespace, then serves jobs until the client is dropped.
fn serve(
    namespace: Option<&str>,
    addrs: &[SocketAddr],
    adapter: &dyn SystemAdapter,
    jobs: mpsc::Receiver<Job>,
) {
    let entered = enter_if(namespace);
    let mut conns: Vec<Option<Box<dyn SystemClient>>> = addrs.iter().map(|_| None).collect();
    while let Ok(job) = jobs.recv() {
        let at = Thread {
            entered: &entered,
            adapter,
            addrs,
        };
        match job {
            Job::Call(c, reply) => {
                let r = match at.connected(&mut conns, c.node) {
                    Ok(conn) => conn.invoke(&c.op, &c.request, c.timeout),
                    Err(_) => Reply::Timeout,
                };
                let _ = reply.send(r);
            }
            Job::Setup(c, reply) => {
                let r = at
                    .connected(&mut conns, c.node)
                    .and_then(|conn| conn.setup(&c.request, c.timeout));
                let _ = reply.send(r);
            }
            Job::Reset => conns.iter_mut().for_each(|c| *c = None),
        }
    }
}

/// What a client thread connects with.
struct Thread<'a> {
    entered: &'a Result<(), RunError>,
    adapter: &'a dyn SystemAdapter,
    addrs: &'a [SocketAddr],
}

impl Thread<'_> {
    /// Node `node`'s connection, opened now if it is not yet.
    fn connected<'c>(
        &self,
        conns: &'c mut [Option<Box<dyn SystemClient>>],
        node: usize,
    ) -> Result<&'c mut dyn SystemClient, String> {
        match self.entered {
            Ok(()) if node < self.addrs.len() => Ok(conns[node]
                .get_or_insert_with(|| self.adapter.connect(node, self.addrs[node]))
                .as_mut()),
            Ok(()) => Err(format!("no node {node}")),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl Client for AdapterClient {
    async fn call(&mut self, call: Call<'_>) -> Reply {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Call(Owned::of(call), reply));
        answer.await.unwrap_or(Reply::Timeout)
    }

    async fn setup(&mut self, call: Call<'_>) -> Result<Json, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Setup(Owned::of(call), reply));
        let gone = || Err("the client thread is gone".to_string());
        answer.await.unwrap_or_else(|_| gone())
    }

    fn reset(&mut self) {
        self.send(Job::Reset);
    }
}
