//! The lease lock spec.

use splitbrain_models::{CheckRequest, PropertyStatus, Status, Strategy};

use super::{assert_passes, run, status};

#[test]
fn lease_lock_with_fencing_passes_every_property_at_default_size() {
    let dfs = run(CheckRequest::new("lease-lock"));
    assert_passes(&dfs);
    assert_eq!(dfs.unique_states, 7_645);
    assert_eq!(dfs.states_generated, 22_120);
    let bfs = run(CheckRequest::new("lease-lock").strategy(Strategy::Bfs));
    assert_passes(&bfs);
    assert_eq!(bfs.unique_states, 7_645);
}

#[test]
fn no_fencing_lets_a_paused_client_write_over_a_newer_lease() {
    let outcome = run(CheckRequest::new("lease-lock").bug("no-fencing"));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(status(&outcome, "fencing"), PropertyStatus::Violated);
    assert_eq!(
        status(&outcome, "one writer per lease"),
        PropertyStatus::Violated
    );
    assert_eq!(
        status(&outcome, "stale write rejected"),
        PropertyStatus::NotFound
    );
    let trace = outcome.property("fencing").unwrap().trace.as_ref().unwrap();
    let text = trace.to_string();
    assert!(text.contains("timer LeaseExpiry fires"), "{text}");
    // The history is rebuilt for the trace even though it is not part of the state.
    assert!(
        trace.history.iter().any(|e| e.f.name() == "acquire"),
        "{text}"
    );
}

#[test]
fn symmetry_merges_permuted_clients_without_changing_verdicts() {
    let plain = run(CheckRequest::new("lease-lock"));
    let reduced = run(CheckRequest::new("lease-lock").symmetry(true));
    assert_passes(&reduced);
    assert_eq!(reduced.unique_states, 1_392);
    assert!(reduced.unique_states * 5 < plain.unique_states);
    let bug = run(CheckRequest::new("lease-lock")
        .bug("no-fencing")
        .symmetry(true));
    assert_eq!(status(&bug, "fencing"), PropertyStatus::Violated);
}

#[test]
fn fencing_tokens_survive_a_lock_server_crash() {
    let outcome = run(CheckRequest::new("lease-lock")
        .bound("clients", 2)
        .bound("crashes", 1));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 976);
}
