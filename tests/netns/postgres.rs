//! PostgreSQL 15 on a real network (needs root and Debian's `postgresql`; without them each
//! test prints why and passes): `examples/clusters/postgres.toml`, one server, each operation
//! one SQL transaction at the level `--set isolation=...` names. Few keys and many clients, so
//! that transactions contend:
//! - serializable, with the server killed and paused: valid;
//! - repeatable read (snapshot isolation): write skew (G2-item) — not serializable (Elle's
//!   `not` names repeatable-read, the weakest model G2-item rules out; `also_not` serializable),
//!   while snapshot isolation holds;
//! - read committed: lost updates (G-single, lost-update).

use super::{example_cluster, missing_program, run_cluster, skip_without, text, ONE_AT_A_TIME};

/// Why these tests cannot run here, if they cannot.
pub(crate) fn skip() -> Option<String> {
    skip_without(&["unshare"]).or_else(|| {
        let installed = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .any(|v| v.path().join("bin/postgres").is_file());
        (!installed).then(|| "PostgreSQL is not installed (apt-get install postgresql)".into())
    })
}

macro_rules! require {
    () => {
        if let Some(why) = skip().or_else(|| missing_program(&["id"])) {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

/// A short contended run of `workload` at `isolation` (3 keys, 10 clients), with `extra`
/// options.
fn txn(
    workload: &str,
    isolation: &str,
    time_limit: &str,
    extra: &[&str],
) -> (std::process::Output, serde_json::Value, tempfile::TempDir) {
    let setting = format!("isolation={isolation}");
    let mut args = vec![
        "--workload",
        workload,
        "--set",
        &setting,
        "--time-limit",
        time_limit,
        "--rate",
        "400",
        "--concurrency",
        "10",
        "--key-count",
        "3",
        "--seed",
        "1",
    ];
    args.extend_from_slice(extra);
    run_cluster(&example_cluster("postgres.toml"), &args)
}

/// The strings of `results.json`'s `workload[field]`.
pub(crate) fn names(r: &serde_json::Value, field: &str) -> Vec<String> {
    (r["workload"][field].as_array().into_iter().flatten())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

#[test]
fn postgres_serializable_with_kills_and_pauses_is_valid() {
    require!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = txn(
        "txn-list-append",
        "serializable",
        "3s",
        &["--nemesis", "kill,pause", "--nemesis-interval", "1s"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(r["stats"]["ok"].as_u64().unwrap() > 100, "{r}");
    // Contention made the server refuse some transactions (40001), and the faults hit it.
    let history = std::fs::read_to_string(
        std::path::Path::new(r["store"].as_str().unwrap_or(".")).join("history.jsonl"),
    )
    .unwrap_or_default();
    assert!(
        history.contains("serialization-failure"),
        "no transaction was refused"
    );
    assert_eq!(r["netns"]["settings"]["isolation"], "serializable", "{r}");
}

#[test]
fn postgres_repeatable_read_allows_write_skew_but_is_snapshot_isolation() {
    require!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = txn("txn-list-append", "repeatable-read", "2s", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        names(&r, "anomaly_types").contains(&"G2-item".into()),
        "{r}"
    );
    // G2-item rules out Adya's repeatable read (`not`) and so serializable (`also_not`); no
    // anomaly found rules out snapshot isolation.
    let ruled_out: Vec<String> = [names(&r, "not"), names(&r, "also_not")].concat();
    assert!(ruled_out.contains(&"serializable".into()), "{ruled_out:?}");
    assert!(
        !ruled_out.contains(&"snapshot-isolation".into()),
        "{ruled_out:?}"
    );
}

#[test]
fn postgres_read_committed_loses_updates() {
    require!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = txn("txn-list-append", "read-committed", "2s", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = names(&r, "anomaly_types");
    assert!(
        found.contains(&"G-single".into()) || found.contains(&"lost-update".into()),
        "{found:?}"
    );
}

#[test]
fn postgres_refuses_an_unknown_isolation_level_and_a_non_transactional_workload_before_starting() {
    require!();
    let cluster = example_cluster("postgres.toml").display().to_string();
    let store = tempfile::tempdir().unwrap();
    let store_arg = store.path().display().to_string();
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = ["run", "--net", "netns", "--cluster", &cluster, "--store"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(store_arg.clone());
        args.extend(extra.iter().map(|s| s.to_string()));
        super::splitbrain(&args).output().unwrap()
    };
    let out = run(&[
        "--workload",
        "txn-list-append",
        "--set",
        "isolation=snapshot",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("expected one of serializable, repeatable-read, read-committed"),
        "{}",
        text(&out)
    );
    let out = run(&["--workload", "lin-kv"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("runs the txn-list-append and txn-rw-register workloads, not lin-kv"),
        "{}",
        text(&out)
    );
}
