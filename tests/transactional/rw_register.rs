//! rw-register: version orders inferred from nil, from the order of micro-ops inside a
//! transaction, and (opt-in) from process or real-time order per key.

use super::build::H;
use super::{expect, found, run};
use splitbrain::checker::transactional::{
    check, Anomaly, Case, ConsistencyModel, Evidence, TxnOptions,
};
use splitbrain::checker::Verdict::{Invalid, Unknown, Valid};

fn with(
    history: &splitbrain::history::History,
    models: &[ConsistencyModel],
    seq: bool,
    lin: bool,
) -> splitbrain::checker::transactional::TxnReport {
    let mut options = TxnOptions::with_models(models);
    options.sequential_keys = seq;
    options.linearizable_keys = lin;
    check(history, &options).unwrap()
}

/// maelstrom#56: two transactions interleave their writes to key 0. Maelstrom infers versions
/// only from each transaction's first read and last write (`:wfr-keys?`), which relates 1 < 11
/// and misses the write cycle; ordering every write after what the transaction saw before it
/// gives 1 < 10 < 2 < 3 < 11, and with it T2 → T3 → T2 on ww edges. (T2 also reads 10 after
/// writing 1 itself: a lost own write, which every model forbids.)
#[test]
fn maelstrom_56_write_cycle_is_caught_at_read_uncommitted() {
    let mut h = H::new();
    h.invoke(0, "0:=1 0=1 0=10 0:=2 0:=3 0=3")
        .invoke(1, "0=1 0:=10 0=3 0:=11")
        .ok(0, "0:=1 0=1 0=10 0:=2 0:=3 0=3")
        .ok(1, "0=1 0:=10 0=3 0:=11");
    let r = run(&h.history(), "read-uncommitted");
    expect(
        &r,
        Invalid,
        &["G0", "lost-own-write"],
        &["read-uncommitted"],
    );
    let Case::Cycle(cycle) = &r.anomalies[&Anomaly::G0][0] else {
        panic!()
    };
    assert!(cycle.steps.iter().all(|s| s.kind == "ww"));
    assert!(cycle
        .steps
        .iter()
        .all(|s| matches!(s.evidence, Some(Evidence::WithinTxn { .. }))));
}

#[test]
fn g1a_read_of_a_failed_write() {
    let mut h = H::new();
    h.failed(0, "x:=1").txn(1, "x=1");
    expect(
        &run(&h.history(), "read-committed"),
        Invalid,
        &["G1a"],
        &["read-committed"],
    );
}

#[test]
fn g1b_read_of_an_intermediate_write() {
    let mut h = H::new();
    h.txn(0, "x:=1 x:=2").txn(1, "x=1");
    let r = run(&h.history(), "repeatable-read");
    assert_eq!(r.verdict, Invalid);
    assert!(found(&r, Anomaly::G1b), "{r:#?}");
}

#[test]
fn g1c_mutual_reads() {
    let mut h = H::new();
    h.invoke(0, "x:=1 y=1")
        .invoke(1, "y:=1 x=1")
        .ok(0, "x:=1 y=1")
        .ok(1, "y:=1 x=1");
    expect(
        &run(&h.history(), "read-uncommitted"),
        Valid,
        &[],
        &["read-committed"],
    );
    expect(
        &run(&h.history(), "read-committed"),
        Invalid,
        &["G1c"],
        &["read-committed"],
    );
}

#[test]
fn a_read_of_nil_precedes_every_write() {
    let mut h = H::new();
    h.invoke(0, "x=nil y=1")
        .invoke(1, "y:=1 x:=2")
        .ok(1, "y:=1 x:=2")
        .ok(0, "x=nil y=1");
    let r = run(&h.history(), "serializable");
    expect(
        &r,
        Invalid,
        &["G-single-item"],
        &["consistent-view", "repeatable-read"],
    );
}

