//! Linearizability of a recorded client history, with a verdict cache.
//!
//! The search itself is stateright's `LinearizabilityTester` (an exhaustive interleaving search
//! without memoization). Inside a model the same history is reached along many paths, so the
//! verdict is computed once per distinct history and cached in a [`VerdictCache`] shared by the
//! checker threads; the history also carries its verdict, so the `linearizable` property costs
//! O(1) per state. Failed operations (definite errors) are left out, as Knossos does; an
//! operation still open, or completed with an indefinite error, may or may not have happened.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use stateright::semantics::{ConsistencyTester, LinearizabilityTester, SequentialSpec};

use super::{EventKind, Function, HistoryEvent, OpValue};

/// The sequential specification a client history is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SequentialSpecKind {
    /// A single register with `read`, `write` and `cas`, initially `nil` ([`CasRegister`]).
    /// A history of reads and writes only is checked as a plain register.
    CasRegister,
}

/// A compare-and-set register holding `None` (nil) or a value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CasRegister(pub Option<u64>);

/// An operation on a [`CasRegister`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// Read the value.
    Read,
    /// Write a value.
    Write(u64),
    /// Replace `from` with `to`.
    Cas(u64, u64),
}

/// The result of a successful [`RegisterOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisterRet {
    /// The value read.
    ReadOk(Option<u64>),
    /// The write happened.
    WriteOk,
    /// The compare-and-set happened.
    CasOk,
}

impl SequentialSpec for CasRegister {
    type Op = RegisterOp;
    type Ret = RegisterRet;

    fn invoke(&mut self, op: &RegisterOp) -> RegisterRet {
        match *op {
            RegisterOp::Read => RegisterRet::ReadOk(self.0),
            RegisterOp::Write(value) => {
                self.0 = Some(value);
                RegisterRet::WriteOk
            }
            RegisterOp::Cas(from, to) => {
                // Only successful operations reach the tester; a `cas` whose `from` does not
                // match cannot return `CasOk`.
                if self.0 == Some(from) {
                    self.0 = Some(to);
                }
                RegisterRet::CasOk
            }
        }
    }

    fn is_valid_step(&mut self, op: &RegisterOp, ret: &RegisterRet) -> bool {
        match (*op, *ret) {
            (RegisterOp::Read, RegisterRet::ReadOk(value)) => self.0 == value,
            (RegisterOp::Write(value), RegisterRet::WriteOk) => {
                self.0 = Some(value);
                true
            }
            (RegisterOp::Cas(from, to), RegisterRet::CasOk) if self.0 == Some(from) => {
                self.0 = Some(to);
                true
            }
            _ => false,
        }
    }
}

/// Whether `events` is linearizable with respect to `kind`.
pub fn is_linearizable(kind: SequentialSpecKind, events: &[HistoryEvent]) -> bool {
    match kind {
        SequentialSpecKind::CasRegister => cas_register_verdict(events),
    }
}

fn cas_register_verdict(events: &[HistoryEvent]) -> bool {
    let failed = |process: u32, msg_id: u64| {
        events
            .iter()
            .any(|e| e.kind == EventKind::Fail && e.process == process && e.msg_id == msg_id)
    };
    // A process that got an indefinite answer may not issue again in Jepsen's model; should a
    // client do so anyway, its later operations run on a fresh thread (`generation`).
    let mut generation: HashMap<u32, u32> = HashMap::new();
    let mut tester = LinearizabilityTester::new(CasRegister(None));
    for event in events {
        let thread = (event.process, *generation.get(&event.process).unwrap_or(&0));
        let result = match event.kind {
            EventKind::Invoke if failed(event.process, event.msg_id) => continue,
            EventKind::Invoke => match register_op(event) {
                Some(op) => tester.on_invoke(thread, op).map(|_| ()),
                None => return false,
            },
            EventKind::Ok => match register_ret(event) {
                Some(ret) => tester.on_return(thread, ret).map(|_| ()),
                None => return false,
            },
            EventKind::Fail => continue,
            EventKind::Info => {
                *generation.entry(event.process).or_default() += 1;
                continue;
            }
        };
        if result.is_err() {
            return false;
        }
    }
    tester.serialized_history().is_some()
}

fn register_op(event: &HistoryEvent) -> Option<RegisterOp> {
    match (event.f, event.value) {
        (Function::Read, _) => Some(RegisterOp::Read),
        (Function::Write, OpValue::Int(v)) => Some(RegisterOp::Write(v)),
        (Function::Cas, OpValue::Pair(from, to)) => Some(RegisterOp::Cas(from, to)),
        _ => None,
    }
}

