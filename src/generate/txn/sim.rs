//! The clients: `concurrency` of them run transactions against a [`Db`] one small step at a
//! time, and every invocation and completion is recorded.
//!
//! Each clock tick picks a client at random. An idle client invokes its next transaction; a
//! busy one takes its next step: begin, one micro-op, commit (or abort), and finally complete.
//! So a transaction spans many ticks and overlaps the transactions of other clients, and its
//! begin and commit fall strictly between its invocation and its completion.
//!
//! Outcomes: `ok` when it committed; `fail` when the database refused a write or the commit
//! (`:error :conflict`) or the client chose to abort (`:error :aborted`); `info` when the client
//! crashed (`:error :crashed`), in which case the transaction committed or aborted at random (it
//! tries to commit with probability 1/2) and the client continues under a fresh process id, the
//! old one plus `concurrency` (Jepsen's convention).

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::datum::Datum;
use super::db::Db;
use super::keys::{KeyPool, Mop};
use super::{TxnOptions, TxnWorkload};
use crate::history::{Event, EventKind, Process, Value};

/// Nanoseconds per clock tick in the recorded `time`.
const TICK_NS: i64 = 10_000;

/// Where a transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Begin,
    Run,
    Commit,
    Complete(EventKind, Option<&'static str>),
}

/// A client's transaction in flight.
struct Txn<D> {
    mops: Vec<Mop>,
    reads: Vec<Option<D>>,
    next: usize,
    stage: Stage,
    crashes: bool,
    /// The invocation's value, reused by a `fail` or `info` completion.
    invoked: Value,
}

/// One client slot.
struct Client<D> {
    process: u64,
    txn: Option<Txn<D>>,
}

/// The recorder: micro-op names, and where events go.
struct Recorder<'s> {
    f: Arc<str>,
    write: Arc<str>,
    recorded: u64,
    sink: &'s mut dyn FnMut(Event),
}

impl Recorder<'_> {
    fn record(
        &mut self,
        tick: u64,
        process: u64,
        kind: EventKind,
        value: Value,
        error: Option<&str>,
    ) {
        let index = self.recorded;
        self.recorded += 1;
        (self.sink)(Event {
            index: Some(index),
            time: Some(i64::try_from(tick).unwrap_or(i64::MAX / TICK_NS) * TICK_NS),
            process: Process::Client(process),
            kind,
            f: self.f.clone(),
            key: None,
            value,
            error: error.map(|e| Value::Keyword(e.into())),
            extra: Vec::new(),
            line: 0,
        });
    }

    /// `[:append k v]`, `[:w k v]` or `[:r k result]`.
    fn mop(&self, mop: &Mop, read: Option<Value>) -> Value {
        let (name, value) = match (mop.write, read) {
            (true, _) => (&*self.write, Value::Int(mop.value)),
            (false, result) => ("r", result.unwrap_or(Value::Nil)),
        };
        let key = Value::Int(i64::try_from(mop.key).unwrap_or(i64::MAX));
        Value::List(Box::new([Value::Keyword(name.into()), key, value]))
    }
}

/// Runs `options.txns` transactions against `db`, handing each event to `sink` as it happens.
pub(super) fn simulate<D: Datum>(
    options: &TxnOptions,
    db: &mut dyn Db<D>,
    rng: &mut ChaCha8Rng,
    sink: &mut dyn FnMut(Event),
) {
    let concurrency = options.concurrency;
    let mut keys = KeyPool::new(
        options.key_count,
        options.max_writes_per_key,
        options.key_dist,
    );
    let mut clients: Vec<Client<D>> = (0..concurrency as u64)
        .map(|process| Client { process, txn: None })
        .collect();
    let mut recorder = Recorder {
        f: "txn".into(),
        write: match options.workload {
            TxnWorkload::ListAppend => "append".into(),
            TxnWorkload::RwRegister => "w".into(),
        },
        recorded: 0,
        sink,
    };
    let (mut started, mut busy) = (0usize, 0usize);
    let mut tick = 0u64;
    while started < options.txns || busy > 0 {
        tick += 1;
        let slot = rng.gen_range(0..concurrency);
        let client = &mut clients[slot];
        let Some(txn) = &mut client.txn else {
            if started < options.txns {
                let mops = keys.txn(rng, options.min_txn_length, options.max_txn_length);
                let invoked = Value::list(
                    mops.iter()
                        .map(|mop| recorder.mop(mop, None))
                        .collect::<Vec<_>>(),
                );
                recorder.record(
                    tick,
                    client.process,
                    EventKind::Invoke,
                    invoked.clone(),
                    None,
                );
                client.txn = Some(Txn {
                    reads: vec![None; mops.len()],
                    mops,
                    next: 0,
                    stage: Stage::Begin,
                    crashes: rng.gen_bool(options.crash_rate),
                    invoked,
                });
                started += 1;
                busy += 1;
            }
            continue;
        };
        match txn.stage {
            Stage::Begin => {
                db.begin(slot);
                txn.stage = Stage::Run;
            }
            Stage::Run => step(txn, slot, db),
            Stage::Commit => commit(txn, slot, db, options.abort_rate, rng),
            Stage::Complete(kind, error) => {
                let Some(txn) = client.txn.take() else {
                    continue;
                };
                let value = if kind == EventKind::Ok {
                    let mops = txn.mops.iter().zip(txn.reads);
                    Value::list(
                        mops.map(|(mop, read)| recorder.mop(mop, read.map(|r| r.to_value())))
                            .collect::<Vec<_>>(),
                    )
                } else {
                    txn.invoked
                };
                recorder.record(tick, client.process, kind, value, error);
                if kind == EventKind::Info {
                    client.process += concurrency as u64;
                }
                busy -= 1;
            }
        }
    }
}

/// Runs the transaction's next micro-op.
fn step<D: Datum>(txn: &mut Txn<D>, slot: usize, db: &mut dyn Db<D>) {
    let mop = txn.mops[txn.next];
    if mop.write {
        if db.write(slot, mop.key, mop.value).is_err() {
            db.abort(slot);
            txn.stage = txn.failed("conflict");
            return;
        }
    } else {
        txn.reads[txn.next] = Some(db.read(slot, mop.key));
    }
    txn.next += 1;
    if txn.next == txn.mops.len() {
        txn.stage = Stage::Commit;
    }
}

/// Commits or aborts the transaction.
fn commit<D: Datum>(
    txn: &mut Txn<D>,
    slot: usize,
    db: &mut dyn Db<D>,
    abort_rate: f64,
    rng: &mut ChaCha8Rng,
) {
    if txn.crashes && rng.gen_bool(0.5) {
        db.abort(slot);
        txn.stage = txn.failed("crashed");
    } else if rng.gen_bool(abort_rate) {
        db.abort(slot);
        txn.stage = txn.failed("aborted");
    } else if db.commit(slot).is_err() {
        db.abort(slot);
        txn.stage = txn.failed("conflict");
    } else if txn.crashes {
        txn.stage = Stage::Complete(EventKind::Info, Some("crashed"));
    } else {
        txn.stage = Stage::Complete(EventKind::Ok, None);
    }
}

impl<D> Txn<D> {
    /// The completion of a transaction that did not commit: `info` if its client crashes.
    fn failed(&self, error: &'static str) -> Stage {
        if self.crashes {
            Stage::Complete(EventKind::Info, Some("crashed"))
        } else {
            Stage::Complete(EventKind::Fail, Some(error))
        }
    }
}
