//! `splitbrain model`: listing, checking, limits, and counterexample histories that
//! `splitbrain check` judges.

use super::{code, splitbrain};

#[test]
fn list_names_every_spec_with_its_properties_and_bugs() {
    let out = splitbrain(&["model", "list"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "paxos —",
        "agreement",
        "bug ignore-promise",
        "lease-lock —",
        "bug no-fencing",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn correct_paxos_passes_every_property() {
    let out = splitbrain(&["model", "check", "paxos"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_state_limit_gives_unknown_never_a_pass() {
    let out = splitbrain(&["model", "check", "paxos", "--max-states", "50"]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn unknown_spec_is_an_error_listing_the_specs() {
    let out = splitbrain(&["model", "check", "zab"]);
    assert_eq!(code(&out), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("paxos"));
}

#[test]
fn ignore_promise_counterexample_history_is_invalid_for_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("paxos.jsonl");
    let out = splitbrain(&[
        "model",
        "check",
        "paxos-register",
        "--bug",
        "ignore-promise",
        "--stop-at",
        "linearizable",
        "--history-out",
        history.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));
    let checked = splitbrain(&["check", history.to_str().unwrap()]);
    assert_eq!(
        code(&checked),
        1,
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

#[test]
fn raft_vote_without_log_check_counterexample_history_is_invalid_for_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("raft.jsonl");
    let out = splitbrain(&[
        "model",
        "check",
        "raft",
        "--bug",
        "vote-without-log-check",
        "--bound",
        "ops=2",
        "--stop-at",
        "linearizable",
        "--history-out",
        history.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}");
    assert!(
        text.contains("VIOLATED       always     linearizable"),
        "{text}"
    );
    let checked = splitbrain(&["check", history.to_str().unwrap()]);
    assert_eq!(
        code(&checked),
        1,
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

#[test]
fn no_fencing_bug_violates_fencing() {
    let out = splitbrain(&["model", "check", "lease-lock", "--bug", "no-fencing"]);
    assert_eq!(code(&out), 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fencing"), "{text}");
}

#[test]
fn html_of_a_counterexample_draws_the_trace_as_a_lamport_diagram_with_numbered_steps() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("model.html");
    let out = splitbrain(&[
        "model",
        "check",
        "lease-lock",
        "--bug",
        "no-fencing",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("class=\"verdict invalid\"") && html.contains("id=\"trace\""));
    let steps = html.matches("<tr id=\"step-").count();
    let arrows = html.matches("<line class=\"msg\"").count();
    assert!(
        steps > 1 && arrows > 0 && arrows < steps,
        "{steps} steps, {arrows} arrows"
    );
    assert!(
        html.contains("class=\"timer\""),
        "the lease timer is marked"
    );
}

#[test]
fn html_of_a_passing_check_lists_the_properties_that_held() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("model.html");
    let out = splitbrain(&["model", "check", "paxos", "--html", page.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("class=\"verdict valid\"") && html.contains("id=\"no-counterexample\""));
    assert!(html.contains("<td>agreement</td><td>always</td><td>holds</td>"));
}
