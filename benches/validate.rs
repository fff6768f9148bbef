//! Validation figures: how fast `splitbrain validate` replays and judges a real run.
//!
//! `cargo bench --bench validate` records the README's Raft run (3 reference `raft` nodes,
//! lin-kv at 100 ops/s for 20 s under partition + kill + pause every 2 s, seed 1), then
//! validates it repeatedly on one thread and prints:
//! - events per second: journal lines replayed plus `messages.jsonl` lines joined, per second
//!   of the whole validation (reading the files, parsing, replaying, comparing, joining, the
//!   spec's properties on every state);
//! - the same without the file reads and parsing (the replay-and-judge core);
//! - the run's wall time to validate (the goal: well under a second);
//! - the same figures per second of this thread's CPU time (`/proc/thread-self/schedstat`), which
//!   a shared machine's load does not inflate: "on one core".
//!
//! `cargo bench --bench validate -- --test` records a 2 s run and validates it once (CI smoke).
//! `cargo bench --bench validate -- STORE_DIR` measures an existing run instead.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use splitbrain::checker::Verdict;
use splitbrain::runner::nemesis::FaultKind;
use splitbrain::runner::workload::WorkloadName;
use splitbrain::runner::{run, NodeCommand, RouterBackend, RunOptions, RunPlan};
use splitbrain::validate::{self, ValidateOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|a| a == "--test");
    let given = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from);
    let store = tempfile::tempdir().expect("temp dir");
    let dir = match given {
        Some(dir) => dir,
        None => record(store.path(), if smoke { 2 } else { 20 }),
    };
    let iterations = if smoke { 1 } else { 20 };
    measure(&dir, iterations);
}

/// Records the README's Raft run (shortened to `seconds`) into `store`; returns its directory.
fn record(store: &Path, seconds: u64) -> PathBuf {
    let node = NodeCommand::Named {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_splitbrain")),
        name: "raft".into(),
        bug: None,
    };
    let mut plan = RunPlan::new(WorkloadName::LinKv, node, 3);
    plan.rate = 100.0;
    plan.time_limit = Duration::from_secs(seconds);
    plan.nemesis = vec![FaultKind::Partition, FaultKind::Kill, FaultKind::Pause];
    plan.nemesis_interval = Duration::from_secs(2);
    plan.seed = 1;
    plan.store = store.to_path_buf();
    plan.validate = false;
    let outcome = run(&plan, RouterBackend, RunOptions::default()).expect("run");
    outcome.store
}

/// This thread's CPU time so far (Linux), if readable.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn measure(dir: &Path, iterations: usize) {
    let options = ValidateOptions::default();
    let mut best = Duration::MAX;
    let mut core = Duration::MAX;
    let mut cpu_best = Duration::MAX;
    let mut validation = None;
    for _ in 0..iterations {
        let cpu_before = thread_cpu();
        let started = Instant::now();
        let v = validate::validate(dir, &options).expect("validate");
        best = best.min(started.elapsed());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu()) {
            cpu_best = cpu_best.min(after.saturating_sub(before));
        }
        core = core.min(v.replay_elapsed);
        validation = Some(v);
    }
    let v = validation.expect("at least one iteration");
    assert_eq!(v.verdict, Verdict::Valid, "{v}");
    let events = v.journal_entries + v.router_events;
    println!(
        "validate {}: {} journal lines + {} router events = {} events, {} steps, {} nodes",
        dir.display(),
        v.journal_entries,
        v.router_events,
        events,
        v.steps,
        v.nodes
    );
    println!(
        "  whole validation (best of {iterations}): {:.1} ms = {:.2} M events/s ({:.2} M journal lines/s)",
        best.as_secs_f64() * 1e3,
        events as f64 / best.as_secs_f64() / 1e6,
        v.journal_entries as f64 / best.as_secs_f64() / 1e6,
    );
    println!(
        "  replay, compare, join and judge alone (best of {iterations}): {:.1} ms = {:.2} M events/s",
        core.as_secs_f64() * 1e3,
        events as f64 / core.as_secs_f64() / 1e6,
    );
    if cpu_best < Duration::MAX {
        println!(
            "  whole validation, CPU time of its thread (best of {iterations}): {:.1} ms = {:.2} M events/s",
            cpu_best.as_secs_f64() * 1e3,
            events as f64 / cpu_best.as_secs_f64() / 1e6,
        );
    }
}
