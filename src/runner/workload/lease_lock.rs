//! `lease-lock`: a fenced lease lock (`splitbrain node lock`: `n0` lock server, `n1` storage),
//! judged by what a fenced lease lock promises rather than as a mutex.
//!
//! Each process loops: `acquire` at `n0` (ok carries a fencing token), `write` its token to the
//! storage `n1`, `release` at `n0`. Each holder works up to `--hold` (seeded, uniformly;
//! default none) before its write;
//! one acquisition in five (seeded) also pauses (`--holder-pause`, default [`PAUSE`], longer
//! than the deployed 200 ms lease): Kleppmann's GC pause. With no pause and a hold well within
//! the lease, every holder writes within its lease as its own clock measures it: then only a
//! clock that runs ahead on the lock server (`--nemesis clock`) lets a lease end under its
//! holder.
//!
//! Why no mutex check: a lease lock is not a mutex once a holder outlives its lease; the server
//! then grants the lock to another client while the first still believes it holds it, so the
//! acquire/release history of a correct lease lock is not a linearizable mutex. What it does
//! promise, and what is checked, both provable from the history alone:
//! - tokens increase strictly in real time: an acquire that began after another completed got a
//!   larger token (`lock::token_violations`);
//! - fencing: the storage never accepts a token lower than one it had already accepted. An ok
//!   write with token `t` invoked after an ok write with token `t' > t` had completed proves the
//!   storage accepted `t` after `t'`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::lock::token_violations;
use super::{field, Completion, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::{CheckError, Verdict};
use crate::history::{History, Op, Outcome, Value};

/// How long a "paused" client waits between its token and its write, by default.
pub const PAUSE: Duration = Duration::from_millis(400);
const LOCK_SERVER: usize = 0;
const STORAGE: usize = 1;

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// `delay`: how long it will work (and pause) between its token and its write.
    Acquiring {
        delay: Duration,
    },
    Holding {
        token: i64,
        write_at: Instant,
    },
    Wrote {
        token: i64,
    },
}

/// The lease-lock workload: each process's place in its acquire → write → release loop.
#[derive(Debug)]
pub(super) struct LeaseLock {
    phases: HashMap<u64, Phase>,
    /// The longest a holder works before its write.
    hold: Duration,
    /// How long a paused holder waits on top of that.
    pause: Duration,
}

impl LeaseLock {
    /// Every holder works up to `hold` before its write, and one in five waits `pause` more.
    pub(super) fn new(hold: Duration, pause: Duration) -> LeaseLock {
        LeaseLock {
            phases: HashMap::new(),
            hold,
            pause,
        }
    }
}

impl Workload for LeaseLock {
    fn next(&mut self, ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        match self.phases.get(&ctx.process).copied() {
            None | Some(Phase::Acquiring { .. }) => {
                // Drawn only when asked for, so the default keeps its seeded pauses.
                let work = if self.hold.is_zero() {
                    Duration::ZERO
                } else {
                    self.hold.mul_f64(rng.gen_range(0.0..=1.0))
                };
                let pause = if rng.gen_bool(0.2) {
                    self.pause
                } else {
                    Duration::ZERO
                };
                let delay = work + pause;
                self.phases.insert(ctx.process, Phase::Acquiring { delay });
                Some(Invocation::new("acquire", Value::Nil))
            }
            Some(Phase::Holding { token, write_at }) => {
                (Instant::now() >= write_at).then(|| Invocation::new("write", Value::Int(token)))
            }
            Some(Phase::Wrote { token }) => Some(Invocation::new("release", Value::Int(token))),
        }
    }

    fn update(&mut self, ctx: &Context, op: &Invocation, done: &Completion) {
        let phase = self.phases.get(&ctx.process).copied();
        let next = match (op.f, done, phase) {
            ("acquire", Completion::Ok(Value::Int(token)), Some(Phase::Acquiring { delay })) => {
                Some(Phase::Holding {
                    token: *token,
                    write_at: Instant::now() + delay,
                })
            }
            ("write", _, _) => match op.value {
                Value::Int(token) => Some(Phase::Wrote { token }),
                _ => None,
            },
            _ => None,
        };
        match next {
            Some(phase) => self.phases.insert(ctx.process, phase),
            None => self.phases.remove(&ctx.process),
        };
    }

