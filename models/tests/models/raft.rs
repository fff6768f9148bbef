//! The Raft spec.

use splitbrain_models::history::{is_linearizable, SequentialSpecKind};
use splitbrain_models::{CheckRequest, PropertyStatus, Status, StopWhen, Strategy};

use super::{assert_passes, run, status};

const SAFETY: [&str; 5] = [
    "election safety",
    "log matching",
    "leader completeness",
    "state machine safety",
    "linearizable",
];

#[test]
fn raft_passes_every_property_at_default_size() {
    let outcome = run(CheckRequest::new("raft"));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 349_440);
    assert_eq!(
        status(&outcome, "entry committed"),
        PropertyStatus::ExampleFound
    );
    assert_eq!(
        status(&outcome, "written value read"),
        PropertyStatus::ExampleFound
    );
}

#[test]
fn raft_survives_a_crash() {
    // Two candidates can compete for a vote a crashed server must remember: term, vote and log
    // are persisted before any message that depends on them.
    let outcome = run(CheckRequest::new("raft")
        .bound("candidates", 2)
        .bound("crashes", 1));
    assert_passes(&outcome);
    assert_eq!(outcome.unique_states, 1_266_580);
}

#[test]
fn vote_without_log_check_elects_a_leader_missing_a_committed_entry() {
    let outcome = run(CheckRequest::new("raft").bug("vote-without-log-check"));
    assert_eq!(outcome.status(), Status::Fail);
    assert_eq!(
        status(&outcome, "leader completeness"),
        PropertyStatus::Violated
    );
    assert_eq!(status(&outcome, "election safety"), PropertyStatus::Holds);
    assert_eq!(status(&outcome, "log matching"), PropertyStatus::Holds);
    let trace = outcome
        .property("leader completeness")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    let text = trace.to_string();
    assert!(text.contains("vote_granted: true"), "{text}");
}

#[test]
fn vote_without_log_check_lets_a_client_read_a_lost_write() {
    // A second operation per client: c0 reads through n1 after its write was acknowledged.
    let outcome = run(CheckRequest::new("raft")
        .bug("vote-without-log-check")
        .bound("ops", 2)
        .stop_when(StopWhen::Decided("linearizable".into())));
    assert_eq!(status(&outcome, "linearizable"), PropertyStatus::Violated);
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
}

#[test]
fn commit_old_term_reproduces_figure_8() {
    // Figure 8 needs four terms: n0 leads term 1 and takes c0's write; n1 leads term 2 and takes
    // c1's read; n0 leads term 3, copies its term-1 entry to n2 and (the bug) commits it; n1 wins
    // term 4 with its later last term and lacks the committed entry. Exhaustive DFS finds it
    // after about 6 million states (see the README); a seeded random walk in well under a
    // million.
    let outcome = run(CheckRequest::new("raft")
        .bug("commit-old-term")
        .bound("terms", 4)
        .bound("candidates", 2)
        .strategy(Strategy::Random { seed: 0 })
        .max_states(5_000_000)
        .stop_when(StopWhen::Decided("leader completeness".into())));
    assert_eq!(
        status(&outcome, "leader completeness"),
        PropertyStatus::Violated,
        "{outcome}"
    );
    assert_eq!(outcome.status(), Status::Fail);
}

#[test]
fn commit_old_term_is_harmless_while_terms_are_too_few_for_figure_8() {
    // The bug needs a leader to commit an entry of an earlier term and a later leader to lack
    // it: with two terms every committed entry is of the committing leader's own term.
    let outcome = run(CheckRequest::new("raft").bug("commit-old-term"));
    for property in SAFETY {
        assert_eq!(
            status(&outcome, property),
            PropertyStatus::Holds,
            "{property}"
        );
    }
}

#[test]
fn ack_before_sync_elects_two_leaders_in_one_term_once_a_crash_forgets_a_vote() {
    // The bug's defaults: one crash, two candidates, one client. A voter grants n0 its vote
    // before syncing it, crashes and loses it, and grants n1 the same term.
    let outcome = run(CheckRequest::new("raft")
        .bug("ack-before-sync")
        .stop_when(StopWhen::Decided("election safety".into())));
    assert_eq!(
        status(&outcome, "election safety"),
        PropertyStatus::Violated,
        "{outcome}"
    );
    assert_eq!(outcome.status(), Status::Fail);
    let text = outcome
        .property("election safety")
        .unwrap()
        .trace
        .as_ref()
        .unwrap()
        .to_string();
    assert!(text.contains("Crash") || text.contains("crash"), "{text}");
}
