//! Registers: `register`, `cas-register`, `etcd-register`, and (per key) `kv`.
//!
//! One spec, parameterised by [`Semantics`], because the three differ only in which functions
//! exist and what a failed `cas` means. The initial value is `nil` (Porcupine's etcd model calls
//! it "absent"; Jepsen reads it as `nil` too).
//!
//! Its polynomial paths ([`Spec::fast_path`]), one file each because each carries its own proof
//! sketch:
//! - `zones.rs`: Gibbons–Korach read-mapping zones, when written values are unique;
//! - `chain.rs`: the version chain, when every change is a `cas` to a unique value.
//!
//! They live here, not with the engine in `linearizable/`, because they decide register
//! histories only: the engine reaches them through [`Spec::fast_path`].

mod chain;
mod zones;

use hashbrown::HashSet;

use super::{Entry, FastPath, Lifted, Spec, Violation};
use crate::checker::Method;
use crate::history::{Op, Outcome, Value};

/// Which register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Semantics {
    /// `read`/`write` only.
    ReadWrite,
    /// Jepsen/Knossos: `read`/`write`/`cas`; a failed operation did not happen.
    Jepsen,
    /// Porcupine's etcd model: a failed `cas [old new]` happened and saw a value other than
    /// `old`.
    Etcd,
}

/// A register's operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// A read that returned the value.
    Read(Value),
    /// A write of the value.
    Write(Value),
    /// Compare-and-set `[old, new]` that succeeded (or, when optional, may have).
    Cas(Value, Value),
    /// A compare-and-set that failed: the value was not `old` (etcd semantics only).
    CasFailed(Value),
}

/// The register spec.
#[derive(Clone, Copy, Debug)]
pub struct Register {
    semantics: Semantics,
}

impl Register {
    /// A register with the given semantics.
    pub fn new(semantics: Semantics) -> Register {
        Register { semantics }
    }

    fn name(&self) -> &'static str {
        match self.semantics {
            Semantics::ReadWrite => "register",
            Semantics::Jepsen => "cas-register",
            Semantics::Etcd => "etcd-register",
        }
    }

    fn functions(&self) -> &'static [&'static str] {
        match self.semantics {
            Semantics::ReadWrite => &["read", "write"],
            _ => &["read", "write", "cas"],
        }
    }
}

impl Spec for Register {
    type State = Value;
    type Op = RegisterOp;

    fn init(&self) -> Value {
        Value::Nil
    }

    fn lift(&self, op: &Op) -> Result<Lifted<RegisterOp>, String> {
        let when = |o: RegisterOp| match op.outcome {
            Outcome::Ok => Lifted::Required(o),
            Outcome::Info => Lifted::Optional(o),
            Outcome::Fail => Lifted::Ignore,
        };
        Ok(match &*op.f {
            "read" => match op.outcome {
                Outcome::Ok => Lifted::Required(RegisterOp::Read(op.output.clone())),
                // An unknown or failed read observed nothing.
                _ => Lifted::Ignore,
            },
            "write" => when(RegisterOp::Write(op.input.clone())),
            "cas" if self.semantics != Semantics::ReadWrite => {
                let Some((old, new)) = op.input.as_pair() else {
                    return Err(format!(
                        "cas expects a value [old, new], found {}",
                        op.input
                    ));
                };
                match (op.outcome, self.semantics) {
                    (Outcome::Fail, Semantics::Etcd) => {
                        Lifted::Required(RegisterOp::CasFailed(old.clone()))
                    }
                    _ => when(RegisterOp::Cas(old.clone(), new.clone())),
                }
            }
            f => return Err(super::unknown_function(self.name(), f, self.functions())),
        })
    }

