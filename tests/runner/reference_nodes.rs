//! `splitbrain run --node NAME`: the models crate's protocols as real node processes
//! (`splitbrain node NAME`), under real faults.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use super::{check, history_invalid_within, run_tagged, Run};

/// `splitbrain run ARGS... --store TMP --no-progress --node NAME`. Reference nodes take no
/// `--tag`; their `--data-dir` lies in the temp store, so its path tags them instead.
pub(super) fn run_reference(args: &[&str], node: &str) -> Run {
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    run_tagged(args, &["--node".into(), node.into()], store, tag)
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
            // Each key is decided once: fresh keys keep the nodes talking, so the partition
            // has messages to drop (on 4 fixed keys it drops none and the run is unknown).
            "--ops-per-key",
            "10",
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

fn raft_args(nemesis: &str) -> Vec<&str> {
    vec![
        "--workload",
        "lin-kv",
        "--time-limit",
        "3s",
        "--rate",
        "100",
        "--nemesis",
        nemesis,
        "--nemesis-interval",
        "300ms",
        "--recovery-time",
        "500ms",
        "--seed",
        "2",
    ]
}

#[test]
fn correct_raft_is_valid_under_partition_kill_and_pause_and_check_agrees() {
    let r = run_reference(&raft_args("partition,kill,pause"), "raft");
    assert_eq!(r.code(), 0, "{}", r.text());
    let kinds: Vec<String> = r.faults().iter().map(|f| f[0].to_string()).collect();
    for kind in ["partition", "kill", "pause"] {
        assert!(kinds.iter().any(|k| k.contains(kind)), "{kind}: {kinds:?}");
    }
    assert!(
        !r.stdout().contains("ops: 0 ok"),
        "no operation succeeded: {}",
        r.text()
    );
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn raft_voting_without_the_log_check_loses_acknowledged_writes_under_partitions() {
    // An isolated server keeps raising its term; when the partition heals it asks for votes
    // with a stale log, and without the §5.4.1 check it wins and overwrites committed entries.
    // Seed 2 exposed it in 6 runs out of 6 and seed 5 in 5 of 6 (README, "Reference nodes");
    // node timing is not seeded, so the claim is "within three bounded runs".
    raft_invalid_within_runs(
        ["2", "5", "8"],
        |seed| {
            let mut args = raft_args("partition");
            *args.last_mut().unwrap() = seed;
            args.extend(["--bug", "vote-without-log-check"]);
            args
        },
        |_| {},
    );
}

/// Runs raft nodes with `args(seed)` for each seed in turn until a run's history is invalid
/// ([`history_invalid_within`]); `inspect` sees every run first.
fn raft_invalid_within_runs(
    seeds: [&'static str; 3],
    args: impl Fn(&'static str) -> Vec<&'static str>,
    inspect: impl Fn(&Run),
) {
    history_invalid_within(&seeds, |seed| {
        let r = run_reference(&args(seed), "raft");
        inspect(&r);
        r
    });
}

/// lin-kv on 3 raft nodes under `--nemesis figure8`: one round (it starts after the 1 s pause
/// of a 4 s run). 100 clients at 200 ops/s, so some client is free to give each new leader an
/// entry while others wait on cut-off nodes; clients wait 5 s, longer than a round, so the
/// writes the old leader acknowledges in step 3 are still awaited; 50 keys, so few of the lost
/// writes are overwritten before a read sees them gone.
fn figure8_args(seed: &'static str) -> Vec<&'static str> {
    vec![
        "--workload",
        "lin-kv",
        "--nemesis",
        "figure8",
        "--nemesis-interval",
        "1s",
        "--time-limit",
        "4s",
        "--rate",
        "200",
        "--concurrency",
        "100",
        "--rpc-timeout",
        "5s",
        "--key-count",
        "50",
        "--recovery-time",
        "1s",
        "--seed",
        seed,
    ]
}

fn figure8_steps(r: &Run) -> Vec<String> {
    r.faults()
        .iter()
        .map(|f| f[1]["step"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn raft_committing_an_old_term_entry_loses_an_acknowledged_write_under_the_figure8_nemesis() {
    // The targeted schedule walks Figure 8 in every run (README, "Reference nodes": 8 of 8 with
    // 3 nodes, 3 of 3 with 5); whether a lost write is read back before it is overwritten
    // depends on the clients, so the claim is "within three bounded runs".
    raft_invalid_within_runs(
        ["1", "2", "4"],
        |seed| {
            let mut args = figure8_args(seed);
            args.extend(["--bug", "commit-old-term"]);
            args
        },
        |r| {
            // The lost write comes from the scenario: the bad commit was seen. (The run's own
            // verdict can be invalid on its trace alone, before any round reaches step 3.)
            let steps = figure8_steps(r);
            let history_invalid = check(&r.dir().join("history.jsonl")).0 == 1;
            assert!(
                !history_invalid || steps.iter().any(|s| s.starts_with("figure8 step 3:")),
                "{steps:?}\n{}",
                r.text()
            );
        },
    );
}

#[test]
fn correct_raft_is_valid_under_the_figure8_nemesis_which_never_gets_past_step_2() {
    let r = run_reference(&figure8_args("1"), "raft");
    assert_eq!(r.code(), 0, "{}", r.text());
    let steps = figure8_steps(&r);
    assert!(
        steps.iter().any(|s| s.starts_with("figure8 step 2:")),
        "{steps:?}"
    );
    assert!(
        !steps.iter().any(|s| s.starts_with("figure8 step 3:")),
        "{steps:?}"
    );
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn lww_register_nodes_converge_after_partitions_but_are_not_linearizable() {
    let r = run_reference(&raft_args("partition"), "lww-register");
    assert_eq!(r.code(), 1, "{}", r.text());
    // Eventually consistent: once healed, every node reads the same value of every key.
    let history = std::fs::read_to_string(r.dir().join("history.jsonl")).unwrap();
    let mut finals: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for line in history.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        if e["final"] == true && e["type"] == "ok" {
            let key = e["key"].as_i64().unwrap();
            finals
                .entry(key)
                .or_default()
                .push(e["value"].as_i64().unwrap());
        }
    }
    assert_eq!(finals.len(), 4, "{finals:?}");
    for (key, values) in &finals {
        assert_eq!(values.len(), 3, "key {key}: {values:?}");
        assert!(
            values.windows(2).all(|w| w[0] == w[1]),
            "key {key}: {values:?}"
        );
    }
}

/// lin-kv where every key sees racing first writes: 4 keys in use, each retired after 20
/// operations for a fresh one, 12 clients, 0–2 ms (exponential) between nodes.
fn racing_fresh_keys(seed: &str) -> Vec<&str> {
    vec![
        "--workload",
        "lin-kv",
        "--key-count",
        "4",
        "--ops-per-key",
        "20",
        "--concurrency",
        "12",
        "--rate",
        "1000",
        "--latency",
        "2ms",
        "--latency-dist",
        "exponential",
        "--rpc-timeout",
        "100ms",
        "--time-limit",
        "2s",
        "--recovery-time",
        "300ms",
        "--seed",
        seed,
    ]
}

#[test]
fn paxos_accepting_below_its_promise_decides_two_values_when_fresh_keys_race() {
    // Random faults rarely expose `ignore-promise`: a write-once key is decided once, early. Fresh
    // keys with concurrent first writes give a race on every key (6 runs out of 6 invalid at
    // 3 s, 3 of 3 at 1 s; the correct node stays valid under the same load, below).
    let mut args = racing_fresh_keys("1");
    args.extend(["--bug", "ignore-promise"]);
    let r = run_reference(&args, "paxos");
    assert_eq!(r.code(), 1, "{}", r.text());
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 1, "{text}");
}

#[test]
fn correct_paxos_stays_valid_when_fresh_keys_race() {
    let r = run_reference(&racing_fresh_keys("1"), "paxos");
    assert_eq!(r.code(), 0, "{}", r.text());
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
fn fenced_lease_lock_is_valid_under_kill_and_pause() {
    let r = run_reference(&lease_lock_args("kill,pause", "2"), "lock");
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.stdout().contains("fenced writes"), "{}", r.text());
}

/// The lock server and the storage never talk to each other (clients carry the tokens), so a
/// partition between them drops nothing: the run cannot claim to have survived one.
#[test]
fn a_partition_between_lock_server_and_storage_takes_no_effect_and_the_run_is_unknown() {
    let r = run_reference(&lease_lock_args("partition", "2"), "lock");
    assert_eq!(r.code(), 2, "{}", r.text());
    assert!(
        r.stdout().contains("--nemesis partition never took effect"),
        "{}",
        r.text()
    );
}

#[test]
fn lease_lock_without_fencing_is_invalid_when_a_paused_holder_writes_late() {
    let mut args = lease_lock_args("pause", "1");
    args.extend(["--bug", "no-fencing"]);
    let r = run_reference(&args, "lock");
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(r.stdout().contains("fencing violations"), "{}", r.text());
}

fn crdt_args<'a>(workload: &'a str, seed: &'a str) -> Vec<&'a str> {
    vec![
        "--workload",
        workload,
        "--node-count",
        "3",
        "--nemesis",
        "partition,kill,pause",
        "--nemesis-interval",
        "400ms",
        "--duplicate",
        "0.2",
        "--time-limit",
        "3s",
        "--recovery-time",
        "1s",
        "--rate",
        "100",
        "--seed",
        seed,
    ]
}

#[test]
fn crdt_nodes_converge_under_partitions_kills_pauses_and_duplication() {
    for workload in ["g-counter", "pn-counter", "g-set"] {
        let r = run_reference(&crdt_args(workload, "5"), workload);
        assert_eq!(r.code(), 0, "{workload}: {}", r.text());
        let faults = r.faults();
        assert!(
            faults.iter().any(|f| f[0] == "kill"),
            "{workload}: {faults:?}"
        );
        assert!(
            faults.iter().any(|f| f[0] == "start-partition"),
            "{workload}: {faults:?}"
        );
    }
}

#[test]
fn sum_merge_counter_nodes_overcount_and_are_invalid() {
    for workload in ["g-counter", "pn-counter"] {
        let mut args = crdt_args(workload, "5");
        args.extend(["--bug", "sum-merge"]);
        let r = run_reference(&args, workload);
        assert_eq!(r.code(), 1, "{workload}: {}", r.text());
        assert!(r.stdout().contains("not a sum of the adds"), "{}", r.text());
    }
}

#[test]
fn a_killed_crdt_node_recovers_its_acknowledged_adds_from_its_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let node = |lines: &[&str]| -> Vec<String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
            .args(["node", "g-counter", "--data-dir"])
            .arg(data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut replies = Vec::new();
        for line in lines {
            writeln!(stdin, "{line}").unwrap();
            // Every request gets exactly one reply line to c0 (gossip goes to n1, n2).
            loop {
                let mut reply = String::new();
                stdout.read_line(&mut reply).unwrap();
                if reply.contains("\"dest\":\"c0\"") {
                    replies.push(reply);
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL: no chance to save anything on the way out
        child.wait().unwrap();
        replies
    };
    let init = r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1","n2"]}}"#;
    let before = node(&[
        init,
        r#"{"src":"c0","dest":"n0","body":{"type":"add","msg_id":2,"delta":5}}"#,
    ]);
    assert!(
        before[0].contains("init_ok") && before[1].contains("add_ok"),
        "{before:?}"
    );
    let after = node(&[
        init,
        r#"{"src":"c0","dest":"n0","body":{"type":"read","msg_id":3}}"#,
    ]);
    assert!(after[1].contains(r#""value":5"#), "{after:?}");
}

#[test]
fn a_request_the_node_cannot_parse_gets_a_definite_error_not_silence() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(["node", "pn-counter"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"src":"c0","dest":"n0","body":{{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}}}"#
    )
    .unwrap();
    writeln!(stdin, "this is not json").unwrap();
    writeln!(
        stdin,
        r#"{{"src":"c0","dest":"n0","body":{{"type":"cas","msg_id":2,"key":1}}}}"#
    )
    .unwrap();
    drop(stdin); // EOF: the node exits cleanly
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains(r#""code":10"#), "{stdout}");
    assert!(
        stderr.contains("line 2") && stderr.contains("this is not json"),
        "{stderr}"
    );
}
