//! `kafka`: Maelstrom's log workload, byte for byte, with Jepsen's client and generator.
//!
//! Requests (keys are strings, `"0"`, `"1"`, ...):
//! `{"type":"send","key":k,"msg":m}` → `send_ok` with `offset`;
//! `{"type":"poll","offsets":{k:o}}` → `poll_ok` with `msgs` `{k:[[o,m],...]}`;
//! `{"type":"commit_offsets","offsets":{k:o}}` → `commit_offsets_ok`;
//! `{"type":"list_committed_offsets","keys":[k]}` → `list_committed_offsets_ok` with `offsets`.
//!
//! Client (Maelstrom's `workload/kafka.clj`): each process keeps its own next offset per
//! assigned key. `assign` asks `list_committed_offsets` and starts each key at the local offset,
//! else the committed one, else 0; a poll asks from those offsets and advances each key past the
//! highest offset returned; **after every ok poll that returned messages it commits the highest
//! polled offsets** before the operation completes. `crash` sends nothing, ends `info`, and the
//! worker continues as a fresh process with no assignment. Only `assign` is idempotent (an error
//! fails it); a send or poll that times out or errs indefinitely is `info`. One deliberate
//! difference: a poll whose commit fails is `info` (the poll happened; Maelstrom marks it
//! `fail` on a definite error, which later reads as a false poll-skip).
//!
//! History: `send` `[["send",k,m]]` → `[["send",k,[offset,m]]]`; `poll` `[["poll"]]` →
//! `[["poll",{k:[[o,m],...]}]]`; `assign` with the key list; `crash`.
//!
//! Generator (`jepsen.tests.kafka/workload`, as Maelstrom sets it up): list-append's keys
//! (`--key-count` 10 at a time, exponential; a key retires after `--max-writes-per-key` 16
//! sends) with one micro-op per operation, an append becoming a send and a read a poll; 1 in 64
//! operations is an `assign` of its key instead, a third of those widened to every key with
//! sent-but-unpolled messages; each process crashes about every 30 s. Final phase (after the
//! recovery time, at most 10 s): each worker crashes, assigns every key seen with
//! seek-to-beginning (no request), and polls about 5 times a second until it has polled up to
//! the highest offset the run saw on every key.
//!
//! Checker: `checker::kafka`, with Maelstrom's allowed error types.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, Completion, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::kafka::{self, KafkaError};
use crate::checker::{CheckError, Verdict};
use crate::generate::{KeyDist, KeyPool};
use crate::history::{History, Value};
use crate::runner::json::{to_json, to_value};

/// The chance that an operation is an `assign` (Jepsen's `:sub-p`).
const ASSIGN_P: f64 = 1.0 / 64.0;
/// Mean time between a process's crashes (Jepsen's `:crash-client-interval`, per thread).
const CRASH_INTERVAL: Duration = Duration::from_secs(30);
/// The final phase's limit (Maelstrom clips Jepsen's final polls to 10 s).
pub const FINAL_PHASE: Duration = Duration::from_secs(10);

/// The kafka workload.
#[derive(Debug)]
pub(super) struct Kafka {
    keys: KeyPool,
    /// Process → its client: assigned key → next offset to poll.
    clients: HashMap<u64, Client>,
    /// Highest offset acknowledged per key, for keys with sent-but-unpolled messages.
    sent: BTreeMap<String, i64>,
    /// Highest offset polled per key, alongside `sent`.
    polled: BTreeMap<String, i64>,
    /// Highest offset seen per key (sends and polls): what the final polls must reach.
    max_offsets: BTreeMap<String, i64>,
    /// Set once the final phase begins.
    finals: Option<FinalPhase>,
}

#[derive(Debug)]
struct Client {
    offsets: BTreeMap<String, i64>,
    crash_at: Instant,
}

#[derive(Debug)]
struct FinalPhase {
    targets: BTreeMap<String, i64>,
    /// Worker → where it is.
    workers: HashMap<usize, FinalStep>,
}

#[derive(Debug)]
enum FinalStep {
    Crash,
    Assign,
    Poll(BTreeMap<String, i64>),
}

impl Kafka {
    pub(super) fn new(key_count: usize, max_writes_per_key: usize) -> Kafka {
        Kafka {
            keys: KeyPool::new(
                key_count.max(1),
                max_writes_per_key.max(1),
                KeyDist::Exponential,
            ),
            clients: HashMap::new(),
            sent: BTreeMap::new(),
            polled: BTreeMap::new(),
            max_offsets: BTreeMap::new(),
            finals: None,
        }
    }

    fn client(&mut self, process: u64, rng: &mut ChaCha8Rng) -> &mut Client {
        self.clients.entry(process).or_insert_with(|| Client {
            offsets: BTreeMap::new(),
            crash_at: Instant::now() + CRASH_INTERVAL.mul_f64(rng.gen_range(0.0..2.0)),
        })
    }