    fn step(&self, state: &Value, op: &RegisterOp) -> Option<Value> {
        match op {
            RegisterOp::Read(v) => (v == state).then(|| state.clone()),
            RegisterOp::Write(v) => Some(v.clone()),
            RegisterOp::Cas(old, new) => (old == state).then(|| new.clone()),
            RegisterOp::CasFailed(old) => (old != state).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &RegisterOp) -> bool {
        matches!(op, RegisterOp::Read(_) | RegisterOp::CasFailed(_))
    }

    /// A read (or cas) of `v` needs an operation that can still produce `v`; a failed cas of
    /// `old` needs one that can produce something else.
    fn reachable(&self, state: &Value, op: &RegisterOp, before: &[&RegisterOp]) -> bool {
        // The search asks this after nearly every step, over up to 64 operations: written
        // without a closure per operation, and integers compared in place.
        match op {
            RegisterOp::Read(v) => before
                .iter()
                .any(|b| matches!(b, RegisterOp::Write(p) | RegisterOp::Cas(_, p) if same(p, v))),
            RegisterOp::CasFailed(old) => !same(state, old)
                || before.iter().any(
                    |b| matches!(b, RegisterOp::Write(p) | RegisterOp::Cas(_, p) if !same(p, old)),
                ),
            _ => true,
        }
    }

    fn describe_state(&self, state: &Value) -> String {
        state.to_string()
    }

    /// Drops optional writes (and cas) whose value nothing observes. Removing such an operation
    /// from any linearization only changes the state, between it and the next write, from a
    /// value nobody reads or compares against to the previous one; so it can always be left out.
    /// A failed cas (etcd) observes "not old", which any value can satisfy, so with failed cas
    /// present nothing is dropped.
    fn simplify(&self, mut entries: Vec<Entry<RegisterOp>>) -> Vec<Entry<RegisterOp>> {
        if entries
            .iter()
            .any(|e| matches!(e.op, RegisterOp::CasFailed(_)))
        {
            return entries;
        }
        loop {
            let droppable: Vec<bool> = {
                let mut observed: HashSet<&Value> = HashSet::new();
                for e in &entries {
                    match &e.op {
                        RegisterOp::Read(v) => {
                            observed.insert(v);
                        }
                        RegisterOp::Cas(old, _) => {
                            observed.insert(old);
                        }
                        _ => {}
                    }
                }
                entries
                    .iter()
                    .map(|e| {
                        e.optional
                            && match &e.op {
                                RegisterOp::Write(v) | RegisterOp::Cas(_, v) => {
                                    !observed.contains(v)
                                }
                                _ => false,
                            }
                    })
                    .collect()
            };
            if !droppable.contains(&true) {
                return entries;
            }
            let mut keep = droppable.iter().map(|d| !d);
            entries.retain(|_| keep.next().unwrap_or(true));
        }
    }

    /// Reads (and cas) of a value no operation could have produced, or only produced after the
    /// read had returned.
    fn precheck(&self, entries: &[Entry<RegisterOp>]) -> Option<Violation> {
        let first_producer = super::earliest_producers(entries, |op| match op {
            RegisterOp::Write(v) | RegisterOp::Cas(_, v) => Some(v),
            _ => None,
        });
        for (i, e) in entries.iter().enumerate() {
            let (needed, what) = match &e.op {
                RegisterOp::Read(v) if !e.optional => (v, "read"),
                RegisterOp::Cas(old, _) if !e.optional => (old, "cas"),
                _ => continue,
            };
            if needed.is_nil() {
                continue;
            }
            match first_producer.get(needed) {
                None => {
                    return Some(Violation {
                        entries: vec![i],
                        reason: format!("{what} expects {needed}, a value no operation wrote"),
                    })
                }
                Some(&(call, producer)) if call > e.ret => {
                    return Some(Violation {
                        entries: vec![i, producer],
                        reason: format!(
                            "{what} expects {needed}, but every write of {needed} began after \
                             it had returned"
                        ),
                    })
                }
                _ => {}
            }
        }
        None
    }

    fn fast_path(&self, entries: &[Entry<RegisterOp>]) -> Option<FastPath> {
        if let Some(verdict) = zones::check_register(entries) {
            return Some(FastPath {
                method: Method::Zones,
                verdict,
            });
        }
        chain::check_register(entries).map(|verdict| FastPath {
            method: Method::VersionChain,
            verdict,
        })
    }
}
/// `a == b`, with integers (the usual register values) compared without a call.
#[inline]
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        _ => a == b,
    }
}