    fn target(&self, op: &Invocation, _default: usize) -> usize {
        if op.f == "write" {
            STORAGE
        } else {
            LOCK_SERVER
        }
    }

    fn request(&self, op: &Invocation) -> Json {
        match (op.f, &op.value) {
            ("write", Value::Int(t)) => json!({"type": "write", "key": 0, "value": t, "token": t}),
            ("release", Value::Int(t)) => json!({"type": "release", "token": t}),
            _ => json!({"type": op.f}),
        }
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
        let tokens = token_violations(&ops);
        let fencing = fencing_violations(&ops);
        let writes = ops
            .iter()
            .filter(|o| &*o.f == "write" && o.outcome == Outcome::Ok)
            .count();
        let mut problems = Vec::new();
        if let Some(first) = tokens.first() {
            problems.push(format!(
                "{} token-order violations, e.g. {first}",
                tokens.len()
            ));
        }
        if let Some(first) = fencing.first() {
            problems.push(format!(
                "{} fencing violations, e.g. {first}",
                fencing.len()
            ));
        }
        let (verdict, summary) = if !problems.is_empty() {
            (Verdict::Invalid, problems.join("; "))
        } else if writes == 0 {
            (
                Verdict::Unknown,
                "no write succeeded: nothing to judge".to_string(),
            )
        } else {
            (
                Verdict::Valid,
                format!("{writes} fenced writes: tokens increasing, no stale token accepted"),
            )
        };
        Ok(WorkloadCheck {
            verdict,
            summary,
            details: json!({
                "token_violations": &tokens[..tokens.len().min(20)],
                "fencing_violations": &fencing[..fencing.len().min(20)],
            }),
        })
    }
}

/// Ok writes the storage accepted after it had accepted a higher token, described.
fn fencing_violations(ops: &[Op]) -> Vec<String> {
    let writes: Vec<(&Op, i64)> = ops
        .iter()
        .filter(|o| &*o.f == "write" && o.outcome == Outcome::Ok)
        .filter_map(|o| o.input.as_int().map(|t| (o, t)))
        .collect();
    let mut out = Vec::new();
    for (late, t) in &writes {
        let earlier = writes
            .iter()
            .filter(|(o, tt)| o.ret < late.call && tt > t)
            .max_by_key(|(_, tt)| *tt);
        if let Some((before, tt)) = earlier {
            out.push(format!(
                "storage accepted `{late}` (token {t}) after `{before}` (token {tt}) had completed"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, EventKind};

    fn ops(events: &[(u64, EventKind, &str, Value)]) -> Vec<Op> {
        let events: Vec<Event> = events
            .iter()
            .map(|(p, k, f, v)| Event::new(*p, *k, f, v.clone()))
            .collect();
        History::new(events).ops(None).unwrap()
    }

    #[test]
    fn stale_token_accepted_after_a_higher_one_is_a_fencing_violation() {
        use EventKind::*;
        let history = ops(&[
            (1, Invoke, "write", Value::Int(2)),
            (1, Ok, "write", Value::Nil),
            (0, Invoke, "write", Value::Int(1)),
            (0, Ok, "write", Value::Nil),
        ]);
        assert_eq!(fencing_violations(&history).len(), 1);
    }

    #[test]
    fn stale_write_rejected_or_concurrent_is_no_violation() {
        use EventKind::*;
        let history = ops(&[
            (0, Invoke, "write", Value::Int(1)),
            (1, Invoke, "write", Value::Int(2)),
            (1, Ok, "write", Value::Nil),
            (0, Ok, "write", Value::Nil),
            (2, Invoke, "write", Value::Int(1)),
            (2, Fail, "write", Value::Nil),
        ]);
        assert!(fencing_violations(&history).is_empty());
    }
}
