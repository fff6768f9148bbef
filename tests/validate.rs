//! `splitbrain validate`: runs of the reference nodes replayed through their models.
//!
//! Real runs are short (1.5–3 s) with fixed seeds; hand-edited journals and hand-made gaps are
//! built from them or from nodes driven in-process (`gaps.rs`), so those claims do not depend
//! on timing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use crate::runner::{run_tagged, Run};

/// Clean runs of every reference node validate.
mod clean;
/// Hand-edited journals and router journals are caught at the edited step.
mod edits;
/// Bad stores are errors naming the file and line, never verdicts.
mod errors;
/// What the journals cannot show: bridged gaps, and gaps that leave the answer unknown.
mod gaps;
/// `splitbrain run --node` validates its own trace.
mod run;
/// The bug variants, validated against the correct model.
mod variants;

/// `splitbrain run ARGS... --store TMP --no-progress --node NODE`.
pub fn run_node(args: &[&str], node: &str) -> Run {
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    run_tagged(args, &["--node".into(), node.into()], store, tag)
}

/// The usual small run: `ARGS` plus partition, kill and pause every 300 ms.
pub fn faulty(workload: &'static str, time: &'static str, seed: &'static str) -> Vec<&'static str> {
    vec![
        "--workload",
        workload,
        "--time-limit",
        time,
        "--rate",
        "100",
        "--nemesis",
        "partition,kill,pause",
        "--nemesis-interval",
        "300ms",
        "--recovery-time",
        "300ms",
        "--seed",
        seed,
    ]
}

/// The run's history check found nothing wrong: exit 0, or 2 only because a requested fault
/// kind never took effect in so short a run (such a `valid` is demoted to `unknown`).
pub fn assert_history_valid_but_for_faults_without_effect(r: &Run) {
    if r.code() == 0 {
        return;
    }
    assert_eq!(r.code(), 2, "{}", r.text());
    let results = r.results();
    let without = results["faults_without_effect"]
        .as_array()
        .map_or(0, Vec::len);
    let summary = results["summary"].as_str().unwrap_or_default();
    assert!(
        without > 0 && summary.contains("; valid so far ("),
        "{}",
        r.text()
    );
}

/// `splitbrain validate DIR ARGS... --json`: (exit code, the JSON or null, stderr).
pub fn validate(dir: &Path, args: &[&str]) -> (i32, Json, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .arg("validate")
        .arg(dir)
        .args(args)
        .arg("--json")
        .output()
        .expect("run splitbrain validate");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Json::Null);
    (
        out.status.code().expect("exited normally"),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of the run directory `dir` to edit.
pub fn copy_run(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let to = tmp.path().join("run");
    copy_dir(dir, &to);
    (tmp, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// The lines of a file.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Writes lines back.
pub fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("write");
}
