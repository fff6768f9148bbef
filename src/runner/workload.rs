//! Workloads: what clients do and how the result is judged. Each is a generator (the next
//! operation), a client (the request body, and how a reply becomes a completion) and a checker
//! (a verdict over the history), as plain functions over values; the driver does the I/O.
//!
//! Map of this module:
//! - [`Workload`], [`WorkloadName`], [`Invocation`], [`Completion`], [`WorkloadCheck`] (here);
//! - one workload per file: `echo.rs`, `unique_ids.rs`, `broadcast.rs` (with [`Topology`]),
//!   `g_set.rs`, `g_counter.rs`, `pn_counter.rs`, `lin_kv.rs`, `lock.rs`, `txn.rs`
//!   (txn-list-append and txn-rw-register, with [`TxnSettings`]), `kafka.rs` (send/poll logs,
//!   whose client does more than one request per operation and has a final phase);
//! - shared checkers: `sets.rs` (every acknowledged element in every final read), `counters.rs`
//!   (final reads within the sums the adds allow).
//!
//! Replies follow Maelstrom's rules (see [`Workload::complete`]): an `error` with a definite code
//! fails the operation, any other error leaves it indefinite (`info`), except for idempotent
//! functions (reads), which fail; a timeout is the same as an indefinite error.

mod broadcast;
mod counters;
mod echo;
mod g_counter;
mod g_set;
mod kafka;
mod lease_lock;
mod lin_kv;
mod lock;
mod pn_counter;
mod sets;
mod txn;
mod unique_ids;

use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;

pub use broadcast::Topology;
pub use kafka::FINAL_PHASE as KAFKA_FINAL_PHASE;
pub use txn::{
    TxnKind, TxnSettings, DEFAULT_KEY_COUNT as TXN_DEFAULT_KEY_COUNT, DEFAULT_MAX_TXN_LENGTH,
    DEFAULT_MAX_WRITES_PER_KEY,
};

use super::json::to_value;
use super::protocol::{error_name, is_definite};
use crate::checker::{CheckError, Verdict};
use crate::history::{History, Value};

/// The workloads, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadName {
    /// `echo`: the node echoes a string.
    Echo,
    /// `unique-ids`: `generate` returns ids that must never repeat.
    UniqueIds,
    /// `broadcast`: every broadcast value reaches every node.
    Broadcast,
    /// `g-set`: a grow-only set; every acknowledged add is in every final read.
    GSet,
    /// `g-counter`: a grow-only counter; final reads equal the sum of the adds.
    GCounter,
    /// `pn-counter`: a counter with negative deltas too.
    PnCounter,
    /// `lin-kv`: read/write/cas registers, checked for linearizability.
    LinKv,
    /// `lock`: acquire/release with fencing tokens: a linearizable mutex, tokens increasing.
    Lock,
    /// `lease-lock`: a fenced lease lock (acquire, write with the token, release).
    LeaseLock,
    /// `txn-list-append`: transactions appending to and reading lists (Elle's list-append).
    TxnListAppend,
    /// `txn-rw-register`: transactions writing and reading registers (Elle's rw-register).
    TxnRwRegister,
    /// `kafka`: append-only logs with send/poll/commit (Jepsen's kafka checker).
    Kafka,
}

impl WorkloadName {
    /// Every workload.
    pub const ALL: [WorkloadName; 12] = [
        WorkloadName::Echo,
        WorkloadName::UniqueIds,
        WorkloadName::Broadcast,
        WorkloadName::GSet,
        WorkloadName::GCounter,
        WorkloadName::PnCounter,
        WorkloadName::LinKv,
        WorkloadName::Lock,
        WorkloadName::LeaseLock,
        WorkloadName::TxnListAppend,
        WorkloadName::TxnRwRegister,
        WorkloadName::Kafka,
    ];

