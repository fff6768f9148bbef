//! Real databases configured to acknowledge a write before they sync it, on lazy disks
//! (`lazyfs = true`) under `--nemesis lose-unsynced`: the power failure loses acknowledged
//! writes (invalid), and the same database syncing before it acknowledges is valid under the
//! same schedule. The evidence of every invalid run shows bytes dropped.
//!
//! - Redis 7 with an append-only file (`examples/clusters/redis-aof.toml`), lin-kv:
//!   `appendfsync everysec` fsyncs about once a second, so a read after the restart returns an
//!   older value than one acknowledged before it; `appendfsync always` stays linearizable.
//! - PostgreSQL 15 (`examples/clusters/postgres.toml`), txn-list-append on two long-lived keys:
//!   with `synchronous_commit = off` committed appends are gone after the restart and the next
//!   appends build on the shorter list (incompatible-order where a read had seen them before
//!   the failure); with `synchronous_commit = on` the lists survive. PostgreSQL's crash recovery
//!   fsyncs its whole data directory first (1.5–3.5 s here), so the schedule has one power
//!   failure, early, with time to recover after it.
//!
//! They need root, /dev/fuse and the database (`apt-get install redis-server postgresql`).

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;
use splitbrain::runner::lazyfs::Loss;
use splitbrain::runner::nemesis::{schedule, Fault, FaultKind};

use super::lazyfs::{cluster_variant, dropped_bytes, power_failures, skip_reason};
use super::postgres::names;
use super::{run_cluster, text, ONE_AT_A_TIME};

macro_rules! require {
    ($skip:expr) => {
        if let Some(why) = $skip {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

/// `redis-aof.toml` on lazy disks with `appendfsync` = `policy`, under a power failure about
/// every second (seed 1: three in 4 s).
fn redis_run(policy: &str) -> (std::process::Output, Json, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = cluster_variant(dir.path(), "redis-aof.toml", |t| {
        let t = t.replace(
            "\"--appendfsync\", \"everysec\"]",
            &format!("\"--appendfsync\", \"{policy}\"]"),
        );
        assert!(t.contains(policy), "the cluster file names its policy");
        format!("lazyfs = true\n{t}")
    });
    let (out, r, store) = run_cluster(
        &file,
        &[
            "--workload",
            "lin-kv",
            "--concurrency",
            "4",
            "--key-count",
            "2",
            "--time-limit",
            "4s",
            "--rate",
            "100",
            "--nemesis",
            "lose-unsynced",
            "--nemesis-interval",
            "1s",
            "--recovery-time",
            "1s",
            "--seed",
            "1",
        ],
    );
    drop(dir);
    (out, r, store)
}

#[test]
fn redis_with_appendfsync_everysec_loses_acknowledged_writes_on_power_failure() {
    require!(skip_reason(&["redis-server"]));
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, _r, store) = redis_run("everysec");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("not linearizable"),
        "an acknowledged write is gone: {}",
        text(&out)
    );
    let failures = power_failures(store.path());
    assert!(
        dropped_bytes(&failures) > 0,
        "the evidence shows bytes dropped: {failures:?}"
    );
}

#[test]
fn redis_with_appendfsync_always_stays_linearizable_on_power_failure() {
    require!(skip_reason(&["redis-server"]));
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, store) = redis_run("always");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let failures = power_failures(store.path());
    assert!(
        failures.len() >= 2 && failures.iter().all(|e| e["effect"]["took"] == true),
        "{failures:?}"
    );
    assert!(r["stats"]["ok"].as_u64().unwrap() > 100, "{r}");
}

/// The PostgreSQL runs' time limit and nemesis interval.
const PG_TIME_LIMIT: Duration = Duration::from_secs(8);
const PG_INTERVAL: Duration = Duration::from_secs(4);