#[test]
fn writes_follow_reads_within_a_transaction() {
    let mut h = H::new();
    h.txn(0, "y:=1").txn(0, "y=1 x:=1 y:=2").txn(0, "x=1 y=1");
    let r = run(&h.history(), "serializable");
    expect(
        &r,
        Invalid,
        &["G-single-item"],
        &["consistent-view", "repeatable-read"],
    );
}

#[test]
fn sequential_keys_find_a_g0_nil_and_wfr_cannot() {
    let mut h = H::new();
    h.txn(0, "x:=1 y:=2")
        .txn(1, "x:=2 y:=1")
        .txn(0, "x=2")
        .txn(1, "y=2");
    let plain = with(
        &h.history(),
        &[ConsistencyModel::ReadUncommitted],
        false,
        false,
    );
    assert_eq!(plain.verdict, Valid);
    assert!(
        !plain.scope.exact,
        "versions 1 and 2 are unordered: {:?}",
        plain.scope
    );
    let r = with(
        &h.history(),
        &[ConsistencyModel::ReadUncommitted],
        true,
        false,
    );
    expect(&r, Invalid, &["G0"], &["read-uncommitted"]);
}

#[test]
fn sequential_keys_can_make_versions_cyclic() {
    let mut h = H::new();
    h.txn(0, "x:=1").txn(0, "x:=2").txn(0, "x=1");
    let r = with(
        &h.history(),
        &[ConsistencyModel::StrictSerializable],
        true,
        false,
    );
    // A cycle of versions ordered from reads is a cycle of wr dependencies: read-committed,
    // not read-uncommitted, rules it out.
    expect(&r, Invalid, &["cyclic-versions"], &["read-committed"]);
}

#[test]
fn linearizable_keys_order_versions_by_real_time() {
    let mut h = H::new();
    h.txn(0, "x:=1").txn(1, "x:=2").txn(2, "x=1");
    let plain = with(
        &h.history(),
        &[ConsistencyModel::Serializable],
        false,
        false,
    );
    assert_eq!(plain.verdict, Valid);
    let r = with(&h.history(), &[ConsistencyModel::Serializable], false, true);
    expect(&r, Invalid, &["cyclic-versions"], &["read-committed"]);
}

#[test]
fn lost_update_of_a_register() {
    let mut h = H::new();
    h.txn(0, "x:=0")
        .invoke(1, "x=0 x:=1")
        .invoke(2, "x=0 x:=2")
        .ok(1, "x=0 x:=1")
        .ok(2, "x=0 x:=2");
    let r = run(&h.history(), "update-atomic");
    expect(
        &r,
        Invalid,
        &["lost-update"],
        &["cursor-stability", "update-atomic"],
    );
    assert!(found(&r, Anomaly::G2Item));
}

#[test]
fn internal_non_repeatable_read() {
    let mut h = H::new();
    h.txn(0, "x:=1").txn(1, "x:=2").txn(2, "x=1 x=2");
    let r = run(&h.history(), "read-atomic");
    expect(&r, Invalid, &["internal"], &["read-atomic"]);
}

#[test]
fn a_read_of_a_value_nobody_wrote_is_unknown_not_valid() {
    let mut h = H::new();
    h.txn(0, "x:=1").txn(1, "x=2");
    let r = run(&h.history(), "serializable");
    expect(&r, Unknown, &["garbage-read"], &[]);
    assert!(r.reason.unwrap().contains("no transaction wrote"));
}

#[test]
fn a_serial_history_with_linearizable_keys_is_exactly_valid() {
    let mut h = H::new();
    h.txn(0, "x:=1 y:=1")
        .txn(1, "x=1 x:=2")
        .txn(2, "y=1 x=2 y:=3")
        .txn(0, "x=2 y=3");
    let r = with(
        &h.history(),
        &[ConsistencyModel::StrictSerializable],
        false,
        true,
    );
    assert_eq!(r.verdict, Valid, "{r:#?}");
    assert!(r.scope.exact, "{:?}", r.scope);
}
