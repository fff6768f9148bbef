use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{assert_no_processes_left, fixture, processes_with, tag};

#[test]
fn sigint_mid_run_kills_every_node_and_grandchild_and_saves_the_partial_history() {
    let store = tempfile::tempdir().unwrap();
    let tag = tag("sigint");
    let mut child = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args([
            "run",
            "--workload",
            "lin-kv",
            "--time-limit",
            "60s",
            "--rate",
            "50",
        ])
        .args([
            "--nemesis",
            "pause",
            "--nemesis-interval",
            "300ms",
            "--no-progress",
        ])
        .arg("--store")
        .arg(store.path())
        .args([
            "--bin",
            "python3",
            &fixture("lin_kv.py"),
            "--spawn-child",
            &tag,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the nodes, their grandchildren and some operations exist.
    let history = store.path().join("latest/history.jsonl");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = std::fs::read_to_string(&history).map_or(0, |t| t.lines().count());
        if lines >= 20 && processes_with(&tag).len() >= 6 {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not get going");
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_no_processes_left(&tag);
    let mut stdout = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        stdout.push_str(&line.unwrap());
        stdout.push('\n');
    }
    assert!(stdout.contains("interrupted"), "{stdout}");
    // A partial history proves nothing when it is valid.
    assert_eq!(status.code(), Some(2), "{stdout}");
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(text.lines().count() >= 20);
    let (code, out) = super::check(&history);
    assert!(code == 0, "the partial history must be readable: {out}");
    let results = std::fs::read_to_string(store.path().join("latest/results.json")).unwrap();
    assert!(results.contains("\"interrupted\": true"), "{results}");
}
