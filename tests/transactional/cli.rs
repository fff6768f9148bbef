//! `splitbrain check` on transactional histories: exit codes, text, JSON, errors.

use std::path::PathBuf;
use std::process::Output;

use super::super::{code, splitbrain};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const G0: &str = "histories/txn/invalid/list-append--g0-interleaved-appends.jsonl";
const VALID: &str = "histories/txn/valid/list-append--serial-appends-and-reads.jsonl";
const M56: &str = "histories/txn/invalid/rw-register--maelstrom-56-write-cycle.jsonl";

#[test]
fn a_valid_transactional_history_exits_zero_and_says_how_far_valid_holds() {
    let out = splitbrain(&["check", VALID]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(": valid (list-append, inferred; strict-serializable"),
        "{text}"
    );
    assert!(text.contains("valid, exactly"), "{text}");
}

#[test]
fn an_invalid_history_exits_one_and_explains_the_cycle_step_by_step() {
    let out = splitbrain(&["check", "--consistency-models", "read-uncommitted", G0]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("anomalies: G0"), "{text}");
    assert!(text.contains("not read-uncommitted"), "{text}");
    assert!(
        text.contains("T1 = [[append 1 1] [append 2 1]] (lines 1–3, process 0)"),
        "{text}"
    );
    assert!(
        text.contains("right after T1 appended 1; T1 < T2"),
        "{text}"
    );
    assert!(text.contains("so T1 < T2 < T1: a cycle"), "{text}");
}

#[test]
fn maelstrom_56_is_invalid_at_read_uncommitted_from_the_command_line() {
    let out = splitbrain(&["check", "--consistency-models", "read-uncommitted", M56]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("anomalies: G0"), "{}", stdout(&out));
}

#[test]
fn json_output_carries_elles_fields() {
    let out = splitbrain(&[
        "check",
        "--json",
        "--consistency-models",
        "serializable, repeatable-read",
        G0,
    ]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["anomaly_types"], serde_json::json!(["G0"]));
    assert_eq!(v["not"], serde_json::json!(["read-uncommitted"]));
    assert!(v["also_not"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "serializable"));
    assert_eq!(
        v["consistency_models"],
        serde_json::json!(["serializable", "repeatable-read"])
    );
    let step = &v["anomalies"]["G0"][0]["steps"][0];
    assert_eq!(step["type"], "ww");
    assert!(step["explanation"].as_str().unwrap().ends_with("T1 < T2"));
    assert!(v["txns"]["0"]["ops"].as_str().unwrap().contains("append"));
}

#[test]
fn an_unknown_model_is_an_error_listing_the_accepted_names() {
    let out = splitbrain(&["check", "--consistency-models", "serializable,bogus", VALID]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("unknown consistency model \"bogus\""), "{err}");
    assert!(err.contains("repeatable-read (PL-2.99)"), "{err}");
}

#[test]
fn help_lists_the_consistency_models_from_the_same_table() {
    let out = splitbrain(&["check", "--help"]);
    let text = stdout(&out);
    assert!(text.contains("--consistency-models"), "{text}");
    assert!(text.contains("strong-session-snapshot-isolation"), "{text}");
}

#[test]
fn a_garbage_read_exits_two() {
    let out = splitbrain(&[
        "check",
        "histories/txn/unknown/rw-register--read-of-a-value-nobody-wrote.jsonl",
    ]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("no transaction wrote"));
}

#[test]
fn a_time_limit_exits_two_never_valid() {
    let out = splitbrain(&["check", "--time-limit", "0s", VALID]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("time limit"), "{}", stdout(&out));
}

#[test]
fn malformed_json_exits_three_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(
        &dir,
        "h.jsonl",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",1,1]]}\n{\"process\":0,\"type\":\"ok\" \"f\":\"txn\"}\n",
    );
    let out = splitbrain(&["check", "--workload", "list-append", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("h.jsonl:2:26: expected `,` or `}`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn violated_assumptions_exit_three_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let dup = temp(
        &dir,
        "dup.jsonl",
        concat!(
            "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",1,1]]}\n",
            "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"append\",1,1]]}\n",
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",1,1]]}\n",
        ),
    );
    let out = splitbrain(&["check", dup.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("dup.jsonl:3: "), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most once"), "{}", stderr(&out));
    let mixed = temp(
        &dir,
        "mixed.jsonl",
        concat!(
            "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",1,1]]}\n",
            "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"w\",\"k\",1]]}\n",
        ),
    );
    let out = splitbrain(&["check", mixed.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("mixed.jsonl:2: key \"k\" is a string"),
        "{}",
        stderr(&out)
    );
    let orphan = temp(
        &dir,
        "orphan.jsonl",
        "{\"process\":4,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",1,[]]]}\n",
    );
    let out = splitbrain(&[
        "check",
        "--workload",
        "list-append",
        orphan.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no open invocation"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_workload_the_micro_ops_contradict_is_an_error() {
    let out = splitbrain(&["check", "--workload", "rw-register", G0]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("belongs to the list-append workload"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sequential_keys_turn_on_process_order_inference() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = [
        (0, "invoke", r#"[["w","x",1],["w","y",2]]"#),
        (0, "ok", r#"[["w","x",1],["w","y",2]]"#),
        (1, "invoke", r#"[["w","x",2],["w","y",1]]"#),
        (1, "ok", r#"[["w","x",2],["w","y",1]]"#),
        (0, "invoke", r#"[["r","x",null]]"#),
        (0, "ok", r#"[["r","x",2]]"#),
        (1, "invoke", r#"[["r","y",null]]"#),
        (1, "ok", r#"[["r","y",2]]"#),
    ]
    .iter()
    .map(|(p, t, v)| format!(r#"{{"process":{p},"type":"{t}","f":"txn","value":{v}}}"#))
    .collect();
    let path = temp(&dir, "seq.jsonl", &(lines.join("\n") + "\n"));
    let p = path.to_str().unwrap();
    let plain = splitbrain(&["check", "--consistency-models", "read-uncommitted", p]);
    assert_eq!(code(&plain), 0, "{}", stdout(&plain));
    let seq = splitbrain(&[
        "check",
        "--consistency-models",
        "read-uncommitted",
        "--sequential-keys",
        p,
    ]);
    assert_eq!(code(&seq), 1, "{}", stdout(&seq));
}

#[test]
fn check_html_draws_each_cycle_with_labelled_edges_linked_to_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("skew.html");
    let out = splitbrain(&[
        "check",
        "--consistency-models",
        "serializable",
        "histories/txn/invalid/list-append--write-skew.jsonl",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("class=\"verdict invalid\""));
    assert!(html.contains("<h3>G2-item (1 found)</h3>"), "{html}");
    let figure = html.split("id=\"cycle-0\"").nth(1).unwrap();
    let svg = figure.split("</svg>").next().unwrap();
    assert!(svg.contains("<svg class=\"cycle\""), "{svg}");
    assert_eq!(svg.matches("<circle class=\"cycle-txn\"").count(), 2);
    assert_eq!(svg.matches("<g class=\"cycle-edge rw\">").count(), 2);
    assert!(svg.contains(">rw 1</text>") && svg.contains(">rw 2</text>"));
    for bar in ["op-i0", "op-i1"] {
        assert!(svg.contains(&format!("<a href=\"#{bar}\"")), "{svg}");
        let timeline = html.split("id=\"timeline\"").nth(1).unwrap();
        let rect = timeline
            .split("<rect ")
            .find(|r| r.contains(&format!("id=\"{bar}\"")))
            .unwrap();
        assert!(rect.contains("in-cycle cycle-0"), "{rect}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
}