    fn poll(&mut self, process: u64, rng: &mut ChaCha8Rng) -> Invocation {
        let offsets = self.client(process, rng).offsets.clone();
        let mut op = Invocation::new("poll", Value::list(vec![mop(&["poll"])]));
        op.body = Some(json!({"type": "poll", "offsets": offsets}));
        op
    }

    fn final_next(&mut self, ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        let finals = self.finals.as_mut()?;
        if finals.targets.is_empty() {
            return None;
        }
        let step = finals.workers.entry(ctx.worker).or_insert(FinalStep::Crash);
        match step {
            FinalStep::Crash => {
                *step = FinalStep::Assign;
                Some(Invocation::new("crash", Value::Nil))
            }
            FinalStep::Assign => {
                *step = FinalStep::Poll(BTreeMap::new());
                let keys = finals.targets.keys().map(|k| Value::str(k.as_str()));
                let mut op = Invocation::new("assign", Value::list(keys.collect::<Vec<_>>()));
                op.final_read = true;
                Some(op)
            }
            FinalStep::Poll(reached) => {
                let done = finals
                    .targets
                    .iter()
                    .all(|(k, target)| reached.get(k).is_some_and(|r| r >= target));
                if done {
                    return None;
                }
                let mut op = self.poll(ctx.process, rng);
                op.final_read = true;
                Some(op)
            }
        }
    }
}

/// A micro-op `[name, args...]` of strings.
fn mop(parts: &[&str]) -> Value {
    Value::list(parts.iter().map(|p| Value::str(*p)).collect::<Vec<_>>())
}

/// The `msgs` of a `poll_ok`, checked: key → `[[offset, msg], ...]` with integer offsets.
fn msgs(body: &Json) -> Result<&serde_json::Map<String, Json>, String> {
    let msgs = field(body, "msgs")?
        .as_object()
        .ok_or_else(|| format!("\"msgs\" should map keys to [[offset, msg], ...]: {body}"))?;
    for (k, pairs) in msgs {
        let ok = pairs.as_array().is_some_and(|ps| {
            ps.iter().all(|p| {
                p.as_array()
                    .is_some_and(|p| p.len() == 2 && p[0].as_i64().is_some())
            })
        });
        if !ok {
            return Err(format!(
                "\"msgs\" of key {k:?} should be [[offset, msg], ...], found {pairs}"
            ));
        }
    }
    Ok(msgs)
}

/// Key → the highest offset among `[[offset, msg], ...]` per key.
fn max_offsets(msgs: &serde_json::Map<String, Json>) -> BTreeMap<String, i64> {
    msgs.iter()
        .filter_map(|(k, pairs)| {
            let max = pairs
                .as_array()?
                .iter()
                .filter_map(|p| p.get(0).and_then(Json::as_i64))
                .max()?;
            Some((k.clone(), max))
        })
        .collect()
}

/// The highest offsets a recorded poll value `[["poll", {k: pairs}]]` returned.
fn polled_offsets(value: &Value) -> BTreeMap<String, i64> {
    let json = to_json(value);
    match json.get(0).and_then(|m| m.get(1)).and_then(Json::as_object) {
        Some(m) => max_offsets(m),
        None => BTreeMap::new(),
    }
}

fn merge_max(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) {
    for (k, &o) in from {
        let e = into.entry(k.clone()).or_insert(o);
        *e = (*e).max(o);
    }
}

