//! The two-phase-commit spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen};

use super::{assert_passes, run, status};

#[test]
fn two_phase_commit_passes_every_property_at_default_size() {
    let outcome = run(CheckRequest::new("two-phase-commit"));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 575_434);
    assert_eq!(outcome.states_generated, 2_050_698);
    for reached in ["blocked in doubt", "commit beside abort"] {
        assert_eq!(status(&outcome, reached), PropertyStatus::ExampleFound, "{reached}");
    }
}

#[test]
fn commit_on_majority_commits_against_a_no_vote() {
    let outcome = run(CheckRequest::new("two-phase-commit").bug("commit-on-majority"));
    assert_eq!(outcome.status(), Status::Fail);
    for property in ["validity", "atomicity"] {
        assert_eq!(status(&outcome, property), PropertyStatus::Violated, "{property}");
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
