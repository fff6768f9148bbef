//! Single-object histories (registers, cas-registers, per-key kv), linearizable by construction.
//!
//! A generated history is recorded from a simulated *correct* object: every operation gets an
//! invocation time, a completion time and an effect point between them, and results are computed
//! by applying the effects in order, so the history is linearizable by construction. Crashed
//! operations complete with `info` and take effect, or not, at random; their client continues
//! under a fresh process id (Jepsen's convention). An [`Anomaly`] then breaks one result, so the
//! history is not linearizable. One seed drives every choice: the same [`GenOptions`] always give
//! the same history.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::history::{Event, EventKind, History, Value};

/// What the generated operations do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// read/write on registers.
    Register,
    /// read/write/cas on registers.
    CasRegister,
}

/// Which values writes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// Every write a fresh value (the polynomial path applies).
    Unique,
    /// Values from `0..n` (Jepsen's usual domain is 5): reads are ambiguous, search needed.
    Small(u32),
}

/// A deliberate bug injected after generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anomaly {
    /// None: the history is linearizable.
    None,
    /// A read late in the history returns a value overwritten long before.
    StaleRead,
}

/// Generator settings.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Operations to generate.
    pub ops: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// Keys (1: a single-object history without keys).
    pub keys: usize,
    /// Fraction of operations that are reads.
    pub read_fraction: f64,
    /// Fraction of writes (and cas) that crash: complete as `info`.
    pub crash_rate: f64,
    /// Operations.
    pub workload: Workload,
    /// Values written.
    pub values: Values,
    /// Injected bug.
    pub anomaly: Anomaly,
    /// The seed.
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            ops: 1000,
            clients: 10,
            keys: 1,
            read_fraction: 0.5,
            crash_rate: 0.0,
            workload: Workload::Register,
            values: Values::Unique,
            anomaly: Anomaly::None,
            seed: 0,
        }
    }
}

#[derive(Clone)]
struct GenOp {
    process: u64,
    key: usize,
    f: &'static str,
    input: Value,
    output: Value,
    kind: EventKind,
    invoke: u64,
    effect: u64,
    complete: u64,
    applied: bool,
}

/// Generates a history.
pub fn generate(options: &GenOptions) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let clients = options.clients.max(1);
    let keys = options.keys.max(1);
    let mut ops: Vec<GenOp> = Vec::with_capacity(options.ops);
    // Each client slot runs operations back to back with a little think time.
    let mut clock = vec![0u64; clients];
    let mut process: Vec<u64> = (0..clients as u64).collect();
    let mut next_process = clients as u64;
    let mut next_value: i64 = 1;
    for _ in 0..options.ops {
        let slot = rng.gen_range(0..clients);
        let invoke = clock[slot] * 8 + rng.gen_range(0..4);
        let duration = rng.gen_range(1..100u64);
        let complete = invoke + duration * 8;
        let effect = rng.gen_range(invoke + 1..complete);
        clock[slot] = complete / 8 + rng.gen_range(1..5);
        let key = rng.gen_range(0..keys);
        let read = rng.gen_bool(options.read_fraction.clamp(0.0, 1.0));
        let cas = !read && options.workload == Workload::CasRegister && rng.gen_bool(0.5);
        let mut value = || match options.values {
            Values::Unique => {
                next_value += 1;
                Value::Int(next_value - 1)
            }
            Values::Small(n) => Value::Int(rng.gen_range(0..n.max(1)) as i64),
        };
        let (f, input) = if read {
            ("read", Value::Nil)
        } else if cas {
            let old = value();
            let new = value();
            ("cas", Value::list(vec![old, new]))
        } else {
            ("write", value())
        };
        let crashed = !read && rng.gen_bool(options.crash_rate.clamp(0.0, 1.0));
        let applied = !crashed || rng.gen_bool(0.5);
        ops.push(GenOp {
            process: process[slot],
            key,
            f,
            input,
            output: Value::Nil,
            kind: if crashed {
                EventKind::Info
            } else {
                EventKind::Ok
            },
            invoke,
            effect,
            complete,
            applied,
        });
        if crashed {
            process[slot] = next_process;
            next_process += 1;
        }
    }

    // Apply effects in order to compute results.
    let mut by_effect: Vec<usize> = (0..ops.len()).collect();
    by_effect.sort_by_key(|&i| ops[i].effect);
    let mut state = vec![Value::Nil; keys];
    let mut writes_seen: Vec<Vec<Value>> = vec![Vec::new(); keys];
    for &i in &by_effect {
        let op = &mut ops[i];
        let current = &mut state[op.key];
        match op.f {
            "read" => op.output = current.clone(),
            "write" => {
                if op.applied {
                    *current = op.input.clone();
                    writes_seen[op.key].push(op.input.clone());
                }
                op.output = op.input.clone();
            }
            _ => {
                let (old, new) = op
                    .input
                    .as_pair()
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .unwrap();
                if op.applied && *current == old {
                    *current = new.clone();
                    writes_seen[op.key].push(new);
                } else if op.kind == EventKind::Ok {
                    op.kind = EventKind::Fail;
                }
                op.output = op.input.clone();
            }
        }
    }
    if options.anomaly == Anomaly::StaleRead {
        inject_stale_read(&mut ops, &by_effect, &mut rng);
    }

    let mut events: Vec<(u64, Event)> = Vec::with_capacity(2 * ops.len());
    for op in ops {
        let key = (keys > 1).then_some(Value::Int(op.key as i64));
        let mut invoke = Event::new(op.process, EventKind::Invoke, op.f, op.input.clone());
        invoke.key = key.clone();
        events.push((op.invoke, invoke));
        let value = if op.f == "read" && op.kind == EventKind::Ok {
            op.output
        } else {
            op.input
        };
        let mut done = Event::new(op.process, op.kind, op.f, value);
        done.key = key;
        events.push((op.complete, done));
    }
    events.sort_by_key(|(t, _)| *t);
    History::new(
        events
            .into_iter()
            .enumerate()
            .map(|(i, (t, mut e))| {
                e.index = Some(i as u64);
                e.time = Some(t as i64);
                e
            })
            .collect(),
    )
}

