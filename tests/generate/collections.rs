//! True objects for the general simulator: set, FIFO queue, counter.

use std::collections::{BTreeSet, VecDeque};

use rand::seq::SliceRandom;
use rand::Rng as _;
use splitbrain::history::Value;

use super::objects::other_than;
use super::sim::{Effect, Invocation, Object, Rng};

/// A grow-only set of small integers. Reads list the elements in random order (sometimes as an
/// EDN-style set value, sometimes with an element repeated).
#[derive(Clone, Debug, Default)]
pub struct Set {
    elements: BTreeSet<i64>,
}

impl Object for Set {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        if rng.gen_bool(0.6) {
            Invocation {
                f: "add",
                key: None,
                input: Value::Int(rng.gen_range(0..=4)),
            }
        } else {
            Invocation {
                f: "read",
                key: None,
                input: Value::Nil,
            }
        }
    }

    fn apply(&mut self, rng: &mut Rng, invocation: &Invocation) -> Effect {
        if invocation.f == "add" {
            self.elements
                .insert(invocation.input.as_int().expect("int"));
            return Effect::Ok(invocation.input.clone());
        }
        let mut items: Vec<Value> = self.elements.iter().map(|&e| Value::Int(e)).collect();
        if !items.is_empty() && rng.gen_bool(0.1) {
            // A read is compared as a set: a repeated element changes nothing.
            items.push(items[0].clone());
        }
        items.shuffle(rng);
        if rng.gen_bool(0.2) {
            Effect::Ok(Value::Set(items.into_boxed_slice()))
        } else {
            Effect::Ok(Value::list(items))
        }
    }

    fn read_like(&self, f: &str) -> bool {
        f == "read"
    }

    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        let mut items = output.as_list()?.to_vec();
        if !items.is_empty() && rng.gen_bool(0.5) {
            items.remove(rng.gen_range(0..items.len()));
        } else {
            let absent: Vec<i64> = (0..=5)
                .filter(|e| !items.contains(&Value::Int(*e)))
                .collect();
            items.push(Value::Int(*absent.choose(rng)?));
        }
        Some(Value::list(items))
    }
}

/// A FIFO queue of small integers (duplicates happen).
#[derive(Clone, Debug, Default)]
pub struct Queue {
    items: VecDeque<Value>,
}

impl Object for Queue {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        if rng.gen_bool(0.55) {
            Invocation {
                f: "enqueue",
                key: None,
                input: Value::Int(rng.gen_range(1..=3)),
            }
        } else {
            Invocation {
                f: "dequeue",
                key: None,
                input: Value::Nil,
            }
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        if invocation.f == "enqueue" {
            self.items.push_back(invocation.input.clone());
            Effect::Ok(invocation.input.clone())
        } else {
            Effect::Ok(self.items.pop_front().unwrap_or(Value::Nil))
        }
    }

    fn read_like(&self, f: &str) -> bool {
        f == "dequeue"
    }

    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        let domain = [Value::Nil, Value::Int(1), Value::Int(2), Value::Int(3)];
        other_than(rng, &domain, output)
    }
}

/// A counter; adds of small positive and negative integers.
#[derive(Clone, Debug, Default)]
pub struct Counter {
    sum: i64,
}

impl Object for Counter {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        if rng.gen_bool(0.6) {
            let n = *[1, 1, 2, 3, -2].choose(rng).expect("non-empty");
            Invocation {
                f: "add",
                key: None,
                input: Value::Int(n),
            }
        } else {
            Invocation {
                f: "read",
                key: None,
                input: Value::Nil,
            }
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        if invocation.f == "add" {
            self.sum += invocation.input.as_int().expect("int");
            Effect::Ok(invocation.input.clone())
        } else {
            Effect::Ok(Value::Int(self.sum))
        }
    }

    fn read_like(&self, f: &str) -> bool {
        f == "read"
    }

    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        let delta = *[-2, -1, 1, 2].choose(rng).expect("non-empty");
        Some(Value::Int(output.as_int()? + delta))
    }
}
