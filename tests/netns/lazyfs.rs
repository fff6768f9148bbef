//! The lazy filesystem (`lazyfs = true`) and `--nemesis lose-unsynced` on real processes: a
//! mount that holds unsynced writes and drops them on a power failure, a node that answers
//! before it fsyncs (invalid: acknowledged writes are lost) and the same node fsyncing (valid),
//! and etcd, which fsyncs its WAL (valid). They need root and /dev/fuse (and etcd for its test).

use std::fs;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use splitbrain::runner::lazyfs::{Disk, Loss};

use super::{example_cluster, run_cluster, skip_without, text, ONE_AT_A_TIME};

pub(crate) fn skip_reason(programs: &[&str]) -> Option<String> {
    if !Path::new("/dev/fuse").exists() {
        return Some("no /dev/fuse".into());
    }
    skip_without(programs)
}

macro_rules! require {
    ($($program:expr),*) => {
        if let Some(why) = skip_reason(&[$($program),*]) {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nodes")
        .join(name)
        .display()
        .to_string()
}

/// `examples/clusters/NAME` with `edit` applied, written into `dir`.
pub(crate) fn cluster_variant(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = fs::read_to_string(example_cluster(name)).unwrap();
    let file = dir.join(name);
    fs::write(&file, edit(text)).unwrap();
    file
}

/// The lose-unsynced events of a run's history, with their `effect`s.
pub(crate) fn power_failures(store: &Path) -> Vec<Json> {
    fs::read_to_string(store.join("latest/history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|e| e["process"] == "nemesis" && e["f"] == "lose-unsynced")
        .collect()
}

/// Bytes dropped over every node of every power failure.
pub(crate) fn dropped_bytes(events: &[Json]) -> u64 {
    events
        .iter()
        .flat_map(|e| e["effect"].as_object().cloned().unwrap_or_default())
        .filter_map(|(_, node)| node["dropped-bytes"].as_u64())
        .sum()
}

#[test]
fn a_lazy_disk_drops_unsynced_writes_and_keeps_synced_ones_on_power_failure() {
    require!();
    let dir = tempfile::tempdir().unwrap();
    let (backing, point) = (dir.path().join("backing"), dir.path().join("mnt"));
    let mut disk = Disk::mount(&backing, &point, "lazyfs-unit-test").unwrap();
    assert!(
        splitbrain::runner::lazyfs::mounted()
            .iter()
            .any(|(name, at)| name == "lazyfs-unit-test" && at.ends_with("mnt")),
        "the mount is in the mount table, named: {:?}",
        splitbrain::runner::lazyfs::mounted()
    );
    let mut synced = fs::File::create(point.join("synced")).unwrap();
    synced.write_all(b"durable").unwrap();
    synced.sync_data().unwrap();
    fs::create_dir(point.join("sub")).unwrap();
    let mut held = fs::File::create(point.join("sub/held")).unwrap();
    held.write_all(b"volatile").unwrap();
    // Reads see the held bytes; the backing file does not have them yet.
    assert_eq!(fs::read(point.join("sub/held")).unwrap(), b"volatile");
    assert_eq!(fs::read(backing.join("sub/held")).unwrap(), b"");
    synced.write_all_at(b"!", 7).unwrap();
    fs::rename(point.join("sub"), point.join("moved")).unwrap();
    assert_eq!(disk.unsynced_bytes(), 9);
    drop((synced, held));
    let failure = disk.power_failure(Loss::All).unwrap();
    assert_eq!(failure.crash.dropped_bytes, 9, "{failure:?}");
    assert_eq!(fs::read(point.join("synced")).unwrap(), b"durable");
    assert_eq!(
        fs::read(point.join("moved/held")).unwrap(),
        b"",
        "the name survives (names are not held), its unsynced contents do not"
    );
    assert_eq!(disk.unsynced_bytes(), 0);
    disk.unmount();
    assert!(
        !splitbrain::runner::lazyfs::mounted()
            .iter()
            .any(|(source, _)| source == "lazyfs-unit-test"),
        "unmounted"
    );
}

/// `maelstrom.toml` for one node of `durable_kv.py` on a lazy disk (its data directory passed
/// on), under `--nemesis lose-unsynced`.
fn durable_kv_run(extra: &[&str]) -> (std::process::Output, Json, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = cluster_variant(dir.path(), "maelstrom.toml", |t| {
        format!("lazyfs = true\n{t}").replace(
            "\"--\", \"{bin}\"]",
            "\"--\", \"{bin}\", \"--data-dir\", \"{data_dir}\"]",
        )
    });
    let node = fixture("durable_kv.py");
    let mut args = vec![
        "--workload",
        "lin-kv",
        "--node-count",
        "1",
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
        "--bin",
        "python3",
        &node,
    ];
    args.extend(extra);
    run_cluster(&file, &args)
}

#[test]
fn a_node_that_answers_before_it_fsyncs_loses_acknowledged_writes_under_lose_unsynced() {
    require!("python3");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, store) = durable_kv_run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(r["verdict"], "invalid", "{r}");
    let failures = power_failures(store.path());
    assert!(
        dropped_bytes(&failures) > 0,
        "the evidence shows bytes dropped: {failures:?}"
    );
}

#[test]
fn the_same_node_fsyncing_before_it_answers_stays_valid_under_lose_unsynced() {
    require!("python3");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, store) = durable_kv_run(&["--fsync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let failures = power_failures(store.path());
    assert!(
        failures.len() >= 2 && failures.iter().all(|e| e["effect"]["took"] == true),
        "{failures:?}"
    );
    assert_eq!(dropped_bytes(&failures), 0, "it synced everything it wrote");
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r}");
}

#[test]
fn etcd_on_lazy_disks_stays_valid_under_lose_unsynced() {
    require!("etcd");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let file = cluster_variant(dir.path(), "etcd-3.toml", |t| format!("lazyfs = true\n{t}"));
    let (out, r, store) = run_cluster(
        &file,
        &[
            "--workload",
            "lin-kv",
            "--time-limit",
            "5s",
            "--rate",
            "100",
            "--key-count",
            "2",
            "--rpc-timeout",
            "500ms",
            "--nemesis",
            "lose-unsynced",
            "--nemesis-interval",
            "1500ms",
            "--recovery-time",
            "2s",
            "--seed",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let failures = power_failures(store.path());
    assert!(
        !failures.is_empty() && failures.iter().all(|e| e["effect"]["took"] == true),
        "{failures:?}"
    );
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r}");
}
