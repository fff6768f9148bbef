//! `splitbrain run --node hash-ring`: the model-checked hash-ring server as real processes
//! while the membership nemesis takes nodes out of the ring and puts them back, correct and
//! with `serve-before-handoff`.

use super::{check, history_invalid_within, run_tagged, Run};

/// lin-kv on 3 hash-ring nodes for 2 s at 200 ops/s; every 200 ms on average the coordinator is asked to
/// take a node out of the ring or put it back (healed 400 ms before the end), with 10 ms
/// between nodes so a handoff is in flight long enough for a client to meet it.
fn args(seed: &'static str) -> Vec<&'static str> {
    vec![
        "--workload",
        "lin-kv",
        "--time-limit",
        "2s",
        "--rate",
        "200",
        "--nemesis",
        "membership",
        "--nemesis-interval",
        "200ms",
        "--recovery-time",
        "400ms",
        "--latency",
        "10ms",
        "--seed",
        seed,
    ]
}

fn run_ring(seed: &'static str, bug: Option<&str>) -> Run {
    let store = tempfile::tempdir().expect("temp dir");
    let tag = store.path().display().to_string();
    let mut node = vec!["--node".to_string(), "hash-ring".to_string()];
    if let Some(bug) = bug {
        node.extend(["--bug".to_string(), bug.to_string()]);
    }
    run_tagged(&args(seed), &node, store, tag)
}

/// How many handoffs carrying keys the run's messages hold.
fn handoffs_with_keys(r: &Run) -> usize {
    std::fs::read_to_string(r.dir().join("messages.jsonl"))
        .expect("messages.jsonl")
        .lines()
        .filter(|l| l.contains("\"handoff\"") && !l.contains("\"entries\":[]"))
        .count()
}

#[test]
fn correct_hash_ring_hands_keys_off_on_leave_and_join_and_stays_linearizable() {
    let r = run_ring("1", None);
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(handoffs_with_keys(&r) > 0, "no keys moved: {}", r.text());
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{text}");
}

/// The run's own verdict for a bug run is invalid from the trace check alone once a node
/// answers early (the journal leaves the correct model there); the claim here is the
/// history's: a stale read. Whether a client read meets a handoff in flight depends on node
/// timing, which is not seeded, so the claim is "within six bounded runs". Measured on an idle
/// machine at 200 ops/s: 7 of seeds 1–8 had an invalid history (5 of 8 at 100 ops/s), and
/// under CI load one run answered nothing early at all (its run verdict was valid).
#[test]
fn hash_ring_serving_before_handoff_reads_moved_keys_stale() {
    history_invalid_within(&["1", "2", "3", "4", "5", "6"], |seed| {
        run_ring(seed, Some("serve-before-handoff"))
    });
}
