//! The check API: limits, strategies, validation, catalog, rendering.

use std::time::{Duration, Instant};

use splitbrain_models::{
    catalog, check, CheckRequest, ModelError, NetworkKind, PropertyStatus, SearchEnd, Status,
    StopWhen, Strategy,
};

use super::{run, status};

#[test]
fn a_state_limit_reports_unknown_never_a_pass() {
    let outcome = run(CheckRequest::new("paxos-register").max_states(1_000));
    assert_eq!(outcome.end, SearchEnd::StateLimit);
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(outcome.status().exit_code(), 2);
    assert_eq!(status(&outcome, "agreement"), PropertyStatus::Unknown);
    assert_eq!(status(&outcome, "linearizable"), PropertyStatus::Unknown);
}

#[test]
fn a_state_limit_stops_a_deep_depth_first_search_near_the_limit() {
    // Two-phase commit over a duplicating network is deep; stateright alone consults its state
    // target only between blocks of 1,500 expanded states, and ran past this limit to 10^5
    // states and gigabytes (minutes, without a time limit).
    let outcome = run(CheckRequest::new("two-phase-commit")
        .network(NetworkKind::Duplicating)
        .max_states(1_000));
    assert_eq!(outcome.end, SearchEnd::StateLimit);
    assert_eq!(outcome.status(), Status::Unknown);
    assert!(
        (1_000..2_000).contains(&outcome.states_generated),
        "{}",
        outcome.states_generated
    );
}

#[test]
fn a_state_limit_stops_the_timed_lease_lock_at_the_limit_in_both_orders() {
    // The timed lease lock is a plain stateright model, not a `System`: it carries a cutoff of
    // its own. Without it a limit of 1,000 generated 2,054 states depth first and 3,978
    // breadth first.
    for strategy in [Strategy::Bfs, Strategy::Dfs] {
        let outcome = run(CheckRequest::new("lease-lock-timed")
            .strategy(strategy)
            .max_states(1_000));
        assert_eq!(outcome.end, SearchEnd::StateLimit, "{strategy:?}");
        assert_eq!(outcome.status(), Status::Unknown, "{strategy:?}");
        assert!(
            (1_000..1_100).contains(&outcome.states_generated),
            "{strategy:?}: {}",
            outcome.states_generated
        );
    }
}

#[test]
fn a_time_limit_stops_a_single_threaded_search_and_reports_unknown() {
    // 18.6 million states: far more than 300 ms. stateright's own timeout does not stop a
    // one-thread DFS; the system's cutoff does.
    let start = Instant::now();
    let outcome = run(CheckRequest::new("paxos")
        .bound("rounds", 2)
        .time_limit(Duration::from_millis(300)));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(outcome.end, SearchEnd::TimeLimit);
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(status(&outcome, "agreement"), PropertyStatus::Unknown);
}

#[test]
fn a_violation_found_before_a_limit_is_still_a_failure() {
    let outcome = run(CheckRequest::new("lease-lock")
        .bug("no-fencing")
        .max_states(5_000));
    assert_eq!(status(&outcome, "fencing"), PropertyStatus::Violated);
    assert_eq!(outcome.status(), Status::Fail);
}

#[test]
fn random_walks_find_the_bug_but_never_prove_a_property() {
    let outcome = run(CheckRequest::new("paxos")
        .bug("ignore-promise")
        .strategy(Strategy::Random { seed: 7 })
        .max_states(200_000)
        .stop_when(StopWhen::Decided("agreement".into())));
    assert_eq!(status(&outcome, "agreement"), PropertyStatus::Violated);
    let correct = run(CheckRequest::new("lease-lock")
        .strategy(Strategy::Random { seed: 1 })
        .max_states(2_000));
    assert_eq!(status(&correct, "fencing"), PropertyStatus::Unknown);
    assert_eq!(correct.status(), Status::Unknown);
}

#[test]
fn two_threads_reach_the_same_verdicts() {
    let outcome = run(CheckRequest::new("paxos").threads(2));
    assert_eq!(outcome.status(), Status::Pass);
    let bug = run(CheckRequest::new("lease-lock").bug("no-fencing").threads(2));
    assert_eq!(status(&bug, "fencing"), PropertyStatus::Violated);
}

#[test]
fn rejects_requests_that_cannot_run() {
    let err = |request: CheckRequest| check(&request).expect_err("must be rejected");
    assert!(matches!(
        err(CheckRequest::new("raft-ish")),
        ModelError::UnknownSpec { .. }
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").bug("no-fencing")),
        ModelError::UnknownBug { .. }
    ));
    assert!(matches!(
        err(CheckRequest::new("lease-lock").bound("servers", 3)),
        ModelError::UnknownParameter { .. }
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").bound("servers", 99)),
        ModelError::ParameterOutOfRange { .. }
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").bound("proposers", 5)),
        ModelError::InvalidConfig(_)
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").symmetry(true)),
        ModelError::SymmetryUnsupported("paxos")
    ));
    assert!(matches!(
        err(CheckRequest::new("lease-lock")
            .symmetry(true)
            .strategy(Strategy::Bfs)),
        ModelError::SymmetryNeedsDfs
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").strategy(Strategy::Random { seed: 0 })),
        ModelError::UnboundedRandomSearch
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").threads(0)),
        ModelError::NoThreads
    ));
    assert!(matches!(
        err(CheckRequest::new("paxos").stop_when(StopWhen::Decided("liveness".into()))),
        ModelError::UnknownProperty { .. }
    ));
}

#[test]
fn catalog_documents_every_spec_property_and_bug() {
    let specs = catalog();
    let names: Vec<_> = specs.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "paxos",
            "paxos-register",
            "raft",
            "lease-lock",
            "lease-lock-timed",
            "primary-backup",
            "two-phase-commit",
            "hash-ring",
            "g-counter",
            "pn-counter",
            "or-set",
            "lww-register",
            "vector-clocks"
        ]
    );
    for spec in &specs {
        assert!(!spec.description.is_empty());
        assert!(spec
            .properties
            .iter()
            .any(|p| p.kind.to_string() == "sometimes"));
        for property in &spec.properties {
            assert!(
                !property.source.is_empty(),
                "{}: {}",
                spec.name,
                property.name
            );
        }
        for bug in &spec.bugs {
            assert!(
                spec.properties.iter().any(|p| p.name == bug.violates),
                "{}: bug {} targets an unknown property",
                spec.name,
                bug.name
            );
        }
        for parameter in &spec.parameters {
            assert!((parameter.min..=parameter.max).contains(&parameter.default));
        }
    }
    let json = serde_json::to_string(&specs).unwrap();
    assert!(json.contains(r#""name":"ignore-promise""#));
}

#[test]
fn renders_outcomes_and_counterexamples_as_numbered_steps() {
    let outcome = run(CheckRequest::new("paxos").bug("ignore-promise"));
    let text = outcome.to_string();
    assert!(
        text.contains("VIOLATED       always     agreement"),
        "{text}"
    );
    assert!(text.contains("counterexample for `agreement`"), "{text}");
    assert!(text.contains("  1. n"), "{text}");
    assert!(text.contains(" receives Prepare { ballot: "), "{text}");
    assert!(text.contains(".promised: None → Some("), "{text}");
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["properties"][0]["status"], "violated");
    assert_eq!(
        json["properties"][0]["trace"]["steps"][1]["event"]["event"],
        "timer"
    );
}
