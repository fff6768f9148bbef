//! The primary-backup spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen};

use super::{assert_passes, run, status};

#[test]
fn primary_backup_with_epochs_passes_every_property_at_default_size() {
    let outcome = run(CheckRequest::new("primary-backup"));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 94_486);
    assert_eq!(outcome.states_generated, 279_506);
    assert_eq!(
        status(&outcome, "acknowledged write survives failover"),
        PropertyStatus::ExampleFound
    );
}

#[test]
fn no_epoch_lets_the_old_primary_commit_after_a_failover() {
    let outcome = run(CheckRequest::new("primary-backup").bug("no-epoch"));
    assert_eq!(outcome.status(), Status::Fail);
    for property in ["one primary per epoch", "linearizable"] {
        assert_eq!(
            status(&outcome, property),
            PropertyStatus::Violated,
            "{property}"
        );
    }
    let trace = outcome
        .property("one primary per epoch")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    let text = trace.to_string();
    // The new primary of epoch 1 exists, and the old one still commits through a backup.
    assert!(text.contains("timer Failover fires"), "{text}");
    assert!(text.contains("Replicate { epoch: 0"), "{text}");
}

#[test]
fn async_ack_loses_an_acknowledged_write_on_failover() {
    let outcome = run(CheckRequest::new("primary-backup")
        .bug("async-ack")
        .stop_when(StopWhen::Decided("no acknowledged write lost".into())));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(
        status(&outcome, "no acknowledged write lost"),
        PropertyStatus::Violated
    );
    let trace = outcome
        .property("no acknowledged write lost")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    // The start, then: a failover timer fires, the primary acknowledges, a backup joins the new
    // epoch, the new primary is established without the write.
    assert_eq!(trace.steps.len(), 5, "{trace}");
}
