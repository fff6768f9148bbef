//! `--nemesis clock`: nodes' clocks stepped by libfaketime (one timestamp file per node), the
//! offset read back as evidence; programs whose clock libfaketime cannot move are refused.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{run_tagged, Run};

/// The run, or `None` (with a note) when libfaketime is not installed here.
fn lease_lock_under_clock(seed: &str, bug: Option<&str>) -> Option<Run> {
    if let Err(why) = splitbrain::runner::clock_skew::libfaketime() {
        eprintln!("skipped: {why}");
        return None;
    }
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let mut node = vec!["--node".to_string(), "lock".to_string()];
    if let Some(bug) = bug {
        node.extend(["--bug".to_string(), bug.to_string()]);
    }
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
        "clock",
        "--nemesis-interval",
        "500ms",
        "--recovery-time",
        "500ms",
        "--seed",
        seed,
    ];
    Some(run_tagged(&args, &node, store, tag))
}

fn nemesis_events(r: &Run, f: &str) -> Vec<serde_json::Value> {
    let history = std::fs::read_to_string(r.dir().join("history.jsonl")).expect("history");
    history
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|e| e["process"] == "nemesis" && e["f"] == f)
        .collect()
}

/// Every bump is read back at the offset written (within 50 ms) in a process that has
/// libfaketime mapped, and the lock server is among the bumped nodes; the fenced lock stays
/// valid.
#[test]
fn the_fenced_lease_lock_is_valid_under_clock_bumps_each_read_back_at_its_offset() {
    let Some(r) = lease_lock_under_clock("1", None) else {
        return;
    };
    assert_eq!(r.code(), 0, "{}", r.text());
    let bumps = nemesis_events(&r, "bump");
    assert!(!bumps.is_empty(), "{}", r.text());
    let mut lock_server_bumped = false;
    for bump in &bumps {
        assert_eq!(bump["effect"]["took"], true, "{bump}");
        for (node, offset) in bump["value"].as_object().expect("offsets") {
            let seen = &bump["effect"][node.as_str()];
            let read = seen["read-back-ms"].as_i64().expect("read back");
            assert!((read - offset.as_i64().unwrap()).abs() <= 50, "{bump}");
            assert_eq!(seen["libfaketime-mapped"], true, "{bump}");
            lock_server_bumped |= node == "n0";
        }
    }
    assert!(lock_server_bumped, "{bumps:?}");
}

/// The unfenced lock is invalid under the same schedule. (Not a find of the clock alone: the
/// workload's own 400 ms client pauses outlive the 200 ms lease, so it is invalid without any
/// fault too.)
#[test]
fn the_unfenced_lease_lock_is_invalid_under_the_same_clock_bumps() {
    let Some(r) = lease_lock_under_clock("1", Some("no-fencing")) else {
        return;
    };
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(r.stdout().contains("fencing violations"), "{}", r.text());
}

/// The lease lock with every holder writing within its lease (`--hold 100ms`, no GC pause, a
/// 200 ms lease), contended by 8 clients: `(seed, fault kinds)` → the run, or `None` when
/// libfaketime is not installed here.
fn holders_within_their_lease(seed: u64, bug: Option<&str>, clock: bool) -> Option<Run> {
    if let Err(why) = splitbrain::runner::clock_skew::libfaketime() {
        eprintln!("skipped: {why}");
        return None;
    }
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let mut node = vec!["--node".to_string(), "lock".to_string()];
    if let Some(bug) = bug {
        node.extend(["--bug".to_string(), bug.to_string()]);
    }
    let seed = seed.to_string();
    let mut args = vec![
        "--workload",
        "lease-lock",
        "--node-count",
        "2",
        "--hold",
        "100ms",
        "--holder-pause",
        "0s",
        "--concurrency",
        "8",
        "--rate",
        "300",
        "--time-limit",
        "6s",
        "--recovery-time",
        "500ms",
        "--seed",
        &seed,
    ];
    if clock {
        args.extend(["--nemesis", "clock", "--nemesis-interval", "400ms"]);
    }
    Some(run_tagged(&args, &node, store, tag))
}

/// Without faults every holder writes well within its lease, so even the unfenced lock is
/// valid: what breaks it below is the clock, not the workload.
#[test]
fn the_unfenced_lease_lock_is_valid_when_every_holder_writes_within_its_lease() {
    let Some(r) = holders_within_their_lease(1, Some("no-fencing"), false) else {
        return;
    };
    assert_eq!(r.code(), 0, "{}", r.text());
}

/// A clock stepped ahead on the lock server ends a lease under a holder that is still inside
/// it by its own reckoning; the next holder writes first, and unfenced storage takes the stale
/// write after it (found in 2 of seeds 1–5 here; the test allows six).
#[test]
fn a_clock_running_ahead_breaks_the_unfenced_lock_though_every_holder_keeps_to_its_lease() {
    let mut runs = Vec::new();
    for seed in 1..=6 {
        let Some(r) = holders_within_their_lease(seed, Some("no-fencing"), true) else {
            return;
        };
        if r.code() == 1 {
            assert!(r.stdout().contains("fencing violations"), "{}", r.text());
            return;
        }
        assert_eq!(r.code(), 0, "{}", r.text());
        runs.push(r.text());
    }
    panic!("no seed in 1..=6 broke the unfenced lock: {runs:#?}");
}

