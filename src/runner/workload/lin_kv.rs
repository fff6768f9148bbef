//! `lin-kv`: `read`, `write` and `cas` over `--key-count` keys, checked for linearizability with
//! the `kv` model (a cas-register per key).
//!
//! With `--ops-per-key N`, a key is retired after N operations and a fresh key takes its place
//! (Jepsen's independent-key generator): histories per key stay short, and every new key starts
//! with concurrent first writes, which is where consensus bugs live.
//!
//! Written values are unique per key (1, 2, 3, ...), so a stale read names the write it saw and
//! the checker's polynomial paths apply; a `cas` goes from one of the key's last three written
//! values to a fresh one. A read of a missing key (error 20) is recorded as a read of `nil`:
//! the register's initial value.

use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, standard_completion, Completion, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::{self, CheckError, CheckOptions, Model};
use crate::history::{History, Value};
use crate::runner::json::{to_json, to_value};
use crate::runner::protocol::KEY_DOES_NOT_EXIST;

/// Keys' recent values remembered for `cas`.
const RECENT: usize = 3;

/// The linearizable key-value workload.
#[derive(Debug)]
pub(super) struct LinKv {
    /// Per key ever used (keys are 0, 1, 2, …): the next value to write.
    next_value: Vec<i64>,
    /// Per key ever used: its last written values.
    recent: Vec<VecDeque<i64>>,
    /// Per key ever used: operations generated on it.
    ops_on: Vec<usize>,
    /// The keys in use.
    active: Vec<usize>,
    /// Operations after which a key is replaced by a fresh one (0: never).
    ops_per_key: usize,
}

impl LinKv {
    pub(super) fn new(key_count: usize, ops_per_key: usize) -> LinKv {
        let keys = key_count.max(1);
        LinKv {
            next_value: vec![1; keys],
            recent: vec![VecDeque::new(); keys],
            ops_on: vec![0; keys],
            active: (0..keys).collect(),
            ops_per_key,
        }
    }

    /// Counts an operation on the key in `slot`, retiring it once it has had its share.
    fn count(&mut self, slot: usize) {
        let k = self.active[slot];
        self.ops_on[k] += 1;
        if self.ops_per_key > 0 && self.ops_on[k] >= self.ops_per_key {
            self.active[slot] = self.next_value.len();
            self.next_value.push(1);
            self.recent.push(VecDeque::new());
            self.ops_on.push(0);
        }
    }

    fn fresh(&mut self, k: usize) -> i64 {
        let v = self.next_value[k];
        self.next_value[k] += 1;
        if self.recent[k].len() == RECENT {
            self.recent[k].pop_front();
        }
        self.recent[k].push_back(v);
        v
    }
}

impl Workload for LinKv {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        let slot = rng.gen_range(0..self.active.len());
        let k = self.active[slot];
        let key = Some(Value::Int(k as i64));
        let roll: f64 = rng.gen_range(0.0..1.0);
        let (f, value) = if roll < 0.5 {
            ("read", Value::Nil)
        } else if roll < 0.75 || self.recent[k].is_empty() {
            ("write", Value::Int(self.fresh(k)))
        } else {
            let from = *self.recent[k]
                .make_contiguous()
                .choose(rng)
                .expect("not empty");
            let to = self.fresh(k);
            ("cas", Value::list(vec![Value::Int(from), Value::Int(to)]))
        };
        self.count(slot);
        Some(Invocation {
            f,
            key,
            value,
            final_read: false,
            body: None,
        })
    }

    /// Every key read through every node: a store whose replicas diverged (or never converge)
    /// shows it here even when each replica is self-consistent.
    fn final_ops(&mut self, node_count: usize) -> Vec<(usize, Invocation)> {
        let keys = self.active.clone();
        keys.into_iter()
            .flat_map(|k| {
                (0..node_count.max(1)).map(move |node| {
                    let op = Invocation {
                        f: "read",
                        key: Some(Value::Int(k as i64)),
                        value: Value::Nil,
                        final_read: true,
                        body: None,
                    };
                    (node, op)
                })
            })
            .collect()
    }

    fn request(&self, op: &Invocation) -> Json {
        let key = op.key.as_ref().map(to_json).unwrap_or(Json::Null);
        match (op.f, op.value.as_pair()) {
            ("write", _) => json!({"type": "write", "key": key, "value": to_json(&op.value)}),
            ("cas", Some((from, to))) => {
                json!({"type": "cas", "key": key, "from": to_json(from), "to": to_json(to)})
            }
            _ => json!({"type": "read", "key": key}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        match op.f {
            "read" => field(body, "value").map(to_value),
            _ => Ok(op.value.clone()),
        }
    }

    fn complete(&self, op: &Invocation, request_type: &str, body: &Json) -> Completion {
        let code = body.get("code").and_then(Json::as_i64);
        if op.f == "read"
            && body.get("type").and_then(Json::as_str) == Some("error")
            && code == Some(KEY_DOES_NOT_EXIST)
        {
            return Completion::Ok(Value::Nil);
        }
        standard_completion(self, op, request_type, body)
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let ops = history.ops(None)?;
        let report = checker::check(&ops, &CheckOptions::with_model(Model::Kv))?;
        let summary = match report.keys.iter().find_map(|k| {
            k.witness
                .as_ref()
                .map(|w| (k.key.clone().unwrap_or(Value::Nil), w))
        }) {
            Some((key, w)) => format!("not linearizable: key {key}: cannot linearize {}", w.op),
            None => {
                let what = match report.verdict {
                    checker::Verdict::Valid => "linearizable",
                    _ => "not known to be linearizable (a check limit was hit)",
                };
                format!("{what}: {} ops over {} keys", report.ops, report.keys.len())
            }
        };
        Ok(WorkloadCheck {
            verdict: report.verdict,
            summary,
            details: serde_json::to_value(&report).unwrap_or(Json::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn a_key_is_retired_after_its_operations_and_a_fresh_one_takes_its_place() {
        let mut workload = LinKv::new(1, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let ctx = Context {
            process: 0,
            node: 0,
            worker: 0,
        };
        let keys: Vec<Value> = (0..7)
            .map(|_| workload.next(&ctx, &mut rng).unwrap().key.unwrap())
            .collect();
        let int = |k: i64| Value::Int(k);
        assert_eq!(
            keys,
            [int(0), int(0), int(0), int(1), int(1), int(1), int(2)]
        );
        let finals = workload.final_ops(2);
        assert_eq!(finals.len(), 2, "the key in use, through each node");
        assert!(finals.iter().all(|(_, op)| op.key == Some(int(2))));
    }

    #[test]
    fn without_a_limit_the_keys_stay_fixed() {
        let mut workload = LinKv::new(4, 0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let ctx = Context {
            process: 0,
            node: 0,
            worker: 0,
        };
        for _ in 0..100 {
            let key = workload.next(&ctx, &mut rng).unwrap().key.unwrap();
            assert!(matches!(key, Value::Int(0..=3)), "{key:?}");
        }
        assert_eq!(workload.final_ops(3).len(), 12);
    }
}
