//! The kafka checker (`checker::kafka`): the hand-written histories under `histories/kafka/`,
//! a cross-check against direct definitions on seeded random logs, and `splitbrain check`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use splitbrain::checker::kafka::{self, KafkaError};
use splitbrain::history::{Event, EventKind, History, Value};

use super::{code, splitbrain};

/// `histories/kafka/{valid,invalid}/kafka--<what it shows>.jsonl`, each with
/// `<name>.expected.json`: the verdict and the exact error types.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/kafka");
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                out.push((path.clone(), path.with_extension("expected.json")));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 8, "{out:?}");
    out
}

#[test]
fn every_hand_written_kafka_history_gets_its_expected_verdict_and_error_types() {
    for (path, expected) in cases() {
        let exp: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let dir = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            exp["verdict"], dir,
            "{name}: directory and expected verdict differ"
        );
        let (_, report) = kafka::check_file(&path, None).unwrap();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["verdict"], exp["verdict"], "{name}: {report:#?}");
        assert_eq!(
            json["error_types"], exp["error_types"],
            "{name}: {report:#?}"
        );
        for cases in report.errors.values() {
            assert!(
                cases.cases.iter().all(|c| !c.ops.is_empty()),
                "{name}: a case without ops"
            );
        }
    }
}

/// A random history of sends and polls on two keys through two nodes whose logs are shared
/// (correct) or kept per node, sometimes appending a message twice (`per_node`). Sends may
/// crash; polls read a node's log from a random offset.
fn random_history(seed: u64, per_node: bool) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut logs: Vec<BTreeMap<&str, Vec<i64>>> = vec![BTreeMap::new(); 2];
    let mut events = Vec::new();
    let mut next_msg = 0;
    for _ in 0..rng.gen_range(2..12) {
        let process = rng.gen_range(0..4u64);
        let node = if per_node { process as usize % 2 } else { 0 };
        let key = ["a", "b"][rng.gen_range(0..2)];
        if rng.gen_bool(0.6) {
            next_msg += 1;
            let invoke = Value::list(vec![Value::list(vec![
                Value::str("send"),
                Value::str(key),
                Value::Int(next_msg),
            ])]);
            events.push(Event::new(
                process,
                EventKind::Invoke,
                "send",
                invoke.clone(),
            ));
            let log = logs[node].entry(key).or_default();
            log.push(next_msg);
            if per_node && rng.gen_bool(0.2) {
                // A node that appends a redelivered message again.
                log.push(next_msg);
            }
            if rng.gen_bool(0.2) {
                events.push(Event::new(process, EventKind::Info, "send", invoke));
                continue;
            }
            let offset = log.len() as i64 - 1;
            let done = Value::list(vec![Value::list(vec![
                Value::str("send"),
                Value::str(key),
                Value::list(vec![Value::Int(offset), Value::Int(next_msg)]),
            ])]);
            events.push(Event::new(process, EventKind::Ok, "send", done));
        } else {
            let poll = Value::list(vec![Value::list(vec![Value::str("poll")])]);
            events.push(Event::new(process + 10, EventKind::Invoke, "poll", poll));
            let log = logs[node].get(key).cloned().unwrap_or_default();
            let from = rng.gen_range(0..=log.len());
            let pairs: Vec<Value> = (from..log.len())
                .map(|o| Value::list(vec![Value::Int(o as i64), Value::Int(log[o])]))
                .collect();
            let msgs = Value::Map(vec![(Value::str(key), Value::list(pairs))].into_boxed_slice());
            let done = Value::list(vec![Value::list(vec![Value::str("poll"), msgs])]);
            events.push(Event::new(process + 10, EventKind::Ok, "poll", done));
        }
    }
    History::new(events)
}

