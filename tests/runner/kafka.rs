//! kafka: Maelstrom's log workload against the Python kafka node
//! (`tests/fixtures/nodes/kafka.py`) and the raft reference node (`splitbrain node raft`):
//! correct, and with per-node offsets.

use std::process::Command;

use super::{check, run, Run};

/// A short kafka run on `nodes` nodes at `rate` operations a second.
fn kafka_run(test: &str, nodes: &str, rate: &str, node: &[&str]) -> Run {
    let args = vec![
        "--workload",
        "kafka",
        "--node-count",
        nodes,
        "--concurrency",
        "2n",
        "--time-limit",
        "2s",
        "--rate",
        rate,
        "--recovery-time",
        "0s",
        "--seed",
        "5",
    ];
    let mut argv = vec!["kafka.py"];
    argv.extend_from_slice(node);
    run(test, &args, &argv)
}

fn error_types(r: &Run) -> Vec<String> {
    r.results()["workload"]["error_types"]
        .as_array()
        .expect("error_types")
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_lin_kv_backed_kafka_node_is_valid_and_its_final_polls_see_every_message() {
    let r = kafka_run("kafka_ok", "2", "100", &[]);
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.stdout().starts_with("kafka: valid"), "{}", r.text());
    let results = r.results();
    assert!(
        results["workload"]["stats"]["sent"].as_u64().unwrap() >= 30,
        "{results}"
    );
    let history = std::fs::read_to_string(r.dir().join("history.jsonl")).unwrap();
    // Maelstrom's history shape: sends with [offset, msg], polls, crashes and final assigns.
    assert!(history.contains(r#"[["send","#), "no sends");
    assert!(
        history.contains(r#""f":"crash""#),
        "the final phase crashes each client"
    );
    assert!(history.contains(r#""f":"assign""#), "no assign");
    let (code, out) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(kafka;"), "{out}");
}

#[test]
fn polls_commit_their_offsets_and_assigns_start_from_the_committed_ones() {
    let r = kafka_run("kafka_commit", "1", "200", &[]);
    assert_eq!(r.code(), 0, "{}", r.text());
    let messages = std::fs::read_to_string(r.dir().join("messages.jsonl")).unwrap();
    assert!(
        messages.contains(r#""type":"commit_offsets""#),
        "no commit after a poll"
    );
    assert!(
        messages.contains(r#""type":"list_committed_offsets""#),
        "no assign asked for committed offsets"
    );
}

#[test]
fn per_node_offsets_are_inconsistent_offsets() {
    let r = kafka_run("kafka_per_node", "2", "100", &["--per-node-offsets"]);
    assert_eq!(r.code(), 1, "{}", r.text());
    let types = error_types(&r);
    assert!(
        types.iter().any(|t| t == "inconsistent-offsets"),
        "{types:?}"
    );
    assert!(r.stdout().contains("inconsistent-offsets"), "{}", r.text());
}

/// `splitbrain run -w kafka` on 3 raft reference nodes (`splitbrain node raft`), concurrency 2n,
/// 100 operations/s for `time` under `nemesis` (none if empty).
fn raft_kafka(time: &str, nemesis: &str, seed: &str, bug: Option<&str>) -> Run {
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let mut args = vec![
        "--workload",
        "kafka",
        "--node-count",
        "3",
        "--concurrency",
        "2n",
        "--time-limit",
        time,
        "--rate",
        "100",
        "--recovery-time",
        "500ms",
        "--seed",
        seed,
    ];
    if !nemesis.is_empty() {
        args.extend(["--nemesis", nemesis, "--nemesis-interval", "300ms"]);
    }
    let mut node: Vec<String> = vec!["--node".into(), "raft".into()];
    if let Some(bug) = bug {
        node.extend(["--bug".into(), bug.into()]);
    }
    super::run_tagged(&args, &node, store, tag)
}

#[test]
fn raft_kafka_log_is_valid_under_partition_kill_and_pause() {
    // Seed 2: all three faults bite within 3 s (seeds 1 and 4 leave one unapplied: unknown).
    let r = raft_kafka("3s", "partition,kill,pause", "2", None);
    let kinds: Vec<String> = r.faults().iter().map(|f| f[0].to_string()).collect();
    for kind in ["partition", "kill", "pause"] {
        assert!(kinds.iter().any(|k| k.contains(kind)), "{kind}: {kinds:?}");
    }
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.stdout().starts_with("kafka: valid"), "{}", r.text());
    let results = r.results();
    assert!(
        results["workload"]["stats"]["sent"].as_u64().unwrap() >= 20,
        "{results}"
    );
    assert_eq!(results["validation"]["verdict"], "valid", "{results}");
    let (code, out) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn raft_giving_offsets_per_node_is_duplicates_and_inconsistent_offsets_shown_in_the_report() {
    // No faults: two servers answering sends from their own counters is enough (seeds 1–4
    // invalid 4 / 4). The final polls cannot reach the offsets handed out past the log's end,
    // so the run lasts its 10 s final phase.
    let r = raft_kafka("2s", "", "1", Some("per-node-offsets"));
    assert_eq!(r.code(), 1, "{}", r.text());
    let types = error_types(&r);
    for kind in ["duplicate", "inconsistent-offsets"] {
        assert!(types.iter().any(|t| t == kind), "{kind}: {types:?}");
    }
    let history = r.dir().join("history.jsonl");
    let (code, out) = check(&history);
    assert_eq!(code, 1, "{out}");
    // The report lists each error type's cases with their operations, outlined on the timeline.
    let html = std::fs::read_to_string(r.dir().join("report.html")).unwrap();
    assert_kafka_errors_linked_to_the_timeline(&html);
    // So does `check --html`.
    let page = r.dir().join("check.html");
    let out = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(["check", history.to_str().unwrap(), "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_kafka_errors_linked_to_the_timeline(&std::fs::read_to_string(page).unwrap());
}

/// The page has a "Kafka errors" section with `duplicate` and `inconsistent-offsets` cases; every
/// operation a case links to is a timeline bar outlined with that case.
fn assert_kafka_errors_linked_to_the_timeline(html: &str) {
    let section = html
        .split("id=\"kafka-errors\"")
        .nth(1)
        .expect("no kafka errors section");
    assert!(section.contains("<h3>duplicate ("), "{section}");
    assert!(section.contains("<h3>inconsistent-offsets ("), "{section}");
    let timeline = html.split("<svg id=\"timeline\"").nth(1).expect("timeline");
    let cases: Vec<&str> = section
        .split("<div class=\"kafka-case\" id=\"error-")
        .skip(1)
        .collect();
    assert!(cases.len() >= 2, "{section}");
    for case in cases {
        let n = case.split('"').next().unwrap();
        let bars: Vec<&str> = case
            .split("</div>")
            .next()
            .unwrap()
            .split("data-op=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(!bars.is_empty(), "case {n} names no operation");
        for bar in bars {
            let rect = timeline
                .split("<rect ")
                .find(|r| r.contains(&format!("id=\"{bar}\"")))
                .unwrap_or_else(|| panic!("no bar {bar} for case {n}"));
            assert!(
                rect.contains("in-error") && rect.contains(&format!(" error-{n}")),
                "case {n}: {rect}"
            );
        }
    }
}
