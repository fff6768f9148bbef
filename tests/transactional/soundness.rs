//! Soundness on seeded histories of simulated databases that keep their promises
//! (`benches/txn_sim.rs`): no anomaly a model prohibits may be reported for a history of a
//! database that provides that model. A serializable database that applies each transaction
//! when it completes is strict-serializable (and, per key, linearizable); one that reads from a
//! snapshot taken at invocation with first-committer-wins is strong snapshot isolation.

#[allow(dead_code)]
#[path = "../../benches/txn_sim.rs"]
mod txn_sim;

use splitbrain::checker::transactional::{check, ConsistencyModel, TxnOptions};
use splitbrain::checker::Verdict;
use splitbrain::history::format::{parse, Format};

fn verdict(text: &str, models: &[ConsistencyModel], linearizable: bool) -> (Verdict, String) {
    let history = parse(text.as_bytes(), Format::Jsonl, None).unwrap();
    let mut options = TxnOptions::with_models(models);
    options.linearizable_keys = linearizable;
    options.sequential_keys = linearizable;
    let report = check(&history, &options).unwrap();
    (report.verdict, format!("{report:#?}"))
}

const SEEDS: u64 = 300;

#[test]
fn a_strict_serializable_database_is_never_invalid() {
    for seed in 0..SEEDS {
        let txns = 5 + (seed as usize % 60);
        let clients = 2 + (seed as usize % 5);
        let text = txn_sim::history(txn_sim::Db::Serializable, txns, clients, seed);
        let (v, report) = verdict(&text, &[ConsistencyModel::StrictSerializable], false);
        assert_ne!(v, Verdict::Invalid, "seed {seed}:\n{text}\n{report}");
    }
}

#[test]
fn a_strong_snapshot_isolation_database_is_never_invalid_at_strong_si() {
    for seed in 0..SEEDS {
        let txns = 5 + (seed as usize % 60);
        let clients = 2 + (seed as usize % 5);
        let text = txn_sim::history(txn_sim::Db::Snapshot, txns, clients, seed);
        let (v, report) = verdict(&text, &[ConsistencyModel::StrongSnapshotIsolation], false);
        assert_ne!(v, Verdict::Invalid, "seed {seed}:\n{text}\n{report}");
    }
}

#[test]
fn a_strict_serializable_register_database_is_never_invalid_even_with_key_assumptions() {
    for seed in 0..SEEDS {
        let txns = 5 + (seed as usize % 60);
        let clients = 2 + (seed as usize % 5);
        let text = txn_sim::simulate(txn_sim::Db::Serializable, true, txns, clients, seed);
        let (v, report) = verdict(&text, &[ConsistencyModel::StrictSerializable], true);
        assert_ne!(v, Verdict::Invalid, "seed {seed}:\n{text}\n{report}");
    }
}

#[test]
fn snapshot_isolation_shows_write_skew_at_serializable_somewhere() {
    // The checker is not vacuous: some snapshot histories are not serializable.
    let invalid = (0..50).any(|seed| {
        let text = txn_sim::history(txn_sim::Db::Snapshot, 200, 8, seed);
        verdict(&text, &[ConsistencyModel::Serializable], false).0 == Verdict::Invalid
    });
    assert!(invalid);
}