    /// Its name in `--workload`.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadName::Echo => "echo",
            WorkloadName::UniqueIds => "unique-ids",
            WorkloadName::Broadcast => "broadcast",
            WorkloadName::GSet => "g-set",
            WorkloadName::GCounter => "g-counter",
            WorkloadName::PnCounter => "pn-counter",
            WorkloadName::LinKv => "lin-kv",
            WorkloadName::Lock => "lock",
            WorkloadName::LeaseLock => "lease-lock",
            WorkloadName::TxnListAppend => "txn-list-append",
            WorkloadName::TxnRwRegister => "txn-rw-register",
            WorkloadName::Kafka => "kafka",
        }
    }

    /// The workload named `name`.
    pub fn from_name(name: &str) -> Option<WorkloadName> {
        WorkloadName::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Whether this is a transactional workload (txn-list-append, txn-rw-register).
    pub fn is_transactional(self) -> bool {
        matches!(
            self,
            WorkloadName::TxnListAppend | WorkloadName::TxnRwRegister
        )
    }

    /// A fresh instance with `options`.
    pub fn build(self, options: &WorkloadOptions) -> Box<dyn Workload> {
        match self {
            WorkloadName::Echo => Box::new(echo::Echo),
            WorkloadName::UniqueIds => Box::new(unique_ids::UniqueIds),
            WorkloadName::Broadcast => Box::new(broadcast::Broadcast::new(options.topology)),
            WorkloadName::GSet => Box::new(g_set::GSet::default()),
            WorkloadName::GCounter => Box::new(g_counter::GCounter),
            WorkloadName::PnCounter => Box::new(pn_counter::PnCounter),
            WorkloadName::LinKv => {
                Box::new(lin_kv::LinKv::new(options.key_count, options.ops_per_key))
            }
            WorkloadName::Lock => Box::new(lock::Lock::default()),
            WorkloadName::LeaseLock => Box::new(lease_lock::LeaseLock::new(
                options.hold,
                options.holder_pause,
            )),
            WorkloadName::TxnListAppend => {
                Box::new(txn::Txn::new(TxnKind::ListAppend, options.txn.clone()))
            }
            WorkloadName::TxnRwRegister => {
                Box::new(txn::Txn::new(TxnKind::RwRegister, options.txn.clone()))
            }
            WorkloadName::Kafka => Box::new(kafka::Kafka::new(
                options.txn.key_count,
                options.txn.max_writes_per_key,
            )),
        }
    }
}

/// The settings workloads take (from the plan).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadOptions {
    /// lin-kv: keys (with `ops_per_key`: keys in use at once).
    pub key_count: usize,
    /// lin-kv: operations after which a key is retired for a fresh one (0: never).
    pub ops_per_key: usize,
    /// broadcast: the topology.
    pub topology: Topology,
    /// txn-list-append, txn-rw-register: the generator's knobs and the models checked (its
    /// `key_count` is the one used).
    pub txn: TxnSettings,
    /// lease-lock: how long every holder works between its token and its write.
    pub hold: Duration,
    /// lease-lock: how long one holder in five pauses on top of that.
    pub holder_pause: Duration,
}

impl Default for WorkloadOptions {
    fn default() -> WorkloadOptions {
        WorkloadOptions {
            key_count: 4,
            ops_per_key: 0,
            topology: Topology::Grid,
            txn: TxnSettings::default(),
            hold: Duration::ZERO,
            holder_pause: lease_lock::PAUSE,
        }
    }
}

/// An operation about to be invoked.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// The function (`read`, `write`, `broadcast`, ...).
    pub f: &'static str,
    /// The key, for multi-key workloads.
    pub key: Option<Value>,
    /// The argument.
    pub value: Value,
    /// Whether this is a final read (recorded as `"final": true`).
    pub final_read: bool,
    /// The request body, when the generator built it (kafka's poll carries its process's
    /// offsets); `None`: [`Workload::request`] builds it.
    pub body: Option<Json>,
}

impl Invocation {
    /// An invocation of `f` with `value`.
    pub fn new(f: &'static str, value: Value) -> Invocation {
        Invocation {
            f,
            key: None,
            value,
            final_read: false,
            body: None,
        }
    }

