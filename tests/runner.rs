//! `splitbrain run` with real node processes: the Python fixture nodes under
//! `tests/fixtures/nodes/`, fixed seeds, short runs.
//!
//! Every test tags its node processes (`--tag T`, which the fixtures ignore) and checks `/proc`
//! afterwards: no process of the run may outlive it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tempfile::TempDir;

/// `--nemesis clock`: libfaketime per node, the offset read back; Go programs refused.
mod clock;
/// Faults: bugs found under partitions, correct nodes stay valid under every fault.
mod faults;
/// `--node hash-ring` under the membership nemesis: correct, serve-before-handoff.
mod hash_ring;
/// SIGINT mid-run: every process gone, the partial history saved.
mod interrupt;
/// kafka against the Python kafka node and its per-node-offsets bug.
mod kafka;
/// `--nemesis lose-unsynced`: power failures that lose what reference nodes did not sync.
mod lose_unsynced;
/// Misbehaving nodes: clear errors or verdicts, in bounded time, no orphans.
mod misbehaving;
/// `--node primary-backup` under failover-inducing partitions: correct, no-epoch, async-ack.
mod primary_backup;
/// `--node NAME`: the models crate's protocols as real node processes.
mod reference_nodes;
/// Seeds: the same seed gives the same fault schedule; the printed replay command replays it.
mod replay;
/// `--node two-phase-commit` with the bank workload under kills: correct, commit-on-majority,
/// forget-vote.
mod two_phase_commit;
/// txn-list-append and txn-rw-register against the Python txn node and its bugs.
mod txn;
/// Each workload's happy path is valid.
mod workloads;

/// A fixture node script.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nodes")
        .join(name)
        .display()
        .to_string()
}

/// A finished `splitbrain run`.
pub struct Run {
    pub output: Output,
    pub elapsed: Duration,
    pub store: TempDir,
    pub tag: String,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exited normally")
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Everything it printed, for assertion messages.
    pub fn text(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr())
    }

    /// The run's store directory (`STORE/latest`).
    pub fn dir(&self) -> PathBuf {
        std::fs::canonicalize(self.store.path().join("latest")).expect("store/latest")
    }

    pub fn results(&self) -> Json {
        let text = std::fs::read_to_string(self.dir().join("results.json")).expect("results.json");
        serde_json::from_str(&text).expect("results.json is JSON")
    }

    /// The nemesis actions applied, without their times.
    pub fn faults(&self) -> Vec<Json> {
        let results = self.results();
        results["nemesis"]
            .as_array()
            .expect("nemesis list")
            .iter()
            .map(|f| serde_json::json!([f["f"], f["value"]]))
            .collect()
    }
}

/// A unique tag for a test's processes.
pub fn tag(test: &str) -> String {
    format!("sbtag-{}-{test}", std::process::id())
}

/// `splitbrain run ARGS... --store TMP --no-progress --bin python3 -- FIXTURE NODE_ARGS --tag TAG`
/// (after `--`, arguments such as `--bug` are the node's, not `splitbrain run`'s).
pub fn run(test: &str, args: &[&str], node: &[&str]) -> Run {
    let tag = tag(test);
    let mut node_args = vec![
        "--bin".into(),
        "python3".into(),
        "--".into(),
        fixture(node[0]),
    ];
    node_args.extend(node[1..].iter().map(|a| a.to_string()));
    node_args.extend(["--tag".into(), tag.clone()]);
    run_tagged(
        args,
        &node_args,
        tempfile::tempdir().expect("temp dir"),
        tag,
    )
}

/// `splitbrain run ARGS... --store STORE --no-progress NODE_ARGS...`; afterwards no process whose
/// command line contains `tag` may be left.
pub fn run_tagged(args: &[&str], node_args: &[String], store: TempDir, tag: String) -> Run {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .arg("run")
        .args(args)
        .arg("--store")
        .arg(store.path())
        .arg("--no-progress")
        .args(node_args)
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

/// Processes whose command line contains `tag`.
pub fn processes_with(tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(tag) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

/// Fails if any process tagged `tag` is alive (after a short grace period for the kernel).
pub fn assert_no_processes_left(tag: &str) {
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        let left = processes_with(tag);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!("processes outlived the run:\n{}", left.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `run(seed)` for each seed in turn until a run's history is invalid by `splitbrain
/// check`, asserts that the run's own verdict is invalid too, and returns that run; panics with
/// every output when no history is invalid. The claim of a bug run is its history's: the run's
/// verdict also folds in trace validation, which flags a run at its first divergent step even
/// when no client saw it go wrong. Node timing is not seeded, so such claims are "within N
/// bounded runs".
pub fn history_invalid_within(seeds: &[&'static str], run: impl Fn(&'static str) -> Run) -> Run {
    let mut outputs = Vec::new();
    for &seed in seeds {
        let r = run(seed);
        let (code, text) = check(&r.dir().join("history.jsonl"));
        if code == 1 {
            assert_eq!(
                r.code(),
                1,
                "the history is invalid but the run said otherwise: {}",
                r.text()
            );
            return r;
        }
        outputs.push(format!("seed {seed}: run exit {}; check: {text}", r.code()));
    }
    panic!("no history was invalid:\n{}", outputs.join("\n"));
}

/// `splitbrain check FILE`: (exit code, stdout).
pub fn check(file: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .arg("check")
        .arg(file)
        .output()
        .expect("run splitbrain check");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
