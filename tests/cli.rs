//! The command line as users and CI scripts see it: exit codes, messages, JSON output.

use super::{code, splitbrain};
use std::path::{Path, PathBuf};
use std::process::Output;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn valid_history_exits_zero() {
    let out = splitbrain(&[
        "check",
        "histories/valid/register--sequential-writes-and-reads.jsonl",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(": valid"), "{}", stdout(&out));
}

#[test]
fn an_empty_or_blank_history_is_valid_with_a_warning_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, reason) in [
        ("empty.jsonl", "", "the file is empty"),
        ("blank.jsonl", "\n\n", "no client operations found"),
    ] {
        let out = splitbrain(&["check", temp_file(&dir, name, text).to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
        assert!(stdout(&out).contains(": valid"), "{name}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("warning: ") && stderr(&out).contains(reason),
            "{name}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn invalid_history_exits_one_and_explains() {
    let out = splitbrain(&[
        "check",
        "histories/invalid/register--stale-read-after-partition.jsonl",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("cannot linearize: p0 read → 1"), "{text}");
    assert!(
        text.contains("minimal failing sub-history (3 ops"),
        "{text}"
    );
}

#[test]
fn time_limit_hit_exits_two_and_never_claims_valid() {
    let out = splitbrain(&[
        "check",
        "--time-limit",
        "0s",
        "histories/corpus/porcupine/jepsen/etcd_002.log",
    ]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains(": unknown"), "{}", stdout(&out));
    assert!(stdout(&out).contains("time limit"), "{}", stdout(&out));
}

#[test]
fn malformed_input_exits_three_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(
        &dir,
        "bad.jsonl",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n{\"process\":0,\"type\":\"okk\",\"f\":\"write\",\"value\":1}\n",
    );
    let out = splitbrain(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:2:", path.display())), "{err}");
    assert!(err.contains("expected"), "{err}");
}

#[test]
fn completion_without_invocation_is_an_error_not_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(
        &dir,
        "orphan.jsonl",
        "{\"process\":4,\"type\":\"ok\",\"f\":\"read\",\"value\":1}\n",
    );
    let out = splitbrain(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no open invocation"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn operation_the_model_lacks_is_an_error_naming_its_line() {
    let out = splitbrain(&[
        "check",
        "--model",
        "register",
        "histories/valid/cas-register--failed-cas-did-not-happen.jsonl",
    ]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains(":3:") || err.contains(":3"), "{err}");
    assert!(err.contains("no function `cas`"), "{err}");
}

#[test]
fn knossos_multi_register_reads_its_initial_value_only_when_told_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "multi.edn",
        "; a multi-register with x=0 and y=0\n\
         [{:type :invoke, :f :txn, :value [[:read :x nil] [:read :y nil]], :process 0}\n\
          {:type :invoke, :f :txn, :value [[:write :y 2]], :process 1}\n\
          {:type :ok, :f :txn, :value [[:read :x 0] [:read :y 0]], :process 0}\n\
          {:type :ok, :f :txn, :value [[:write :y 2]], :process 1}\n\
          {:type :invoke, :f :txn, :value [[:read :y nil]], :process 0}\n\
          {:type :ok, :f :txn, :value [[:read :y 2]], :process 0}]\n",
    );
    let file = file.to_str().unwrap();
    let told = splitbrain(&["check", "--initial-value", "0", file]);
    assert_eq!(code(&told), 0, "{}{}", stdout(&told), stderr(&told));
    assert!(
        stdout(&told).contains("model multi-register, inferred"),
        "{}",
        stdout(&told)
    );
    let untold = splitbrain(&["check", file]);
    assert_eq!(code(&untold), 1, "{}{}", stdout(&untold), stderr(&untold));
    assert!(
        stdout(&untold).contains("every key nil"),
        "{}",
        stdout(&untold)
    );
}

#[test]
fn initial_value_for_a_model_without_one_is_a_usage_error() {
    let out = splitbrain(&[
        "check",
        "--initial-value",
        "0",
        "histories/valid/register--sequential-writes-and-reads.jsonl",
    ]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--initial-value applies to the multi-register model only"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_model_is_a_usage_error() {
    let out = splitbrain(&["check", "--model", "btree", "x.jsonl"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("expected one of"), "{}", stderr(&out));
}

#[test]
fn missing_file_exits_three() {
    let out = splitbrain(&["check", "no/such/history.jsonl"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no/such/history.jsonl"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_output_is_one_object_per_file_with_the_witness() {
    let out = splitbrain(&[
        "check",
        "--json",
        "histories/valid/mutex--handoff.jsonl",
        "histories/invalid/mutex--two-holders.jsonl",
    ]);
    assert_eq!(code(&out), 1, "worst verdict wins");
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "valid");
    assert_eq!(lines[1]["verdict"], "invalid");
    assert_eq!(lines[1]["model"], "mutex");
    let witness = &lines[1]["keys"][0]["witness"];
    assert_eq!(witness["minimal"].as_array().unwrap().len(), 2);
    assert_eq!(witness["op"]["f"], "acquire");
}

#[test]
fn error_in_one_file_outranks_verdicts_of_others() {
    let out = splitbrain(&[
        "check",
        "histories/invalid/mutex--two-holders.jsonl",
        "no/such/file.jsonl",
    ]);
    assert_eq!(code(&out), 3);
}

#[test]
fn generated_history_is_reproducible_and_checkable() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    for path in [&a, &b] {
        let out = splitbrain(&[
            "gen",
            "--ops",
            "300",
            "--clients",
            "8",
            "--crash-rate",
            "0.05",
            "--seed",
            "42",
            "--anomaly",
            "stale-read",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let out = splitbrain(&["check", a.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
}

#[test]
fn convert_round_trips_through_edn() {
    let dir = tempfile::tempdir().unwrap();
    let edn = dir.path().join("h.edn");
    let back = dir.path().join("h.jsonl");
    let source = Path::new("histories/valid/kv--independent-keys.jsonl");
    let out = splitbrain(&["convert", source.to_str().unwrap(), edn.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = splitbrain(&["convert", edn.to_str().unwrap(), back.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let original =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(source)).unwrap();
    assert_eq!(std::fs::read_to_string(&back).unwrap(), original);
}

#[test]
fn first_failure_stops_after_an_invalid_key_and_skips_the_rest() {
    let all = splitbrain(&[
        "check",
        "--json",
        "histories/corpus/porcupine/kv/c50-bad.txt",
    ]);
    let all: serde_json::Value = serde_json::from_str(stdout(&all).trim()).unwrap();
    let keys = all["keys"].as_array().unwrap();
    assert!(
        keys.iter().all(|k| k["verdict"] != "unknown"),
        "every key gets a verdict"
    );

    let first = splitbrain(&[
        "check",
        "--json",
        "--first-failure",
        "--threads",
        "1",
        "histories/corpus/porcupine/kv/c50-bad.txt",
    ]);
    assert_eq!(code(&first), 1);
    let first: serde_json::Value = serde_json::from_str(stdout(&first).trim()).unwrap();
    let methods: Vec<&str> = first["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["method"].as_str().unwrap())
        .collect();
    assert!(methods.contains(&"skipped"), "{methods:?}");
}

#[test]
fn help_documents_the_exit_codes() {
    let out = splitbrain(&["check", "--help"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for line in ["0  valid", "1  invalid", "2  unknown", "3  error"] {
        assert!(text.contains(line), "{text}");
    }
}

#[test]
fn html_report_of_an_invalid_history_shows_the_counterexample_on_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let history = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("histories/invalid/cas-register--cas-on-stale-value.jsonl");
    let result = splitbrain(&[
        "check",
        history.to_str().unwrap(),
        "--html",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&result), 1, "{}", stderr(&result));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("class=\"verdict invalid\""));
    assert!(html.contains("id=\"timeline\""));
    assert!(html.contains("id=\"counterexample-0\""));
    for class in ["culprit", "minimal", "prefix", "candidates"] {
        assert!(html.contains(&format!("class=\"{class}\"")), "no .{class}");
    }
    assert!(
        html.contains(" culprit\" id=\"op-"),
        "the culprit's bar is marked"
    );
}

#[test]
fn html_report_takes_exactly_one_history() {
    let dir = tempfile::tempdir().unwrap();
    let a = temp_file(&dir, "a.jsonl", "");
    let b = temp_file(&dir, "b.jsonl", "");
    let out = dir.path().join("r.html");
    let result = splitbrain(&[
        "check",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--html",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&result), 3);
    assert!(stderr(&result).contains("--html"), "{}", stderr(&result));
}

#[test]
fn run_help_lists_every_workload_fault_distribution_and_topology_it_accepts() {
    use splitbrain::runner::nemesis::FaultKind;
    use splitbrain::runner::workload::{Topology, WorkloadName};
    use splitbrain::runner::LatencyDist;
    let out = splitbrain(&["run", "--help"]);
    // clap wraps long lines: compare with the whitespace folded.
    let help = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let names = WorkloadName::ALL.iter().map(|w| w.name());
    let names = names.chain(FaultKind::ALL.iter().map(|f| f.name()));
    let names = names.chain(LatencyDist::ALL.iter().map(|d| d.name()));
    for name in names.chain(Topology::ALL.iter().map(|t| t.name())) {
        assert!(
            [",", " ", ";"]
                .iter()
                .any(|end| help.contains(&format!(" {name}{end}"))),
            "`splitbrain run --help` does not list {name}: {help}"
        );
    }
}
