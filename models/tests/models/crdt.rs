//! The CRDT specs: `g-counter`, `pn-counter`, `or-set`, `lww-register`.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, Strategy};

use super::{assert_passes, run, status};

/// Each correct CRDT passes every property at its default size (2 replicas, 2 updates each,
/// duplicating network), with its state count pinned.
#[test]
fn every_crdt_converges_to_its_specified_value_at_default_size() {
    for (spec, unique, generated) in [
        ("g-counter", 8_932, 25_479),
        ("pn-counter", 8_932, 25_479),
        ("or-set", 11_462, 32_063),
        ("lww-register", 13_128, 36_293),
    ] {
        let outcome = run(CheckRequest::new(spec));
        assert_passes(&outcome);
        assert_eq!(
            (outcome.unique_states, outcome.states_generated),
            (unique, generated),
            "{spec}"
        );
    }
}

#[test]
fn crdt_state_counts_agree_between_bfs_and_dfs() {
    let bfs = run(CheckRequest::new("or-set").strategy(Strategy::Bfs));
    assert_passes(&bfs);
    assert_eq!(bfs.unique_states, 11_462);
}

#[test]
fn sum_merge_counts_a_duplicated_gossip_twice_and_replicas_diverge() {
    for spec in ["g-counter", "pn-counter"] {
        let outcome = run(CheckRequest::new(spec)
            .bug("sum-merge")
            .strategy(Strategy::Bfs));
        assert_eq!(outcome.status(), Status::Fail, "{spec}");
        for property in ["convergence", "value correctness", "merge laws"] {
            assert_eq!(
                status(&outcome, property),
                PropertyStatus::Violated,
                "{spec} {property}"
            );
        }
        let trace = outcome
            .property("convergence")
            .unwrap()
            .trace
            .as_ref()
            .unwrap();
        assert!(trace.to_string().contains("receives Gossip"), "{trace}");
    }
}

#[test]
fn sum_merge_is_offered_only_where_it_is_a_counter_bug() {
    let outcome = splitbrain_models::check(&CheckRequest::new("or-set").bug("sum-merge"));
    assert!(outcome.is_err());
}

#[test]
fn a_plain_unordered_network_stays_bounded_and_converges() {
    let outcome = run(CheckRequest::new("g-counter")
        .bound("updates", 1)
        .network(splitbrain_models::NetworkKind::Unordered));
    assert_passes(&outcome);
}
