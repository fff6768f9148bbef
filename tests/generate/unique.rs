//! True objects aimed at the engine's polynomial paths: registers whose written values are all
//! distinct, and compare-and-set chains.
//!
//! Values are never reused, so corrupted reads are the classic anomalies: a stale value (written
//! earlier), a value from the future (its write not yet in effect), a value never written, or the
//! initial nil. Lost writes, crashes (`info`) and interval changes come from the simulator.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand::Rng as _;
use splitbrain::history::Value;

use super::objects::{apply_register, other_than, pick_key};
use super::sim::{Effect, Invocation, Object, Rng};

/// What the unique-value objects share: the state per key, every value ever chosen per key, and
/// how fresh values are made (unique across keys, or per key only — a kv's fast path must tell
/// keys apart).
#[derive(Clone, Debug, Default)]
struct Values {
    keys: Vec<Value>,
    state: BTreeMap<Option<Value>, Value>,
    chosen: BTreeMap<Option<Value>, Vec<Value>>,
    next: i64,
    /// Values unique per key only: different keys reuse the same values.
    unique_per_key: bool,
}

impl Values {
    /// Values for `keys`; unique per key only, or across keys too, at random.
    fn new(rng: &mut Rng, keys: Vec<Value>) -> Values {
        let unique_per_key = rng.gen_bool(0.5);
        Values {
            keys,
            unique_per_key,
            ..Values::default()
        }
    }

    fn fresh(&mut self, key: &Option<Value>) -> Value {
        let chosen = self.chosen.entry(key.clone()).or_default();
        let value = if self.unique_per_key {
            Value::Int(chosen.len() as i64 + 1)
        } else {
            self.next += 1;
            Value::Int(self.next)
        };
        chosen.push(value.clone());
        value
    }

    fn current(&self, key: &Option<Value>) -> Value {
        self.state.get(key).cloned().unwrap_or(Value::Nil)
    }

    fn apply(&mut self, invocation: &Invocation) -> Effect {
        apply_register(
            self.state
                .entry(invocation.key.clone())
                .or_insert(Value::Nil),
            invocation,
        )
    }

    /// A wrong read: stale, future, never written, nil, or written to another key.
    fn corrupt(&self, rng: &mut Rng, key: &Option<Value>, output: &Value) -> Option<Value> {
        let mut options = self.chosen.get(key).cloned().unwrap_or_default();
        options.extend([Value::Nil, Value::Int(999)]);
        if rng.gen_bool(0.2) {
            // A value written to another key.
            options = self.chosen.values().flatten().cloned().collect();
        }
        other_than(rng, &options, output)
    }
}

/// A register (or a kv of registers) where every write writes a fresh value.
#[derive(Clone, Debug)]
pub struct UniqueRegister {
    values: Values,
}

impl UniqueRegister {
    /// Keyed when `keys` is not empty.
    pub fn new(rng: &mut Rng, keys: Vec<Value>) -> UniqueRegister {
        UniqueRegister {
            values: Values::new(rng, keys),
        }
    }
}

impl Object for UniqueRegister {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let key = pick_key(rng, &self.values.keys);
        if rng.gen_bool(0.5) {
            Invocation {
                f: "read",
                key,
                input: Value::Nil,
            }
        } else {
            let input = self.values.fresh(&key);
            Invocation {
                f: "write",
                key,
                input,
            }
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        self.values.apply(invocation)
    }

    fn read_like(&self, f: &str) -> bool {
        f == "read"
    }

    fn corrupt(&self, rng: &mut Rng, invocation: &Invocation, output: &Value) -> Option<Value> {
        self.values.corrupt(rng, &invocation.key, output)
    }
}

/// A compare-and-set chain per key: optionally one initial write, then every change a `cas`
/// from (usually) the current value to a fresh one; reads in between.
#[derive(Clone, Debug)]
pub struct CasChain {
    values: Values,
    initial_write: bool,
    etcd: bool,
    started: BTreeSet<Option<Value>>,
}

impl CasChain {
    /// A chain per key (one chain when `keys` is empty); `etcd` when failed cas ops are claims
    /// about the value, so the network must not fail them.
    pub fn new(rng: &mut Rng, keys: Vec<Value>, etcd: bool) -> CasChain {
        CasChain {
            values: Values::new(rng, keys),
            initial_write: rng.gen_bool(0.5),
            etcd,
            started: BTreeSet::new(),
        }
    }
}

impl Object for CasChain {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let key = pick_key(rng, &self.values.keys);
        if self.started.insert(key.clone()) && self.initial_write {
            let input = self.values.fresh(&key);
            return Invocation {
                f: "write",
                key,
                input,
            };
        }
        if rng.gen_bool(0.4) {
            return Invocation {
                f: "read",
                key,
                input: Value::Nil,
            };
        }
        let old = if rng.gen_bool(0.6) {
            self.values.current(&key)
        } else {
            let mut seen = self.values.chosen.get(&key).cloned().unwrap_or_default();
            seen.push(Value::Nil);
            seen.choose(rng).expect("non-empty").clone()
        };
        let new = self.values.fresh(&key);
        Invocation {
            f: "cas",
            key,
            input: Value::list(vec![old, new]),
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        self.values.apply(invocation)
    }

    fn read_like(&self, f: &str) -> bool {
        f == "read"
    }

    fn corrupt(&self, rng: &mut Rng, invocation: &Invocation, output: &Value) -> Option<Value> {
        self.values.corrupt(rng, &invocation.key, output)
    }

    fn may_fail(&self, invocation: &Invocation) -> bool {
        !(self.etcd && invocation.f == "cas")
    }
}
