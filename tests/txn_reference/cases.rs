//! Hand-written histories that pin what each model means. Each case states every model that
//! holds (the others must not), and the two routes to serializability must agree on it.

use splitbrain::history::History;

use super::build::Builder;
use super::Model::{self, *};
use super::{holds, models_that_hold, serializable_by_dsg, RefError};

/// Every model.
const ALL: &[Model] = &Model::ALL;
/// Everything but the real-time models.
const NOT_REAL_TIME: &[Model] = &[
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    ReadAtomic,
    Causal,
    SnapshotIsolation,
    Serializable,
];
/// Snapshot isolation and everything below it, but nothing serializable.
const SNAPSHOT_NOT_SERIAL: &[Model] = &[
    ReadUncommitted,
    ReadCommitted,
    ReadAtomic,
    Causal,
    SnapshotIsolation,
    StrongSnapshotIsolation,
];
/// Read committed with atomic and causal visibility, and nothing stronger.
const CAUSAL_ONLY: &[Model] = &[ReadUncommitted, ReadCommitted, ReadAtomic, Causal];
/// Read committed, nothing stronger.
const READ_COMMITTED: &[Model] = &[ReadUncommitted, ReadCommitted];
/// Read uncommitted only.
const READ_UNCOMMITTED: &[Model] = &[ReadUncommitted];

fn assert_models(history: &History, expected: &[Model]) {
    let holding = models_that_hold(history).expect("the reference decides");
    let show = || {
        history
            .events
            .iter()
            .map(|e| format!("  {} {} {}", e.process, e.kind, e.value))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(holding, expected, "history:\n{}", show());
    for model in Model::ALL {
        let one = holds(history, model).expect("the reference decides");
        assert_eq!(one, expected.contains(&model), "{}", model.name());
    }
    assert_eq!(
        serializable_by_dsg(history).unwrap(),
        expected.contains(&Serializable),
        "PL-3 by the DSG disagrees with the serial orders; history:\n{}",
        show()
    );
}

#[test]
fn an_empty_history_and_a_serial_one_satisfy_every_model() {
    assert_models(&Builder::new().history(), ALL);
    let mut b = Builder::new();
    b.txn(0, "ax1 ay1");
    b.txn(1, "rx[1] ax2 rx[1,2]");
    b.txn(0, "ry[1] rx[1,2] ay3");
    assert_models(&b.history(), ALL);
    let mut b = Builder::new();
    b.txn(0, "rx_ wx1 rx1");
    b.txn(1, "rx1 wy2 wx3");
    b.txn(0, "rx3 ry2");
    assert_models(&b.history(), ALL);
}

#[test]
fn write_skew_is_snapshot_isolated_but_not_serializable() {
    for (t1, t2) in [
        ("rx_ ry_ wx1", "rx_ ry_ wy1"),
        ("rx[] ry[] ax1", "rx[] ry[] ay1"),
    ] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        let c = b.invoke(1, t2);
        b.ok(&a);
        b.ok(&c);
        assert_models(&b.history(), SNAPSHOT_NOT_SERIAL);
    }
}

#[test]
fn a_lost_update_is_read_committed_and_causal_but_not_snapshot_isolated() {
    for (t1, t2, t3) in [
        ("rx_ wx1", "rx_ wx2", "rx2"),
        ("rx[] ax1", "rx[] ax2", "rx[1,2]"),
    ] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        let c = b.invoke(1, t2);
        b.ok(&a);
        b.ok(&c);
        b.txn(0, t3);
        assert_models(&b.history(), CAUSAL_ONLY);
    }
}

#[test]
fn reading_an_aborted_write_is_g1a() {
    for (t1, t2) in [("wx1", "rx1"), ("ax1", "rx[1]"), ("ax1 ax2", "rx[1,2]")] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        b.fail(&a);
        b.txn(1, t2);
        assert_models(&b.history(), READ_UNCOMMITTED);
    }
}

#[test]
fn a_committed_append_on_top_of_an_aborted_one_is_a_dirty_update() {
    let mut b = Builder::new();
    let a = b.invoke(0, "ax1");
    b.fail(&a);
    b.txn(1, "ax2");
    b.txn(2, "rx[1,2]");
    assert_models(&b.history(), READ_UNCOMMITTED);
}

#[test]
fn reading_an_intermediate_write_is_g1b() {
    for (t1, t2) in [("wx1 wx2", "rx1"), ("ax1 ax2", "rx[1]")] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        b.txn(1, t2);
        b.ok(&a);
        assert_models(&b.history(), READ_UNCOMMITTED);
    }
}

#[test]
fn interleaved_appends_are_a_write_cycle_g0() {
    let mut b = Builder::new();
    let a = b.invoke(0, "ax1 ay1");
    let c = b.invoke(1, "ax2 ay2");
    b.ok(&a);
    b.ok(&c);
    b.txn(2, "rx[1,2] ry[2,1]");
    assert_models(&b.history(), &[]);
}

#[test]
fn registers_do_not_reveal_a_write_cycle() {
    // The same interleaving on registers: some version order avoids G0 and G1, but every one
    // leaves a cycle through an anti-dependency.
    let mut b = Builder::new();
    let a = b.invoke(0, "wx1 wy1");
    let c = b.invoke(1, "wx2 wy2");
    b.ok(&a);
    b.ok(&c);
    b.txn(2, "rx2 ry1");
    assert_models(&b.history(), READ_COMMITTED);
}

