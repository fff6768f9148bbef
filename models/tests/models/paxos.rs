//! The Paxos specs.

use splitbrain_models::history::{is_linearizable, SequentialSpecKind};
use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen, Strategy};

use super::{assert_passes, run, status};

#[test]
fn single_decree_paxos_passes_every_property_at_default_size() {
    let dfs = run(CheckRequest::new("paxos"));
    assert_passes(&dfs);
    assert_eq!(dfs.unique_states, 11_537);
    assert_eq!(dfs.states_generated, 25_914);
    let bfs = run(CheckRequest::new("paxos").strategy(Strategy::Bfs));
    assert_passes(&bfs);
    assert_eq!(bfs.unique_states, 11_537);
}

#[test]
fn ignore_promise_lets_two_servers_decide_different_values() {
    let outcome = run(CheckRequest::new("paxos").bug("ignore-promise"));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(status(&outcome, "agreement"), PropertyStatus::Violated);
    assert_eq!(status(&outcome, "validity"), PropertyStatus::Holds);
    assert_eq!(outcome.unique_states, 61_079);
    let trace = outcome
        .property("agreement")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    let text = trace.to_string();
    assert!(text.contains(".decided: None → Some(1)"), "{text}");
    assert!(text.contains(".decided: None → Some(2)"), "{text}");
}

#[test]
fn single_decree_paxos_survives_a_crash_and_a_partition() {
    // One proposer keeps the crash run small; the acceptor's promise and vote are persisted.
    let crash = run(CheckRequest::new("paxos")
        .bound("proposers", 1)
        .bound("crashes", 1));
    assert_passes(&crash);
    assert_eq!(crash.unique_states, 4_557);
    let partition = run(CheckRequest::new("paxos").bound("partitions", 1));
    assert_passes(&partition);
    assert_eq!(partition.unique_states, 88_485);
}

#[test]
fn paxos_register_is_linearizable_at_default_size() {
    let outcome = run(CheckRequest::new("paxos-register"));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 192_490);
    assert_eq!(status(&outcome, "value read"), PropertyStatus::ExampleFound);
    let cache = outcome
        .verdict_cache
        .expect("the register checks linearizability");
    assert!(cache.searches < 100 && cache.hits > 100_000, "{cache:?}");
}

#[test]
fn paxos_register_bfs_with_shared_states_visits_every_state_dfs_does() {
    // A breadth-first search shares equal node states, messages and histories between states
    // (`system/intern.rs`); sharing must not merge or split any state.
    let bfs = run(CheckRequest::new("paxos-register").strategy(Strategy::Bfs));
    assert_passes(&bfs);
    assert_eq!(bfs.unique_states, 192_490);
    assert_eq!(status(&bfs, "value read"), PropertyStatus::ExampleFound);
}

#[test]
fn ignore_promise_lets_a_bfs_find_a_non_linearizable_register_history() {
    let outcome = run(CheckRequest::new("paxos-register")
        .bug("ignore-promise")
        .strategy(Strategy::Bfs)
        .stop_when(StopWhen::Decided("linearizable".into())));
    assert_eq!(status(&outcome, "linearizable"), PropertyStatus::Violated);
    let trace = outcome.property("linearizable").unwrap().trace.as_ref();
    assert!(trace.is_some_and(|t| !t.to_string().is_empty()));
}

#[test]
fn ignore_promise_makes_the_register_history_non_linearizable() {
    let outcome = run(CheckRequest::new("paxos-register")
        .bug("ignore-promise")
        .stop_when(StopWhen::Decided("linearizable".into())));
    assert_eq!(status(&outcome, "linearizable"), PropertyStatus::Violated);
    assert_eq!(outcome.status(), Status::Fail);
    let trace = outcome
        .property("linearizable")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    assert!(!is_linearizable(
        SequentialSpecKind::CasRegister,
        &trace.history
    ));
    // The history a CLI writes for `splitbrain check`: one JSON object per event.
    let jsonl = trace.history_jsonl();
    assert_eq!(jsonl.lines().count(), trace.history.len());
    assert!(jsonl.contains(r#""type":"ok","f":"read""#), "{jsonl}");
    // Every prefix before the last step was still linearizable: the trace stops at the
    // violation.
    let before_last = &trace.history[..trace.history.len() - 1];
    assert!(is_linearizable(
        SequentialSpecKind::CasRegister,
        before_last
    ));
}