/// The fenced lock survives the same clock steps: the storage refuses the stale token.
#[test]
fn the_fenced_lease_lock_survives_a_clock_running_ahead() {
    for seed in [1, 5] {
        let Some(r) = holders_within_their_lease(seed, None, true) else {
            return;
        };
        assert_eq!(r.code(), 0, "seed {seed}: {}", r.text());
    }
}

/// A program with a `.go.buildinfo` section reads the clock through the vDSO: refused before
/// anything starts, naming it.
#[test]
fn clock_faults_on_a_go_program_are_refused_with_exit_3_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let go = dir.path().join("gonode");
    std::fs::write(&go, fake_go_elf()).expect("write");
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let r = run_tagged(
        &[
            "--workload",
            "echo",
            "--nemesis",
            "clock",
            "--time-limit",
            "1s",
        ],
        &["--bin".into(), go.display().to_string()],
        store,
        tag,
    );
    assert_eq!(r.code(), 3, "{}", r.text());
    assert!(
        r.stderr().contains("gonode is a Go program"),
        "{}",
        r.text()
    );
}

/// etcd is Go (Debian's /usr/bin/etcd is "dynamically linked", yet never calls libc's clock).
#[test]
fn clock_faults_on_etcd_are_refused_with_exit_3() {
    if !Path::new("/usr/bin/etcd").exists() {
        return;
    }
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let cluster = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/clusters/etcd-3.toml");
    let r = run_tagged(
        &[
            "--workload",
            "lin-kv",
            "--nemesis",
            "clock",
            "--time-limit",
            "1s",
        ],
        &[
            "--net".into(),
            "netns".into(),
            "--cluster".into(),
            cluster.display().to_string(),
        ],
        store,
        tag,
    );
    assert_eq!(r.code(), 3, "{}", r.text());
    assert!(
        r.stderr().contains("/usr/bin/etcd is a Go program"),
        "{}",
        r.text()
    );
}

/// A little-endian ELF64 with a `PT_INTERP` header and a `.go.buildinfo` section.
fn fake_go_elf() -> Vec<u8> {
    let mut b = vec![0u8; 0x40 + 0x38];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[0x20] = 0x40; // e_phoff
    b[0x36] = 0x38; // e_phentsize
    b[0x38] = 1; // e_phnum
    b[0x40] = 3; // PT_INTERP
    let strtab = b.len() as u64;
    b.extend_from_slice(b".shstrtab\0.go.buildinfo\0");
    let shoff = b.len() as u64;
    b[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
    b[0x3A] = 0x40; // e_shentsize
    b[0x3C] = 2; // e_shnum
    for name in [0u32, 10] {
        let mut sh = vec![0u8; 0x40];
        sh[..4].copy_from_slice(&name.to_le_bytes());
        sh[0x18..0x20].copy_from_slice(&strtab.to_le_bytes());
        b.extend_from_slice(&sh);
    }
    b
}

/// How long the lock server `splitbrain node lock` (200 ms leases) makes a second client wait
/// when its clock is stepped `offset_ms` right after granting the first lease.
fn second_grant_after(offset_ms: i64) -> Duration {
    use splitbrain::runner::clock_skew;
    let lib = clock_skew::libfaketime().expect("libfaketime");
    let dir = tempfile::tempdir().expect("temp dir");
    let env = clock_skew::node_env(dir.path(), "n0", &lib).expect("env");
    let mut node = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(["node", "lock", "--seed", "1", "--data-dir"])
        .arg(dir.path())
        .envs(env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = node.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(node.stdout.take().expect("stdout"));
    let mut call = |src: &str, body: &str| {
        writeln!(stdin, r#"{{"src":"{src}","dest":"n0","body":{body}}}"#).expect("send");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reply");
        assert!(line.contains("_ok"), "{line}");
    };
    call(
        "c0",
        r#"{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}"#,
    );
    call("c1", r#"{"type":"acquire","msg_id":2}"#);
    let start = Instant::now();
    clock_skew::write_offset(&clock_skew::file(dir.path(), "n0"), offset_ms).expect("bump");
    call("c2", r#"{"type":"acquire","msg_id":3}"#);
    let waited = start.elapsed();
    let _ = node.kill();
    let _ = node.wait();
    waited
}

/// libfaketime moves the reference nodes' tokio timers too (it fakes the monotonic clock):
/// stepped 2 s forward, the lock server ends a 200 ms lease at once; stepped 2 s back, it
/// holds it 2.2 s.
#[test]
fn a_lock_server_stepped_forward_ends_the_lease_early_and_stepped_back_holds_it_longer() {
    if splitbrain::runner::clock_skew::libfaketime().is_err() {
        return;
    }
    let normal = second_grant_after(0);
    let ahead = second_grant_after(2000);
    let behind = second_grant_after(-2000);
    assert!(normal >= Duration::from_millis(150), "{normal:?}");
    assert!(ahead < Duration::from_millis(100), "{ahead:?}");
    assert!(behind >= Duration::from_millis(2100), "{behind:?}");
}