impl Workload for Kafka {
    fn next(&mut self, ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        if self.finals.is_some() {
            return self.final_next(ctx, rng);
        }
        if Instant::now() >= self.client(ctx.process, rng).crash_at {
            return Some(Invocation::new("crash", Value::Nil));
        }
        let m = self.keys.mop(rng);
        let key = m.key.to_string();
        if rng.gen_bool(ASSIGN_P) {
            let mut keys = vec![key];
            if !self.sent.is_empty() && rng.gen_bool(1.0 / 3.0) {
                for k in self.sent.keys() {
                    if !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
            }
            let keys = keys.into_iter().map(|k| Value::str(k.as_str()));
            return Some(Invocation::new(
                "assign",
                Value::list(keys.collect::<Vec<_>>()),
            ));
        }
        if m.write {
            let send = Value::list(vec![
                Value::str("send"),
                Value::str(key.as_str()),
                Value::Int(m.value),
            ]);
            return Some(Invocation::new("send", Value::list(vec![send])));
        }
        Some(self.poll(ctx.process, rng))
    }

    fn local(&self, op: &Invocation) -> Option<Completion> {
        match op.f {
            "crash" => Some(Completion::Info(Value::str("crash"))),
            // Seek to beginning: no request, every key starts at 0.
            "assign" if op.final_read => Some(Completion::Ok(op.value.clone())),
            _ => None,
        }
    }

    fn request(&self, op: &Invocation) -> Json {
        if let Some(body) = &op.body {
            return body.clone();
        }
        match op.f {
            "send" => {
                let mop = to_json(&op.value);
                json!({"type": "send", "key": mop[0][1], "msg": mop[0][2]})
            }
            "assign" => json!({"type": "list_committed_offsets", "keys": to_json(&op.value)}),
            _ => json!({"type": op.f}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        match body.get("type").and_then(Json::as_str).unwrap_or("") {
            "send_ok" => {
                let offset = field(body, "offset")?
                    .as_i64()
                    .ok_or_else(|| format!("\"offset\" should be an integer: {body}"))?;
                let mut mop = to_json(&op.value)[0].clone();
                mop[2] = json!([offset, mop[2]]);
                Ok(to_value(&json!([mop])))
            }
            "poll_ok" => Ok(to_value(&json!([["poll", msgs(body)?]]))),
            "list_committed_offsets_ok" => {
                let offsets = field(body, "offsets")?;
                let ok = offsets
                    .as_object()
                    .is_some_and(|m| m.values().all(|o| o.as_i64().is_some()));
                if !ok {
                    return Err(format!("\"offsets\" should map keys to integers: {body}"));
                }
                Ok(op.value.clone())
            }
            "commit_offsets_ok" => Ok(Value::Nil),
            other => Err(format!("unexpected reply type {other:?}")),
        }
    }

    fn observe(&mut self, ctx: &Context, op: &Invocation, body: &Json) {
        if op.f != "assign"
            || body.get("type").and_then(Json::as_str) != Some("list_committed_offsets_ok")
        {
            return;
        }
        let committed = body.get("offsets").and_then(Json::as_object);
        let keys: Vec<String> = to_json(&op.value)
            .as_array()
            .map(|ks| {
                ks.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(client) = self.clients.get_mut(&ctx.process) {
            let old = std::mem::take(&mut client.offsets);
            for k in keys {
                let start = old
                    .get(&k)
                    .copied()
                    .or_else(|| committed.and_then(|c| c.get(&k)).and_then(Json::as_i64))
                    .unwrap_or(0);
                client.offsets.insert(k, start);
            }
        }
    }

    fn follow_up(&self, op: &Invocation, done: &Completion) -> Option<Json> {
        match (op.f, done) {
            ("poll", Completion::Ok(value)) => {
                let offsets = polled_offsets(value);
                (!offsets.is_empty()).then(|| json!({"type": "commit_offsets", "offsets": offsets}))
            }
            _ => None,
        }
    }

    fn update(&mut self, ctx: &Context, op: &Invocation, done: &Completion) {
        match done {
            Completion::Info(_) => {
                // A crashed client is torn down; the worker's next process starts afresh.
                self.clients.remove(&ctx.process);
            }
            Completion::Fail(_) => {}
            Completion::Ok(value) => match op.f {
                "send" => {
                    let json = to_json(value);
                    if let (Some(k), Some(o)) = (json[0][1].as_str(), json[0][2][0].as_i64()) {
                        let one = BTreeMap::from([(k.to_string(), o)]);
                        merge_max(&mut self.sent, &one);
                        merge_max(&mut self.max_offsets, &one);
                    }
                }
                "poll" => {
                    let polled = polled_offsets(value);
                    if let Some(client) = self.clients.get_mut(&ctx.process) {
                        for (k, o) in &polled {
                            let next = client.offsets.entry(k.clone()).or_insert(o + 1);
                            *next = (*next).max(o + 1);
                        }
                    }
                    merge_max(&mut self.polled, &polled);
                    merge_max(&mut self.max_offsets, &polled);
                    // Keys whose polls caught up with their sends are no longer unseen.
                    let caught_up: Vec<String> = (self.sent.iter())
                        .filter(|(k, s)| self.polled.get(k.as_str()).is_some_and(|p| *p >= **s))
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in caught_up {
                        self.sent.remove(&k);
                        self.polled.remove(&k);
                    }
                    if let Some(FinalStep::Poll(reached)) = self
                        .finals
                        .as_mut()
                        .and_then(|f| f.workers.get_mut(&ctx.worker))
                    {
                        merge_max(reached, &polled);
                    }
                }
                "assign" if op.final_read => {
                    let keys = to_json(value);
                    let offsets = (keys.as_array().into_iter().flatten())
                        .filter_map(|k| k.as_str().map(|k| (k.to_string(), 0)))
                        .collect();
                    self.clients.insert(
                        ctx.process,
                        Client {
                            offsets,
                            crash_at: Instant::now() + FINAL_PHASE * 10,
                        },
                    );
                }
                _ => {}
            },
        }
    }

    fn begin_final_phase(&mut self) -> Option<Duration> {
        self.finals = Some(FinalPhase {
            targets: self.max_offsets.clone(),
            workers: HashMap::new(),
        });
        Some(FINAL_PHASE)
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "assign"
    }

    fn check(&self, history: &History, complete: bool) -> Result<WorkloadCheck, CheckError> {
        let report = kafka::check(history)?;
        let mut verdict = report.verdict;
        let mut summary = report.summary();
        // Without the final phase, unseen messages prove nothing.
        if !complete && report.bad_error_types == [KafkaError::Unseen] {
            verdict = Verdict::Unknown;
            summary =
                format!("unknown: the run was interrupted before its final polls ({summary})");
        }
        Ok(WorkloadCheck {
            verdict,
            summary,
            details: serde_json::to_value(&report).unwrap_or(Json::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::runner::workload::timeout_completion;

    fn ctx(process: u64) -> Context {
        Context {
            process,
            node: 0,
            worker: process as usize,
        }
    }

    #[test]
    fn requests_are_maelstrom_bodies_with_string_keys() {
        let mut w = Kafka::new(10, 16);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..400 {
            let op = w.next(&ctx(0), &mut rng).unwrap();
            let body = w.request(&op);
            kinds.insert(body["type"].as_str().unwrap().to_string());
            match body["type"].as_str().unwrap() {
                "send" => assert!(body["key"].is_string() && body["msg"].is_i64(), "{body}"),
                "poll" => assert!(body["offsets"].is_object(), "{body}"),
                "list_committed_offsets" => assert!(body["keys"][0].is_string(), "{body}"),
                other => panic!("{other}"),
            }
        }
        assert_eq!(kinds.len(), 3, "{kinds:?}");
    }

    #[test]
    fn an_assign_starts_at_committed_offsets_and_a_poll_advances_and_commits() {
        let mut w = Kafka::new(10, 16);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        w.client(0, &mut rng);
        let assign = Invocation::new("assign", Value::list(vec![Value::str("3")]));
        let reply = json!({"type": "list_committed_offsets_ok", "offsets": {"3": 7}});
        w.observe(&ctx(0), &assign, &reply);
        let done = w.complete(&assign, "list_committed_offsets", &reply);
        w.update(&ctx(0), &assign, &done);
        let poll = w.poll(0, &mut rng);
        assert_eq!(w.request(&poll)["offsets"], json!({"3": 7}));
        let reply = json!({"type": "poll_ok", "msgs": {"3": [[7, 1], [9, 2]]}});
        let done = w.complete(&poll, "poll", &reply);
        assert_eq!(
            w.follow_up(&poll, &done),
            Some(json!({"type": "commit_offsets", "offsets": {"3": 9}}))
        );
        w.update(&ctx(0), &poll, &done);
        let next = w.poll(0, &mut rng);
        assert_eq!(w.request(&next)["offsets"], json!({"3": 10}));
    }

    #[test]
    fn a_crash_is_info_without_a_request_and_the_next_process_starts_unassigned() {
        let mut w = Kafka::new(10, 16);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        w.client(0, &mut rng).offsets.insert("1".into(), 4);
        let crash = Invocation::new("crash", Value::Nil);
        let done = w.local(&crash).unwrap();
        assert!(matches!(done, Completion::Info(_)));
        w.update(&ctx(0), &crash, &done);
        let next = w.poll(0, &mut rng);
        assert_eq!(w.request(&next)["offsets"], json!({}));
    }

    #[test]
    fn a_timed_out_send_is_info_and_a_timed_out_assign_fails() {
        let w = Kafka::new(10, 16);
        let send = Invocation::new("send", Value::Nil);
        assert!(matches!(timeout_completion(&w, &send), Completion::Info(_)));
        let assign = Invocation::new("assign", Value::list(vec![]));
        assert!(matches!(
            timeout_completion(&w, &assign),
            Completion::Fail(_)
        ));
    }

    #[test]
    fn the_final_phase_crashes_assigns_from_zero_and_polls_until_caught_up() {
        let mut w = Kafka::new(10, 16);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        w.max_offsets.insert("0".into(), 2);
        w.begin_final_phase();
        let c = ctx(5);
        assert_eq!(w.next(&c, &mut rng).unwrap().f, "crash");
        let assign = w.next(&c, &mut rng).unwrap();
        assert_eq!(assign.f, "assign");
        let done = w.local(&assign).unwrap();
        w.update(&c, &assign, &done);
        let poll = w.next(&c, &mut rng).unwrap();
        assert_eq!(w.request(&poll)["offsets"], json!({"0": 0}));
        let reply = json!({"type": "poll_ok", "msgs": {"0": [[0, 1], [2, 3]]}});
        let done = w.complete(&poll, "poll", &reply);
        w.update(&c, &poll, &done);
        assert!(w.next(&c, &mut rng).is_none(), "caught up: done");
    }
}
