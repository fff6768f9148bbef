//! kafka: Maelstrom's log workload against the Python kafka node
//! (`tests/fixtures/nodes/kafka.py`): correct, and with per-node offsets.

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
