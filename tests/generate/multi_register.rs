//! A true map of registers (Knossos' `multi-register`): transactions of one to three reads and
//! writes over two keys and a few values, each key `nil` until written.

use rand::seq::SliceRandom;
use rand::Rng as _;
use splitbrain::history::Value;

use super::objects::other_than;
use super::sim::{Effect, Invocation, Object, Rng};

const KEYS: [&str; 2] = ["x", "y"];

/// The map, as `(key, value)` pairs of the keys written so far.
#[derive(Clone, Debug, Default)]
pub struct MultiRegister {
    registers: Vec<(Value, Value)>,
}

fn micro(f: &str, key: &Value, value: Value) -> Value {
    Value::list(vec![Value::str(f), key.clone(), value])
}

impl Object for MultiRegister {
    fn invoke(&mut self, rng: &mut Rng) -> Invocation {
        let micros: Vec<Value> = (0..rng.gen_range(1..=3))
            .map(|_| {
                let key = Value::str(*KEYS.choose(rng).expect("non-empty"));
                if rng.gen_bool(0.5) {
                    micro("read", &key, Value::Nil)
                } else {
                    micro("write", &key, Value::Int(rng.gen_range(0..=2)))
                }
            })
            .collect();
        Invocation {
            f: "txn",
            key: None,
            input: Value::list(micros),
        }
    }

    fn apply(&mut self, _rng: &mut Rng, invocation: &Invocation) -> Effect {
        let mut done = Vec::new();
        for m in invocation.input.as_list().expect("a list of micro-ops") {
            let [f, key, value] = m.as_list().expect("[f k v]") else {
                unreachable!("micro-ops are written as triples")
            };
            let slot = self.registers.iter_mut().find(|(k, _)| k == key);
            match (f.as_text(), slot) {
                (Some("read"), Some((_, current))) => {
                    done.push(micro("read", key, current.clone()))
                }
                (Some("read"), None) => done.push(micro("read", key, Value::Nil)),
                (_, Some((_, current))) => {
                    *current = value.clone();
                    done.push(m.clone());
                }
                (_, None) => {
                    self.registers.push((key.clone(), value.clone()));
                    done.push(m.clone());
                }
            }
        }
        Effect::Ok(Value::list(done))
    }

    fn read_like(&self, _f: &str) -> bool {
        true
    }

    /// One read's result replaced by another value.
    fn corrupt(&self, rng: &mut Rng, _invocation: &Invocation, output: &Value) -> Option<Value> {
        let mut micros = output.as_list()?.to_vec();
        let reads: Vec<usize> = (0..micros.len())
            .filter(|&i| micros[i].as_list().and_then(|p| p[0].as_text()) == Some("read"))
            .collect();
        let &i = reads.choose(rng)?;
        let parts = micros[i].as_list()?.to_vec();
        let domain = [Value::Int(0), Value::Int(1), Value::Int(2), Value::Int(3)];
        let wrong = other_than(rng, &domain, &parts[2])?;
        micros[i] = micro("read", &parts[1], wrong);
        Some(Value::list(micros))
    }
}
