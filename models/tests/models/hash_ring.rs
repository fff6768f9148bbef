//! The hash-ring spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen};

use super::{assert_passes, run, status};

#[test]
fn hash_ring_with_handoff_fence_passes_every_property_at_default_size() {
    let outcome = run(CheckRequest::new("hash-ring"));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 27_331);
    assert_eq!(outcome.states_generated, 83_397);
    for sometimes in ["handoff completes", "a read served by the new owner"] {
        assert_eq!(
            status(&outcome, sometimes),
            PropertyStatus::ExampleFound,
            "{sometimes}"
        );
    }
}

#[test]
fn hash_ring_passes_a_join_then_a_leave() {
    let outcome = run(CheckRequest::new("hash-ring")
        .bound("changes", 2)
        .bound("clients", 1));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 19_554);
}

#[test]
fn serving_before_handoff_reads_a_moved_key_stale() {
    let outcome = run(CheckRequest::new("hash-ring").bug("serve-before-handoff"));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(status(&outcome, "linearizable"), PropertyStatus::Violated);
    // Only the coordinator loses keys at this size, and it stops serving them as it orders
    // the change: no two servers serve one key at once.
    for property in ["one server per key", "keys stay with their owner"] {
        assert_eq!(
            status(&outcome, property),
            PropertyStatus::Holds,
            "{property}"
        );
    }
    let trace = outcome
        .property("linearizable")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    let text = trace.to_string();
    // The join, then a read the new owner answers before the old owner's handoff reached it.
    assert!(text.contains("timer Membership fires"), "{text}");
    assert!(text.contains("ReadOk"), "{text}");
}

#[test]
fn serving_before_handoff_with_four_servers_has_two_servers_serve_one_key() {
    let outcome = run(CheckRequest::new("hash-ring")
        .bound("servers", 4)
        .bound("clients", 1)
        .bug("serve-before-handoff")
        .stop_when(StopWhen::Decided("one server per key".into())));
    assert_eq!(
        status(&outcome, "one server per key"),
        PropertyStatus::Violated
    );
}