#[test]
fn reading_each_others_writes_is_a_dependency_cycle_g1c() {
    for (t1, t2) in [("ax1 ry[1]", "ay1 rx[1]"), ("wx1 ry1", "wy1 rx1")] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        let c = b.invoke(1, t2);
        b.ok(&a);
        b.ok(&c);
        assert_models(&b.history(), READ_UNCOMMITTED);
    }
}

#[test]
fn a_fractured_read_is_read_committed_but_not_read_atomic() {
    for (t1, t2) in [("wx1 wy1", "rx1 ry_"), ("ax1 ay1", "rx[1] ry[]")] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        let c = b.invoke(1, t2);
        b.ok(&a);
        b.ok(&c);
        assert_models(&b.history(), READ_COMMITTED);
    }
}

#[test]
fn a_non_repeatable_read_is_read_committed_only() {
    for (t1, t2) in [("rx[] rx[1]", "ax1"), ("rx_ rx1", "wx1")] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        b.txn(1, t2);
        b.ok(&a);
        assert_models(&b.history(), READ_COMMITTED);
    }
}

#[test]
fn a_long_fork_is_causal_but_not_snapshot_isolated() {
    for (w1, w2, r1, r2) in [
        ("wx1", "wy1", "rx1 ry_", "rx_ ry1"),
        ("ax1", "ay1", "rx[1] ry[]", "rx[] ry[1]"),
    ] {
        let mut b = Builder::new();
        let txns: Vec<_> = [w1, w2, r1, r2]
            .iter()
            .enumerate()
            .map(|(p, t)| b.invoke(p as u64, t))
            .collect();
        for tx in &txns {
            b.ok(tx);
        }
        assert_models(&b.history(), CAUSAL_ONLY);
    }
}

#[test]
fn seeing_an_effect_without_its_cause_is_read_atomic_but_not_causal() {
    for (t1, t2, t3) in [
        ("wx1", "rx1 wy1", "ry1 rx_"),
        ("ax1", "rx[1] ay1", "ry[1] rx[]"),
    ] {
        let mut b = Builder::new();
        let a = b.invoke(0, t1);
        let c = b.invoke(1, t2);
        let d = b.invoke(2, t3);
        b.ok(&a);
        b.ok(&c);
        b.ok(&d);
        assert_models(&b.history(), &[ReadUncommitted, ReadCommitted, ReadAtomic]);
    }
}

#[test]
fn a_stale_read_after_completion_breaks_only_the_real_time_models() {
    for (write, read) in [("wx1", "rx_"), ("ax1", "rx[] ay1")] {
        let mut b = Builder::new();
        b.txn(0, write);
        b.txn(1, read);
        assert_models(&b.history(), NOT_REAL_TIME);
    }
}

#[test]
fn an_info_transaction_may_or_may_not_have_committed() {
    // Seen: it committed.
    let mut b = Builder::new();
    let a = b.invoke(0, "ax1");
    b.info(&a);
    b.txn(1, "rx[1]");
    assert_models(&b.history(), ALL);
    // Not seen: it did not (or not yet).
    let mut b = Builder::new();
    let a = b.invoke(0, "wx1");
    b.info(&a);
    b.txn(1, "rx_");
    assert_models(&b.history(), ALL);
    // Seen, then not seen by a later transaction: only real time objects.
    let mut b = Builder::new();
    let a = b.invoke(0, "ax1");
    b.info(&a);
    b.txn(1, "rx[1]");
    b.txn(2, "rx[]");
    assert_models(&b.history(), NOT_REAL_TIME);
    // A failed write seen is G1a, but an info one seen is fine.
    let mut b = Builder::new();
    let a = b.invoke(0, "wx1 wy1");
    b.info(&a);
    b.txn(1, "rx1 ry1");
    assert_models(&b.history(), ALL);
}

#[test]
fn a_transaction_that_does_not_see_its_own_writes_satisfies_nothing() {
    for txn in [
        "ax1 rx[]",
        "wx1 rx_",
        "rx[1] ax1",
        "rx1 wx1",
        "ax1 ax2 rx[2,1]",
    ] {
        let mut b = Builder::new();
        b.txn(0, txn);
        assert_models(&b.history(), &[]);
    }
}

#[test]
fn impossible_reads_satisfy_nothing() {
    // A value nobody wrote, a duplicate element, and two lists that fork.
    for txn in ["rx[7]", "rx7"] {
        let mut b = Builder::new();
        b.txn(0, txn);
        assert_models(&b.history(), &[]);
    }
    let mut b = Builder::new();
    b.txn(0, "ax1");
    b.txn(1, "rx[1,1]");
    assert_models(&b.history(), &[]);
    let mut b = Builder::new();
    let a = b.invoke(0, "ax1");
    let c = b.invoke(1, "ax2");
    b.ok(&a);
    b.ok(&c);
    b.txn(2, "rx[1]");
    b.txn(3, "rx[2]");
    assert_models(&b.history(), &[]);
}

#[test]
fn concurrent_blind_writes_are_strict_serializable() {
    let mut b = Builder::new();
    let a = b.invoke(0, "wx1");
    let c = b.invoke(1, "wx2");
    b.ok(&a);
    b.ok(&c);
    b.txn(2, "rx1");
    assert_models(&b.history(), ALL);
}

#[test]
fn malformed_histories_are_errors_not_verdicts() {
    let mut b = Builder::new();
    b.txn(0, "ax1");
    b.txn(1, "ax1");
    assert!(matches!(
        models_that_hold(&b.history()),
        Err(RefError::Malformed(_))
    ));
    let mut b = Builder::new();
    b.txn(0, "ax1 wy1");
    assert!(matches!(
        models_that_hold(&b.history()),
        Err(RefError::Malformed(_))
    ));
}
