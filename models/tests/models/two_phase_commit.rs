//! The two-phase-commit spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen};

use super::{run, status};

/// Without crashes (the default has one: 1,498,399 unique states, about 20 s, too slow for a
/// test) every `always` property holds and a commit sits beside an abort; the blocking case
/// needs the coordinator to crash, so it is not reached.
#[test]
fn two_phase_commit_without_crashes_keeps_atomicity_and_validity() {
    let outcome = run(CheckRequest::new("two-phase-commit").bound("crashes", 0));
    assert!(outcome.end.is_complete(), "{outcome}");
    assert_eq!(outcome.unique_states, 100_107);
    assert_eq!(outcome.states_generated, 370_576);
    for holds in ["atomicity", "validity"] {
        assert_eq!(status(&outcome, holds), PropertyStatus::Holds, "{holds}");
    }
    assert_eq!(
        status(&outcome, "commit beside abort"),
        PropertyStatus::ExampleFound
    );
    assert_eq!(
        status(&outcome, "blocked in doubt"),
        PropertyStatus::NotFound,
        "blocking needs a crashed coordinator"
    );
}

#[test]
fn commit_on_majority_commits_against_a_no_vote() {
    let outcome = run(CheckRequest::new("two-phase-commit").bug("commit-on-majority"));
    assert_eq!(outcome.status(), Status::Fail);
    for property in ["validity", "atomicity"] {
        assert_eq!(
            status(&outcome, property),
            PropertyStatus::Violated,
            "{property}"
        );
    }
    let trace = outcome
        .property("validity")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    // The second transfer overdraws account 0: its owner votes no, and one yes is a majority
    // of the cohort once the coordinator counts itself.
    let text = trace.to_string();
    assert!(text.contains("yes: false"), "{text}");
}

#[test]
fn forget_vote_aborts_a_transaction_the_coordinator_committed() {
    let outcome = run(CheckRequest::new("two-phase-commit")
        .bug("forget-vote")
        .stop_when(StopWhen::Decided("atomicity".into())));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(status(&outcome, "atomicity"), PropertyStatus::Violated);
    let trace = outcome
        .property("atomicity")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    let text = trace.to_string();
    assert!(text.contains("crash"), "{text}");
}