/// Makes a read late in the history return a value that was definitely overwritten before it
/// began: written by an `ok` write W1, followed in real time by another `ok` write W2 that
/// completed before the read was invoked. With unique values no order can explain it.
fn inject_stale_read(ops: &mut [GenOp], by_effect: &[usize], rng: &mut ChaCha8Rng) {
    let n = by_effect.len();
    let installs = |op: &GenOp| -> Option<Value> {
        match (op.f, op.kind) {
            ("write", EventKind::Ok) => Some(op.input.clone()),
            ("cas", EventKind::Ok) => Some(op.input.as_pair()?.1.clone()),
            _ => None,
        }
    };
    let start = rng.gen_range(n * 9 / 10..n.max(1));
    let reads = by_effect[start.min(n)..].iter().chain(by_effect.iter());
    for &r in reads {
        let read = &ops[r];
        if read.f != "read" || read.kind != EventKind::Ok {
            continue;
        }
        // W2: an ok write on the key that completed before the read began; W1: an ok write
        // that completed before W2 began, with a value other than what the read saw.
        let stale = by_effect.iter().find_map(|&w2| {
            let second = &ops[w2];
            installs(second)?;
            if second.key != read.key || second.complete >= read.invoke {
                return None;
            }
            by_effect.iter().find_map(|&w1| {
                let first = &ops[w1];
                let value = installs(first)?;
                (first.key == read.key && first.complete < second.invoke && value != read.output)
                    .then_some(value)
            })
        });
        if let Some(value) = stale {
            ops[r].output = value;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::{check, CheckOptions, Model, Verdict};

    fn verdict(options: &GenOptions, model: Model) -> Verdict {
        let ops = generate(options).ops(None).unwrap();
        check(&ops, &CheckOptions::with_model(model))
            .unwrap()
            .verdict
    }

    #[test]
    fn same_seed_same_history() {
        let options = GenOptions {
            ops: 50,
            seed: 7,
            ..GenOptions::default()
        };
        assert_eq!(generate(&options), generate(&options));
    }

    #[test]
    fn generated_histories_are_linearizable_and_stale_reads_are_not() {
        for seed in 0..20 {
            let mut options = GenOptions {
                ops: 200,
                clients: 8,
                crash_rate: 0.05,
                seed,
                ..GenOptions::default()
            };
            assert_eq!(
                verdict(&options, Model::Register),
                Verdict::Valid,
                "seed {seed}"
            );
            options.anomaly = Anomaly::StaleRead;
            assert_eq!(
                verdict(&options, Model::Register),
                Verdict::Invalid,
                "seed {seed}"
            );
            options.workload = Workload::CasRegister;
            options.values = Values::Small(5);
            options.anomaly = Anomaly::None;
            options.keys = 4;
            assert_eq!(verdict(&options, Model::Kv), Verdict::Valid, "seed {seed}");
        }
    }
}
