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

/// Distinct states of the unfenced timed lock at drift = ρ = 10% (defaults otherwise).
const TIMED_STATES_AT_BOUND: usize = 474_597;

/// `lease-lock-timed` at drift `drift` (percent; the clients are sized for ρ = 10%).
fn timed(drift: u64, bug: Option<&str>) -> splitbrain_models::CheckOutcome {
    let mut request = CheckRequest::new("lease-lock-timed").bound("drift", drift);
    if let Some(bug) = bug {
        request = request.bug(bug);
    }
    run(request)
}

#[test]
fn the_unfenced_timed_lock_is_safe_while_clocks_keep_to_the_drift_bound() {
    for drift in [0, 5, 10] {
        let outcome = timed(drift, Some("no-fencing"));
        assert_passes(&outcome);
    }
    let at_bound = timed(10, Some("no-fencing"));
    assert_eq!(at_bound.unique_states, TIMED_STATES_AT_BOUND);
}

#[test]
fn the_unfenced_timed_lock_breaks_when_clocks_drift_beyond_the_bound() {
    let outcome = timed(20, Some("no-fencing"));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(status(&outcome, "fencing"), PropertyStatus::Violated);
    let trace = outcome.property("fencing").unwrap().trace.as_ref().unwrap();
    let text = trace.to_string();
    assert!(text.contains("LeaseExpiry"), "{text}");
    assert!(text.contains("time passes"), "{text}");
}

#[test]
fn the_fenced_timed_lock_is_safe_at_any_drift() {
    for drift in [10, 20, 50] {
        assert_passes(&timed(drift, None));
    }
}

#[test]
fn the_untimed_lease_lock_keeps_its_counts_beside_the_timed_one() {
    let untimed = run(CheckRequest::new("lease-lock"));
    assert_eq!(untimed.unique_states, 7_645);
    let timed_parameter = CheckRequest::new("lease-lock").bound("drift", 10);
    assert!(
        splitbrain_models::check(&timed_parameter).is_err(),
        "drift is the timed spec's parameter only"
    );
}