    /// A final `read` through every node (how the set and counter workloads end).
    pub fn final_reads(node_count: usize) -> Vec<(usize, Invocation)> {
        (0..node_count)
            .map(|i| {
                let mut op = Invocation::new("read", Value::Nil);
                op.final_read = true;
                (i, op)
            })
            .collect()
    }
}

/// How an operation ended; the value is the completion event's `value` (ok) or `error`.
#[derive(Clone, Debug, PartialEq)]
pub enum Completion {
    /// It took effect; the result.
    Ok(Value),
    /// It definitely did not; the error.
    Fail(Value),
    /// Unknown; the error.
    Info(Value),
}

/// Who is asking for the next operation.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The client process (Jepsen's `:process`).
    pub process: u64,
    /// The node it talks to.
    pub node: usize,
    /// The worker (client thread) running the process: it outlives crashed processes.
    pub worker: usize,
}

/// A workload's verdict and what it found.
#[derive(Clone, Debug)]
pub struct WorkloadCheck {
    /// The verdict.
    pub verdict: Verdict,
    /// One line for the terminal.
    pub summary: String,
    /// Details for `results.json`.
    pub details: Json,
}

/// A workload: generator, client and checker. Everything here is pure; the driver does the I/O.
pub trait Workload: Send {
    /// Requests each node gets once after `init` and before any operation (broadcast's
    /// `topology`); each must be answered with `<type>_ok`.
    fn setup(&self, _node_ids: &[String]) -> Vec<(usize, Json)> {
        Vec::new()
    }

    /// Generator: the next operation for the process in `ctx`, or `None` for nothing now.
    fn next(&mut self, ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation>;

    /// Generator: how an operation of the process in `ctx` ended.
    fn update(&mut self, _ctx: &Context, _op: &Invocation, _done: &Completion) {}

    /// The final operations, as `(node, operation)`, run after the faults are healed and the
    /// recovery period is over.
    fn final_ops(&mut self, _node_count: usize) -> Vec<(usize, Invocation)> {
        Vec::new()
    }

    /// A final phase run by the generator itself, after the final operations: `Some(limit)`
    /// switches [`Workload::next`] to its final mode and the driver asks it until it returns
    /// `None` for every worker or `limit` passes (kafka's catch-up polls).
    fn begin_final_phase(&mut self) -> Option<Duration> {
        None
    }

    /// Client: the completion of an operation that sends no request (kafka's `crash`).
    fn local(&self, _op: &Invocation) -> Option<Completion> {
        None
    }

    /// Client: sees each reply body before it becomes a completion (client-side state, such as
    /// kafka's committed offsets after `list_committed_offsets`).
    fn observe(&mut self, _ctx: &Context, _op: &Invocation, _body: &Json) {}

    /// Client: one more request the operation makes after an ok reply, before it completes
    /// (kafka commits the offsets a poll returned). If that request does not succeed the
    /// operation ends `info` with its error.
    fn follow_up(&self, _op: &Invocation, _done: &Completion) -> Option<Json> {
        None
    }

    /// Client: the node `op` goes to; `default` is the process's own node.
    fn target(&self, _op: &Invocation, default: usize) -> usize {
        default
    }

    /// Client: the request body (without `msg_id`).
    fn request(&self, op: &Invocation) -> Json;

    /// Client: the result carried by a successful reply (`<type>_ok`), or what is wrong with it.
    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String>;

    /// Client: whether `f` changes nothing, so that a timeout or any error means it failed.
    fn is_idempotent(&self, f: &str) -> bool;

    /// Client: the completion for a reply body, by Maelstrom's rules.
    fn complete(&self, op: &Invocation, request_type: &str, body: &Json) -> Completion {
        standard_completion(self, op, request_type, body)
    }

    /// Checker: the verdict over a history. `complete` is false when the run was interrupted (the
    /// final reads may be missing).
    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError>;
}

/// Maelstrom's rules for a reply body (see the module docs).
pub fn standard_completion<W: Workload + ?Sized>(
    w: &W,
    op: &Invocation,
    request_type: &str,
    body: &Json,
) -> Completion {
    let kind = body.get("type").and_then(Json::as_str).unwrap_or("");
    if kind == "error" {
        let code = body.get("code").and_then(Json::as_i64).unwrap_or(13);
        let text = body.get("text").map(to_value).unwrap_or(Value::Nil);
        let error = Value::list(vec![Value::str(error_name(code)), text]);
        return if is_definite(code) || w.is_idempotent(op.f) {
            Completion::Fail(error)
        } else {
            Completion::Info(error)
        };
    }
    let malformed = |why: String| {
        let error = Value::list(vec![Value::str("malformed-response"), Value::str(why)]);
        if w.is_idempotent(op.f) {
            Completion::Fail(error)
        } else {
            Completion::Info(error)
        }
    };
    if kind != format!("{request_type}_ok") {
        return malformed(format!(
            "expected a {request_type}_ok or error reply, got {body}"
        ));
    }
    match w.ok_value(op, body) {
        Ok(v) => Completion::Ok(v),
        Err(why) => malformed(why),
    }
}

/// The completion for a request that timed out: `fail` for idempotent functions, else `info`.
pub fn timeout_completion<W: Workload + ?Sized>(w: &W, op: &Invocation) -> Completion {
    let error = Value::str("net-timeout");
    if w.is_idempotent(op.f) {
        Completion::Fail(error)
    } else {
        Completion::Info(error)
    }
}

/// A field of a reply body, or the message saying it is missing.
pub(crate) fn field<'a>(body: &'a Json, name: &str) -> Result<&'a Json, String> {
    body.get(name)
        .ok_or_else(|| format!("the reply has no {name:?}: {body}"))
}

