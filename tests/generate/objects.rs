//! True objects for the general simulator, one per spec, over small value domains so that
//! values collide: registers (plain, cas, etcd; keyed for kv), append-kv and mutex.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::Rng as _;
use splitbrain::history::Value;

use super::sim::{Effect, Invocation, Object, Rng};

/// Picks one of `keys`, or no key when there are none.
pub fn pick_key(rng: &mut Rng, keys: &[Value]) -> Option<Value> {
    keys.choose(rng).cloned()
}

/// Keys `"x"`, `"y"`, ... : one or two of them, at random.
pub fn some_keys(rng: &mut Rng) -> Vec<Value> {
    ["x", "y"][..rng.gen_range(1..=2)]
        .iter()
        .map(|&k| Value::str(k))
        .collect()
}

/// A value of `domain` other than `not`, if there is one.
pub fn other_than(rng: &mut Rng, domain: &[Value], not: &Value) -> Option<Value> {
    let others: Vec<&Value> = domain.iter().filter(|v| *v != not).collect();
    others.choose(rng).map(|v| (*v).clone())
}

/// Which register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// read, write.
    Plain,
    /// read, write, cas (Jepsen).
    Cas,
    /// read, write, cas, where a failed cas is a claim about the value (etcd).
    Etcd,
}

/// A register per key over the values nil, 1, 2, 3.
#[derive(Clone, Debug)]
pub struct Register {
    flavour: Flavour,
    keys: Vec<Value>,
    state: BTreeMap<Option<Value>, Value>,
}

impl Register {
    /// A register of `flavour`; keyed when `keys` is not empty.
    pub fn new(flavour: Flavour, keys: Vec<Value>) -> Register {
        Register {
            flavour,
            keys,
            state: BTreeMap::new(),
        }
    }

    fn domain() -> [Value; 4] {
        [Value::Nil, Value::Int(1), Value::Int(2), Value::Int(3)]
    }
}

/// Runs `invocation` on the register at `state` (shared with the unique-value objects).
pub fn apply_register(state: &mut Value, invocation: &Invocation) -> Effect {
    match invocation.f {
        "read" => Effect::Ok(state.clone()),
        "write" => {
            *state = invocation.input.clone();
            Effect::Ok(invocation.input.clone())
        }
        "cas" => {
            let (old, new) = invocation.input.as_pair().expect("cas [old new]");
            if state == old {
                *state = new.clone();
                Effect::Ok(invocation.input.clone())
            } else {
                Effect::Fail
            }
        }
        f => unreachable!("register has no {f}"),
    }
}

impl Object for Register {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let key = pick_key(rng, &self.keys);
        let roll = rng.gen_range(0..100);
        let (f, input) = if roll < 40 {
            ("read", Value::Nil)
        } else if roll < 70 || self.flavour == Flavour::Plain {
            ("write", Value::Int(rng.gen_range(1..=3)))
        } else {
            let current = self.state.get(&key).cloned().unwrap_or(Value::Nil);
            let old = if rng.gen_bool(0.5) {
                current
            } else {
                Register::domain().choose(rng).expect("non-empty").clone()
            };
            (
                "cas",
                Value::list(vec![old, Value::Int(rng.gen_range(1..=3))]),
            )
        };
        Invocation { f, key, input }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        apply_register(
            self.state
                .entry(invocation.key.clone())
                .or_insert(Value::Nil),
            invocation,
        )
    }

    fn read_like(&self, f: &str) -> bool {
        f == "read"
    }

    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        other_than(rng, &Register::domain(), output)
    }

    fn may_fail(&self, invocation: &Invocation) -> bool {
        !(self.flavour == Flavour::Etcd && invocation.f == "cas")
    }
}

/// Porcupine's kv: a string per key; `put` and `append` of one-letter strings.
#[derive(Clone, Debug)]
pub struct AppendKv {
    keys: Vec<Value>,
    state: BTreeMap<Value, String>,
}

impl AppendKv {
    /// An append-kv over `keys` (at least one).
    pub fn new(keys: Vec<Value>) -> AppendKv {
        AppendKv {
            keys,
            state: BTreeMap::new(),
        }
    }
}

impl Object for AppendKv {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let key = pick_key(rng, &self.keys);
        let roll = rng.gen_range(0..100);
        let text = Value::str(*["a", "b"].choose(rng).expect("non-empty"));
        let (f, input) = match roll {
            0..=39 => ("get", Value::Nil),
            40..=59 => ("put", text),
            _ => ("append", text),
        };
        Invocation { f, key, input }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        let key = invocation.key.clone().expect("append-kv is keyed");
        let state = self.state.entry(key).or_default();
        let text = invocation.input.as_text().unwrap_or_default();
        match invocation.f {
            "get" => return Effect::Ok(Value::str(state.as_str())),
            "put" => *state = text.to_string(),
            "append" => state.push_str(text),
            f => unreachable!("append-kv has no {f}"),
        }
        Effect::Ok(invocation.input.clone())
    }

    fn read_like(&self, f: &str) -> bool {
        f == "get"
    }

    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        let text = output.as_text().unwrap_or_default();
        let mut options = vec![
            format!("{text}a"),
            format!("{text}b"),
            "ab".into(),
            "ba".into(),
        ];
        if let Some(shorter) = text.get(..text.len().saturating_sub(1)) {
            options.push(shorter.to_string());
        }
        let options: Vec<Value> = options.into_iter().map(Value::str).collect();
        other_than(rng, &options, output)
    }
}

/// A lock. Clients mostly try what would succeed, so most operations are `ok`.
#[derive(Clone, Debug, Default)]
pub struct Mutex {
    held: bool,
}

impl Object for Mutex {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let release = rng.gen_bool(if self.held { 0.7 } else { 0.3 });
        Invocation {
            f: if release { "release" } else { "acquire" },
            key: None,
            input: Value::Nil,
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        let acquire = invocation.f == "acquire";
        if self.held == acquire {
            return Effect::Fail;
        }
        self.held = acquire;
        Effect::Ok(Value::Nil)
    }

    fn read_like(&self, _f: &str) -> bool {
        false
    }

    fn corrupt(&self, _rng: &mut Rng, _invocation: &Invocation, _output: &Value) -> Option<Value> {
        None
    }
}