/// The first seed whose `--nemesis lose-unsynced` schedule on one node (over
/// [`PG_TIME_LIMIT`], every ~[`PG_INTERVAL`]) has exactly one power failure, 2–3.5 s in, that
/// drops everything unsynced: time for transactions to commit and be read before it, and for
/// PostgreSQL's crash recovery and more transactions on the same keys after it.
fn seed_with_one_early_power_failure() -> u64 {
    (0..1000)
        .find(|&seed| {
            let s = schedule(
                seed,
                &[FaultKind::LoseUnsynced],
                PG_INTERVAL,
                PG_TIME_LIMIT,
                1,
                &[],
            );
            match s.as_slice() {
                [one] => {
                    // Node 0's own draw is the action's seed (see the nemesis executor).
                    matches!(&one.fault, Fault::LoseUnsynced(_, s) if Loss::from_seed(*s) == Loss::All)
                        && (Duration::from_millis(2000)..=Duration::from_millis(3500))
                            .contains(&one.at)
                }
                _ => false,
            }
        })
        .expect("some seed has the schedule")
}

/// `postgres.toml` on a lazy disk, txn-list-append on 2 keys that never retire (so the keys
/// read before the power failure are appended to after it), `synchronous-commit` as given.
fn postgres_run(synchronous_commit: bool) -> (std::process::Output, Json, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = cluster_variant(dir.path(), "postgres.toml", |t| {
        format!("lazyfs = true\n{t}")
    });
    let seed = seed_with_one_early_power_failure().to_string();
    eprintln!("seed {seed}: one power failure dropping everything unsynced, 2-3.5 s in");
    let time_limit = format!("{}s", PG_TIME_LIMIT.as_secs());
    let interval = format!("{}s", PG_INTERVAL.as_secs());
    let setting = format!("synchronous-commit={synchronous_commit}");
    let (out, r, store) = run_cluster(
        &file,
        &[
            "--workload",
            "txn-list-append",
            "--set",
            &setting,
            "--concurrency",
            "10",
            "--key-count",
            "2",
            "--max-writes-per-key",
            "10000",
            "--time-limit",
            &time_limit,
            "--rate",
            "400",
            "--nemesis",
            "lose-unsynced",
            "--nemesis-interval",
            &interval,
            "--recovery-time",
            "1s",
            "--seed",
            &seed,
        ],
    );
    drop(dir);
    (out, r, store)
}

/// Committed transactions after the power failure: PostgreSQL recovered and served again.
fn ok_after_the_power_failure(store: &Path) -> usize {
    let history = std::fs::read_to_string(store.join("latest/history.jsonl")).unwrap();
    let events: Vec<Json> = history
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let Some(at) = events
        .iter()
        .find(|e| e["f"] == "lose-unsynced")
        .and_then(|e| e["time"].as_u64())
    else {
        return 0;
    };
    (events.iter())
        .filter(|e| e["type"] == "ok" && e["time"].as_u64().is_some_and(|t| t > at))
        .count()
}

#[test]
fn postgres_with_synchronous_commit_off_loses_acknowledged_transactions_on_power_failure() {
    require!(skip_reason(&["unshare", "id", "sync"]).or_else(super::postgres::skip));
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, store) = postgres_run(false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Which anomalies show the loss depends on which reads met the lost appends: measured were
    // incompatible-order (a read before the failure had seen them), and G0-process with
    // G-single-item.
    assert!(
        !names(&r, "anomaly_types").is_empty(),
        "committed appends are missing after the failure: {r}"
    );
    let failures = power_failures(store.path());
    assert!(
        dropped_bytes(&failures) > 0,
        "the evidence shows bytes dropped: {failures:?}"
    );
}

#[test]
fn postgres_with_synchronous_commit_on_survives_the_same_power_failure() {
    require!(skip_reason(&["unshare", "id", "sync"]).or_else(super::postgres::skip));
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, store) = postgres_run(true);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let failures = power_failures(store.path());
    assert!(
        failures.len() == 1 && failures[0]["effect"]["took"] == true,
        "{failures:?}"
    );
    assert!(
        ok_after_the_power_failure(store.path()) > 20,
        "PostgreSQL recovered and committed more: {r}"
    );
}