/// `(inconsistent-offsets, duplicate, unseen)` straight from their definitions.
fn by_definition(history: &History) -> (bool, bool, bool) {
    let mut at: BTreeMap<(String, i64), BTreeSet<i64>> = BTreeMap::new();
    let mut offsets_of: BTreeMap<(String, i64), BTreeSet<i64>> = BTreeMap::new();
    let mut sent = HashSet::new();
    let mut polled = HashSet::new();
    let mut note = |k: &str, o: i64, m: i64| {
        at.entry((k.to_string(), o)).or_default().insert(m);
        offsets_of.entry((k.to_string(), m)).or_default().insert(o);
    };
    let json = |v: &Value| serde_json::to_value(v).unwrap();
    for e in history.events.iter().filter(|e| e.kind == EventKind::Ok) {
        let mop = &json(&e.value)[0];
        if mop[0] == "send" {
            let (k, o, m) = (
                mop[1].as_str().unwrap(),
                mop[2][0].as_i64().unwrap(),
                mop[2][1].as_i64().unwrap(),
            );
            note(k, o, m);
            sent.insert((k.to_string(), m));
        } else {
            for (k, pairs) in mop[1].as_object().unwrap() {
                for p in pairs.as_array().unwrap() {
                    let (o, m) = (p[0].as_i64().unwrap(), p[1].as_i64().unwrap());
                    note(k, o, m);
                    polled.insert((k.clone(), m));
                }
            }
        }
    }
    (
        at.values().any(|ms| ms.len() > 1),
        offsets_of.values().any(|os| os.len() > 1),
        sent.difference(&polled).next().is_some(),
    )
}

#[test]
fn inconsistent_offsets_duplicates_and_unseen_match_their_definitions_on_random_logs() {
    let mut seen = [0usize; 3];
    for seed in 0..3000 {
        for per_node in [false, true] {
            let history = random_history(seed, per_node);
            let report = kafka::check(&history).unwrap();
            let has = |e| report.error_types.contains(&e);
            let got = (
                has(KafkaError::InconsistentOffsets),
                has(KafkaError::Duplicate),
                has(KafkaError::Unseen),
            );
            let want = by_definition(&history);
            assert_eq!(got, want, "seed {seed} per_node {per_node}: {report:#?}");
            seen[0] += usize::from(want.0);
            seen[1] += usize::from(want.1);
            seen[2] += usize::from(want.2);
            if !per_node {
                // One shared log never gives one offset two messages nor a message two offsets.
                assert!(!want.0 && !want.1, "seed {seed}");
                let bad: Vec<_> = report
                    .bad_error_types
                    .iter()
                    .filter(|e| {
                        !matches!(
                            e,
                            KafkaError::Unseen
                                | KafkaError::LostWrite
                                | KafkaError::PollSkip
                                | KafkaError::NonmonotonicPoll
                        )
                    })
                    .collect();
                assert!(
                    bad.is_empty(),
                    "seed {seed}: a shared log is flagged {bad:?}"
                );
            }
        }
    }
    assert!(
        seen.iter().all(|&n| n > 50),
        "the generator exercises every type: {seen:?}"
    );
}

#[test]
fn check_reads_a_kafka_history_prints_each_error_with_its_operations_and_exits_1() {
    let out = splitbrain(&[
        "check",
        "histories/kafka/invalid/kafka--two-nodes-give-one-offset-to-two-messages.jsonl",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("invalid (kafka;"), "{text}");
    assert!(text.contains("inconsistent-offsets (1 case)"), "{text}");
    assert!(
        text.contains("lines 1–3"),
        "the operations are named by line: {text}"
    );
    let out = splitbrain(&[
        "check",
        "--workload",
        "kafka",
        "--json",
        "histories/kafka/valid/kafka--two-clients-poll-every-message-in-order.jsonl",
    ]);
    assert_eq!(code(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], true, "{json}");
    assert_eq!(json["workload"], "kafka");
}

#[test]
fn a_malformed_poll_is_an_error_naming_its_line_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"process":0,"type":"invoke","f":"poll","value":[["poll"]]}"#,
            "\n",
            r#"{"process":0,"type":"ok","f":"poll","value":[["poll",{"1":[["x",1]]}]]}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = splitbrain(&["check", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 3, "{err}");
    assert!(
        err.contains("bad.jsonl:2:") && err.contains("offset"),
        "{err}"
    );
}
