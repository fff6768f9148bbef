//! `splitbrain run --node NAME`: the models crate's protocols as real node processes
//! (`splitbrain node NAME`), under real faults.

use std::process::Command;
use std::time::Instant;

use super::{assert_no_processes_left, check, Run};

/// `splitbrain run ARGS... --store TMP --no-progress --node NAME`. Reference nodes take no
/// `--tag`; their `--data-dir` lies in the temp store, so its path tags them instead.
fn run_reference(args: &[&str], node: &str) -> Run {
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .arg("run")
        .args(args)
        .arg("--store")
        .arg(store.path())
        .args(["--no-progress", "--node", node])
        .output()
        .expect("run splitbrain");
    let run = Run {
        output,
        elapsed: started.elapsed(),
        store,
        tag,
    };
    assert_no_processes_left(&run.tag);
    run
}

#[test]
fn correct_paxos_register_is_valid_under_partition_kill_and_pause_and_check_agrees() {
    let r = run_reference(
        &[
            "--workload",
            "lin-kv",
            "--time-limit",
            "2s",
            "--rate",
            "100",
            "--nemesis",
            "partition,kill,pause",
            "--nemesis-interval",
            "300ms",
            "--recovery-time",
            "300ms",
            "--seed",
            "3",
        ],
        "paxos",
    );
    assert_eq!(r.code(), 0, "{}", r.text());
    let kinds: Vec<String> = r.faults().iter().map(|f| f[0].to_string()).collect();
    assert!(kinds.iter().any(|k| k.contains("kill")), "{kinds:?}");
    assert!(
        !r.stdout().contains("ops: 0 ok"),
        "no write succeeded: {}",
        r.text()
    );
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn unknown_reference_node_is_an_error_naming_the_known_ones() {
    let output = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(["node", "no-such-node"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run splitbrain node");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("paxos"), "{stderr}");
}

fn lease_lock_args<'a>(nemesis: &'a str, seed: &'a str) -> Vec<&'a str> {
    vec![
        "--workload",
        "lease-lock",
        "--node-count",
        "2",
        "--concurrency",
        "3",
        "--rate",
        "30",
        "--time-limit",
        "3s",
        "--nemesis",
        nemesis,
        "--nemesis-interval",
        "500ms",
        "--recovery-time",
        "500ms",
        "--seed",
        seed,
    ]
}

#[test]
fn fenced_lease_lock_is_valid_under_kill_pause_and_partition() {
    let r = run_reference(&lease_lock_args("kill,pause,partition", "2"), "lock");
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.stdout().contains("fenced writes"), "{}", r.text());
}

#[test]
fn lease_lock_without_fencing_is_invalid_when_a_paused_holder_writes_late() {
    let mut args = lease_lock_args("pause", "1");
    args.extend(["--bug", "no-fencing"]);
    let r = run_reference(&args, "lock");
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(r.stdout().contains("fencing violations"), "{}", r.text());
}
