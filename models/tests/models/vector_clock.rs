//! The vector-clocks spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, Strategy};

use super::{assert_passes, run, status};

#[test]
fn vector_clocks_characterize_happens_before_at_default_size() {
    let dfs = run(CheckRequest::new("vector-clocks"));
    assert_passes(&dfs);
    assert_eq!(dfs.unique_states, 480);
    assert_eq!(dfs.states_generated, 802);
    let bfs = run(CheckRequest::new("vector-clocks").strategy(Strategy::Bfs));
    assert_passes(&bfs);
    assert_eq!(bfs.unique_states, 480);
}

#[test]
fn vector_clocks_hold_with_three_steps_on_two_processes() {
    let outcome = run(CheckRequest::new("vector-clocks")
        .bound("servers", 2)
        .bound("events", 3));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 47_450);
}

#[test]
fn receive_without_max_loses_causality_carried_by_a_message() {
    let outcome = run(CheckRequest::new("vector-clocks")
        .bug("no-max-on-receive")
        .strategy(Strategy::Bfs));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(
        status(&outcome, "clock condition"),
        PropertyStatus::Violated
    );
    let trace = outcome
        .property("clock condition")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    // BFS finds the shortest: a send, then its receive on a process that already has a clock
    // the message's does not dominate.
    assert_eq!(trace.steps.len(), 4, "start and three steps: {trace}");
    assert!(trace.to_string().contains("receives Message"), "{trace}");
}
