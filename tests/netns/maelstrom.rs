//! Maelstrom nodes on a real network: `examples/clusters/maelstrom.toml` runs each node under
//! `splitbrain shim` in its own namespace, and the run skeleton drives them exactly as it
//! drives the router's nodes: the workload's setup requests, its target nodes, its final reads.
//! These need root, `ip`, `iptables-restore` and Python (not etcd).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{run_cluster, splitbrain, text, ONE_AT_A_TIME};

fn cluster_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/clusters/maelstrom.toml")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nodes")
        .join(name)
        .display()
        .to_string()
}

/// Why these tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root (network namespaces and iptables need it)".into());
    }
    ["ip", "iptables-restore", "python3"]
        .into_iter()
        .find(|tool| {
            !std::env::var_os("PATH")
                .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        })
        .map(|tool| format!("`{tool}` is not installed"))
}

macro_rules! require_root {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

/// `splitbrain run --net netns --cluster maelstrom.toml ARGS...`: its output, results.json and
/// store; afterwards nothing of it may be left.
fn run(args: &[&str]) -> (std::process::Output, serde_json::Value, tempfile::TempDir) {
    run_cluster(&cluster_file(), args)
}

#[test]
fn a_broadcast_node_over_tcp_gets_its_topology_and_converges_under_partitions() {
    require_root!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let node = fixture("broadcast.py");
    let (out, r, store) = run(&[
        "--workload",
        "broadcast",
        "--time-limit",
        "4s",
        "--rate",
        "30",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1s",
        "--recovery-time",
        "2s",
        "--seed",
        "3",
        "--bin",
        "python3",
        &node,
        "--neighbours-only",
    ]);
    // The fixture gossips only to the neighbours the topology named: without the setup
    // request, no broadcast would reach another node and the final reads would miss them.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        r["nemesis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["f"] == "start-partition"),
        "{r}"
    );
    let log = std::fs::read_to_string(store.path().join("latest/node-logs/n1.log")).unwrap();
    assert!(log.contains("topology: neighbours"), "{log}");
}

#[test]
fn lease_lock_over_tcp_sends_acquires_to_the_lock_server_and_writes_to_the_storage() {
    require_root!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let args = [
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
        "pause",
        "--nemesis-interval",
        "500ms",
        "--recovery-time",
        "500ms",
        "--seed",
        "2",
        "--node",
        "lock",
    ];
    let (out, r, _store) = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // n0 serves only acquire/release and n1 only writes (`Workload::target`): a write sent to
    // the default node of its worker would have been refused, and none would be ok.
    let writes = &r["stats"]["by_f"]["write"];
    assert!(writes[1].as_u64().unwrap() > 0, "{r}");
    assert!(
        r["stats"]["by_f"]["acquire"][1].as_u64().unwrap() > 0,
        "{r}"
    );
}

#[test]
fn lease_lock_without_fencing_is_invalid_over_tcp_as_on_the_router() {
    require_root!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let args = [
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
        "pause",
        "--nemesis-interval",
        "500ms",
        // No final reads: the recovery period is not waited out.
        "--recovery-time",
        "60s",
        "--seed",
        "1",
        "--node",
        "lock",
        "--bug",
        "no-fencing",
    ];
    let (out, _r, _store) = run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fencing violations"), "{}", text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_cluster_file_that_runs_the_command_lines_program_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    let a: Vec<String> = [
        "run",
        "--net",
        "netns",
        "--cluster",
        &cluster_file().display().to_string(),
        "--workload",
        "echo",
        "--store",
        &dir.path().display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = splitbrain(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bin CMD... or --node NAME"));
}