fn register_ret(event: &HistoryEvent) -> Option<RegisterRet> {
    match (event.f, event.value) {
        (Function::Read, OpValue::Null) => Some(RegisterRet::ReadOk(None)),
        (Function::Read, OpValue::Int(v)) => Some(RegisterRet::ReadOk(Some(v))),
        (Function::Write, _) => Some(RegisterRet::WriteOk),
        (Function::Cas, _) => Some(RegisterRet::CasOk),
        _ => None,
    }
}

/// Verdicts per distinct history, shared by all checker threads of one check.
#[derive(Debug)]
pub struct VerdictCache {
    kind: SequentialSpecKind,
    verdicts: Mutex<HashMap<Vec<HistoryEvent>, bool>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl VerdictCache {
    /// An empty cache for histories checked against `kind`.
    pub fn new(kind: SequentialSpecKind) -> VerdictCache {
        VerdictCache {
            kind,
            verdicts: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The verdict for `events`, searched at most once per distinct history.
    pub fn verdict(&self, events: &[HistoryEvent]) -> bool {
        if let Some(&verdict) = self.lock().get(events) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return verdict;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let verdict = is_linearizable(self.kind, events);
        self.lock().insert(events.to_vec(), verdict);
        verdict
    }

    /// `(hits, searches)` so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<HistoryEvent>, bool>> {
        self.verdicts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        process: u32,
        kind: EventKind,
        f: Function,
        value: OpValue,
        msg_id: u64,
    ) -> HistoryEvent {
        HistoryEvent {
            process,
            kind,
            f,
            value,
            error: None,
            msg_id,
        }
    }

    use EventKind::{Invoke, Ok};
    use Function::{Read, Write};

    #[test]
    fn sequential_writes_then_stale_read_is_not_linearizable() {
        let events = [
            event(0, Invoke, Write, OpValue::Int(1), 1),
            event(0, Ok, Write, OpValue::Int(1), 1),
            event(1, Invoke, Write, OpValue::Int(2), 1),
            event(1, Ok, Write, OpValue::Int(2), 1),
            event(0, Invoke, Read, OpValue::Null, 2),
            event(0, Ok, Read, OpValue::Int(1), 2),
        ];
        assert!(!is_linearizable(SequentialSpecKind::CasRegister, &events));
    }

    #[test]
    fn concurrent_writes_may_be_read_in_either_order() {
        let events = [
            event(0, Invoke, Write, OpValue::Int(1), 1),
            event(1, Invoke, Write, OpValue::Int(2), 1),
            event(0, Ok, Write, OpValue::Int(1), 1),
            event(1, Ok, Write, OpValue::Int(2), 1),
            event(0, Invoke, Read, OpValue::Null, 2),
            event(0, Ok, Read, OpValue::Int(1), 2),
        ];
        assert!(is_linearizable(SequentialSpecKind::CasRegister, &events));
    }

    #[test]
    fn failed_operations_are_left_out_and_open_ones_may_have_happened() {
        let mut failed_write = event(1, EventKind::Fail, Write, OpValue::Int(2), 1);
        failed_write.error = Some(crate::maelstrom::ErrorCode::PreconditionFailed);
        let events = [
            event(1, Invoke, Write, OpValue::Int(2), 1),
            failed_write,
            event(2, Invoke, Write, OpValue::Int(3), 1),
            event(0, Invoke, Read, OpValue::Null, 1),
            event(0, Ok, Read, OpValue::Int(3), 1),
        ];
        assert!(is_linearizable(SequentialSpecKind::CasRegister, &events));
        let mut read_of_failed = events.to_vec();
        read_of_failed[4].value = OpValue::Int(2);
        assert!(!is_linearizable(
            SequentialSpecKind::CasRegister,
            &read_of_failed
        ));
    }

    #[test]
    fn cache_searches_each_history_once() {
        let cache = VerdictCache::new(SequentialSpecKind::CasRegister);
        let events = [
            event(0, Invoke, Read, OpValue::Null, 1),
            event(0, Ok, Read, OpValue::Null, 1),
        ];
        assert!(cache.verdict(&events));
        assert!(cache.verdict(&events));
        assert_eq!(cache.stats(), (1, 1));
    }
}
