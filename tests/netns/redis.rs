//! Redis on a real network (needs root, `redis-server`, `redis-cli` and `redis-sentinel`;
//! without them each test prints why and passes):
//! - `examples/clusters/redis-sentinel-3.toml`: a primary and two replicas under Sentinel, lin-kv
//!   through the primary each client's Sentinel names. Cut off from the others, the old primary
//!   keeps acknowledging writes while the majority's Sentinels promote a replica: two primaries,
//!   and writes acknowledged by the old one are lost — not linearizable.
//! - `examples/clusters/redis-lock.toml`: one instance as `SET NX PX` lease lock and storage; a
//!   holder paused past its lease overwrites a newer holder's write unless the storage checks
//!   fencing tokens.

use std::time::Duration;

use super::{example_cluster, run_cluster, seed_with_partition, skip_without, text, ONE_AT_A_TIME};

macro_rules! require {
    ($($program:expr),*) => {
        if let Some(why) = skip_without(&[$($program),*]) {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

/// The first seed of a 10 s run with a partition every ~3 s that cuts n0 — the primary at the
/// start — off from n1 and n2 (which still see each other) for at least 4 s, starting in the
/// first 4 s: time for Sentinel's 1 s down-after, its vote and the promotion (about 2 s), and
/// for both primaries to take writes.
fn seed_isolating_the_primary() -> u64 {
    seed_with_partition(
        Duration::from_secs(10),
        Duration::from_secs(3),
        |g, from, to| {
            g.visible_from(0).len() == 1
                && g.visible_from(1).contains(&2)
                && to - from >= Duration::from_secs(4)
                && from <= Duration::from_secs(4)
        },
    )
}

fn lin_kv(
    time_limit: &str,
    args: &[&str],
) -> (std::process::Output, serde_json::Value, tempfile::TempDir) {
    let mut all = vec![
        "--workload",
        "lin-kv",
        "--time-limit",
        time_limit,
        "--rate",
        "200",
        "--concurrency",
        "6",
        "--key-count",
        "2",
        "--recovery-time",
        "2s",
    ];
    all.extend_from_slice(args);
    run_cluster(&example_cluster("redis-sentinel-3.toml"), &all)
}

#[test]
fn redis_sentinel_without_faults_is_linearizable() {
    require!("redis-server", "redis-sentinel", "redis-cli");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = lin_kv("5s", &["--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(r["stats"]["ok"].as_u64().unwrap() > 300, "{r}");
    assert_eq!(r["netns"]["settings"]["sentinel-port"], 26379, "{r}");
    // One primary throughout: no failover before or during the run (the cluster file holds the
    // Sentinels back until the primary answers, or they could count it down at start).
    assert_eq!(r["netns"]["leader_overlaps"], serde_json::json!([]), "{r}");
}

#[test]
fn redis_sentinel_with_the_primary_cut_off_has_two_primaries_and_loses_acknowledged_writes() {
    require!("redis-server", "redis-sentinel", "redis-cli");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let seed = seed_isolating_the_primary().to_string();
    eprintln!("seed {seed}: n0 cut off from n1 and n2");
    let (out, r, _store) = lin_kv(
        "10s",
        &[
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "3s",
            "--seed",
            &seed,
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stdout.contains("cannot linearize"), "{stdout}");
    // The Sentinels on the majority side promoted a replica while n0 still took writes.
    let failovers = r["netns"]["leader_failovers"].as_array().unwrap();
    assert!(
        failovers
            .iter()
            .any(|f| f["old_leader"] == "n0" && f["new_leader"].is_string()),
        "{r}"
    );
    let overlaps = r["netns"]["leader_overlaps"].as_array().unwrap();
    assert!(
        overlaps.iter().any(|o| o["leaders"]
            .as_array()
            .is_some_and(|l| l.len() >= 2 && l.contains(&"n0".into()))),
        "{r}"
    );
    assert!(stdout.contains("split brain: n0 and n"), "{stdout}");
}

fn lease_lock(settings: &[&str]) -> (std::process::Output, serde_json::Value, tempfile::TempDir) {
    let mut all = vec![
        "--workload",
        "lease-lock",
        "--time-limit",
        "6s",
        "--rate",
        "200",
        "--concurrency",
        "4",
        "--seed",
        "1",
    ];
    all.extend_from_slice(settings);
    run_cluster(&example_cluster("redis-lock.toml"), &all)
}

#[test]
fn redis_lock_without_fencing_lets_a_paused_holder_overwrite_a_newer_holders_write() {
    require!("redis-server");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = lease_lock(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stdout.contains("fencing violations"), "{stdout}");
    assert_eq!(r["netns"]["settings"]["fencing"], false, "{r}");
}

#[test]
fn redis_lock_with_fencing_refuses_stale_tokens_and_is_valid() {
    require!("redis-server");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = lease_lock(&["--set", "fencing=true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--set fencing=true"),
        "the replay command carries the setting: {}",
        text(&out)
    );
    let history = std::fs::read_to_string(
        std::path::Path::new(r["store"].as_str().unwrap_or(".")).join("history.jsonl"),
    )
    .unwrap_or_default();
    assert!(history.contains("stale-token"), "no write was refused");
}
