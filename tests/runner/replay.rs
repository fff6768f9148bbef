use std::process::Command;

use super::{assert_no_processes_left, run};

fn args(seed: &str) -> Vec<&str> {
    vec![
        "--workload",
        "lin-kv",
        "--time-limit",
        "1500ms",
        "--rate",
        "40",
        "--nemesis",
        // What a proxy node can feel: partitions and loss among the nodes drop nothing.
        "kill,pause",
        "--nemesis-interval",
        "150ms",
        "--recovery-time",
        "100ms",
        "--seed",
        seed,
    ]
}

#[test]
fn same_seed_gives_the_same_fault_schedule_and_the_printed_command_replays_it() {
    let first = run("replay_a", &args("11"), &["lin_kv.py"]);
    assert_eq!(first.code(), 0, "{}", first.text());
    let faults = first.faults();
    assert!(faults.len() >= 6, "{faults:?}");

    let other = run("replay_b", &args("12"), &["lin_kv.py"]);
    assert_ne!(other.faults(), faults, "another seed, another schedule");

    // The replay line, run as printed (with this build of splitbrain).
    let stdout = first.stdout();
    let replay = stdout
        .lines()
        .find_map(|l| l.strip_prefix("replay: "))
        .expect("a replay line");
    let command = replay.replacen("splitbrain", env!("CARGO_BIN_EXE_splitbrain"), 1);
    let out = Command::new("sh").arg("-c").arg(&command).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_processes_left(&first.tag);
    let again: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(first.store.path().join("latest/results.json")).unwrap(),
    )
    .unwrap();
    let replayed: Vec<serde_json::Value> = again["nemesis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!([f["f"], f["value"]]))
        .collect();
    assert_eq!(replayed, faults);
}
