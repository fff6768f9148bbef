//! `lock`: each process acquires the lock, then releases it; a successful `acquire_ok` carries a
//! fencing `token` (an integer).
//!
//! The checker asks two things: the acquires and releases are a linearizable mutex (the `mutex`
//! model), and fencing tokens increase strictly in real time: a token returned by an acquire
//! that completed before another acquire was invoked is smaller than that acquire's token (so no
//! two acquires get the same token).
//!
//! That is sound for a lock that claims mutual exclusion; a LEASE lock is checked by
//! `lease_lock.rs` instead (a correct lease lock is not a linearizable mutex).

use std::collections::{HashMap, HashSet};

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, Completion, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::{self, CheckError, CheckOptions, Model, Verdict};
use crate::history::{History, Op, Outcome, Value};

/// The lock workload; remembers which processes hold the lock (by their own account).
#[derive(Debug, Default)]
pub(super) struct Lock {
    holders: HashSet<u64>,
}

impl Workload for Lock {
    fn next(&mut self, ctx: &Context, _rng: &mut ChaCha8Rng) -> Option<Invocation> {
        Some(if self.holders.contains(&ctx.process) {
            Invocation::new("release", Value::Nil)
        } else {
            Invocation::new("acquire", Value::Nil)
        })
    }

    fn update(&mut self, ctx: &Context, op: &Invocation, done: &Completion) {
        match (op.f, done) {
            ("acquire", Completion::Ok(_)) => {
                self.holders.insert(ctx.process);
            }
            ("release", _) => {
                self.holders.remove(&ctx.process);
            }
            _ => {}
        }
    }

    fn request(&self, op: &Invocation) -> Json {
        json!({"type": op.f})
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        match op.f {
            "acquire" => match field(body, "token")?.as_i64() {
                Some(t) => Ok(Value::Int(t)),
                None => Err(format!("token should be an integer: {body}")),
            },
            _ => Ok(Value::Nil),
        }
    }

    fn is_idempotent(&self, _f: &str) -> bool {
        false
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let ops = history.ops(None)?;
        let report = checker::check(&ops, &CheckOptions::with_model(Model::Mutex))?;
        let tokens = token_violations(&ops);
        let verdict = report.verdict.combine(if tokens.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        });
        let mut problems = Vec::new();
        if let Some(w) = report.keys.iter().find_map(|k| k.witness.as_ref()) {
            problems.push(format!(
                "not a linearizable mutex: cannot linearize {}",
                w.op
            ));
        }
        if let Some(first) = tokens.first() {
            problems.push(format!(
                "{} fencing-token violations, e.g. {first}",
                tokens.len()
            ));
        }
        let acquired = ops
            .iter()
            .filter(|o| &*o.f == "acquire" && o.outcome == Outcome::Ok)
            .count();
        let summary = if problems.is_empty() {
            format!("{acquired} acquisitions: a linearizable mutex, tokens increasing")
        } else {
            problems.join("; ")
        };
        Ok(WorkloadCheck {
            verdict,
            summary,
            details: json!({
                "mutex": serde_json::to_value(&report).unwrap_or(Json::Null),
                "token_violations": &tokens[..tokens.len().min(20)],
            }),
        })
    }
}

/// Pairs of successful acquires whose tokens do not increase in real time, described.
pub(crate) fn token_violations(ops: &[Op]) -> Vec<String> {
    let mut acquires: Vec<(&Op, i64)> = ops
        .iter()
        .filter(|o| &*o.f == "acquire" && o.outcome == Outcome::Ok)
        .filter_map(|o| o.output.as_int().map(|t| (o, t)))
        .collect();
    let mut out = Vec::new();
    let mut seen: HashMap<i64, &Op> = HashMap::new();
    for (op, t) in &acquires {
        if let Some(other) = seen.insert(*t, op) {
            out.push(format!("token {t} given to both `{other}` and `{op}`"));
        }
    }
    // By completion, then sweep by invocation keeping the largest token completed before it.
    let mut by_return = acquires.clone();
    by_return.sort_by_key(|(o, _)| o.ret);
    acquires.sort_by_key(|(o, _)| o.call);
    let mut done = 0;
    let mut best: Option<(&Op, i64)> = None;
    for (op, t) in &acquires {
        while done < by_return.len() && by_return[done].0.ret < op.call {
            let (o, tt) = by_return[done];
            if best.is_none_or(|(_, b)| tt > b) {
                best = Some((o, tt));
            }
            done += 1;
        }
        if let Some((before, bt)) = best {
            if *t <= bt {
                out.push(format!(
                    "`{op}` got token {t} after `{before}` had completed with token {bt}"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, EventKind};

    fn history(events: &[(u64, EventKind, &str, Value)]) -> Vec<Op> {
        let events: Vec<Event> = events
            .iter()
            .map(|(p, k, f, v)| Event::new(*p, *k, f, v.clone()))
            .collect();
        History::new(events).ops(None).unwrap()
    }

    #[test]
    fn tokens_that_go_down_in_real_time_are_violations() {
        use EventKind::*;
        let ops = history(&[
            (0, Invoke, "acquire", Value::Nil),
            (0, Ok, "acquire", Value::Int(5)),
            (0, Invoke, "release", Value::Nil),
            (0, Ok, "release", Value::Nil),
            (1, Invoke, "acquire", Value::Nil),
            (1, Ok, "acquire", Value::Int(3)),
        ]);
        let v = token_violations(&ops);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("token 3"), "{v:?}");
    }

    #[test]
    fn increasing_tokens_and_concurrent_acquires_are_fine() {
        use EventKind::*;
        let ops = history(&[
            (0, Invoke, "acquire", Value::Nil),
            (1, Invoke, "acquire", Value::Nil),
            (1, Ok, "acquire", Value::Int(2)),
            (0, Ok, "acquire", Value::Int(1)),
            (2, Invoke, "acquire", Value::Nil),
            (2, Ok, "acquire", Value::Int(3)),
        ]);
        assert!(token_violations(&ops).is_empty());
    }

    #[test]
    fn a_token_given_twice_is_a_violation() {
        use EventKind::*;
        let ops = history(&[
            (0, Invoke, "acquire", Value::Nil),
            (1, Invoke, "acquire", Value::Nil),
            (1, Ok, "acquire", Value::Int(2)),
            (0, Ok, "acquire", Value::Int(2)),
        ]);
        assert_eq!(token_violations(&ops).len(), 1);
    }
}