/// A workload check that did not run because the run was interrupted.
pub(crate) fn interrupted() -> WorkloadCheck {
    WorkloadCheck {
        verdict: Verdict::Unknown,
        summary: "the run was interrupted before its final reads".into(),
        details: Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kv() -> Box<dyn Workload> {
        WorkloadName::LinKv.build(&WorkloadOptions::default())
    }

    fn op(f: &'static str) -> Invocation {
        Invocation {
            f,
            key: Some(Value::Int(0)),
            value: Value::Int(1),
            final_read: false,
            body: None,
        }
    }

    #[test]
    fn definite_errors_fail_and_indefinite_ones_are_info() {
        let w = kv();
        let definite = json!({"type": "error", "code": 11, "text": "no leader"});
        assert!(matches!(
            w.complete(&op("write"), "write", &definite),
            Completion::Fail(_)
        ));
        let crash = json!({"type": "error", "code": 13});
        assert!(matches!(
            w.complete(&op("write"), "write", &crash),
            Completion::Info(_)
        ));
        let user = json!({"type": "error", "code": 1001});
        assert!(matches!(
            w.complete(&op("write"), "write", &user),
            Completion::Info(_)
        ));
    }

    #[test]
    fn reads_fail_on_any_error_or_timeout_and_mutations_become_info() {
        let w = kv();
        let crash = json!({"type": "error", "code": 13});
        assert!(matches!(
            w.complete(&op("read"), "read", &crash),
            Completion::Fail(_)
        ));
        assert!(matches!(
            timeout_completion(&*w, &op("read")),
            Completion::Fail(_)
        ));
        assert!(matches!(
            timeout_completion(&*w, &op("cas")),
            Completion::Info(_)
        ));
    }

    #[test]
    fn a_missing_key_reads_as_nil_and_a_wrong_reply_type_is_malformed() {
        let w = kv();
        let missing = json!({"type": "error", "code": 20});
        assert_eq!(
            w.complete(&op("read"), "read", &missing),
            Completion::Ok(Value::Nil)
        );
        let wrong = json!({"type": "write_ok"});
        match w.complete(&op("cas"), "cas", &wrong) {
            Completion::Info(e) => assert!(e.to_string().contains("malformed-response"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
