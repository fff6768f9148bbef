//! Integration tests of `splitbrain-models`, through the public API the CLI uses.
//!
//! - `paxos.rs`: the `paxos` and `paxos-register` specs: pinned state counts, the
//!   `ignore-promise` counterexamples;
//! - `raft.rs`: the `raft` spec: pinned counts, `vote-without-log-check` (exhaustive) and
//!   `commit-old-term` (Figure 8, found by seeded random walks);
//! - `primary_backup.rs`: the `primary-backup` spec: pinned counts, `no-epoch` (split brain),
//!   `async-ack` (an acknowledged write lost on failover);
//! - `two_phase_commit.rs`: the `two-phase-commit` spec: pinned counts, `commit-on-majority`,
//!   `forget-vote`;
//! - `hash_ring.rs`: the `hash-ring` spec: pinned counts, `serve-before-handoff` (a stale read
//!   of a moved key);
//! - `lease_lock.rs`: the `lease-lock` spec: pinned counts, `no-fencing`, symmetry, crashes;
//! - `crdt.rs`: the CRDT specs: pinned counts, `sum-merge`;
//! - `vector_clock.rs`: the `vector-clocks` spec: pinned counts, `no-max-on-receive`;
//! - `check_api.rs`: limits never pass, strategies, request validation, the catalog, rendering.
//!
//! State counts are pinned with one thread (the only setting where they are reproducible), so
//! any change to a protocol's behaviour, or to what the state hashes, fails here.

mod check_api;
mod crdt;
mod hash_ring;
mod lease_lock;
mod paxos;
mod primary_backup;
mod raft;
mod two_phase_commit;
mod vector_clock;

use splitbrain_models::{check, CheckOutcome, CheckRequest, PropertyStatus, Status};

/// Runs `request`, which must be valid.
fn run(request: CheckRequest) -> CheckOutcome {
    check(&request).unwrap_or_else(|e| panic!("{request:?}: {e}"))
}

/// The status of property `name`.
fn status(outcome: &CheckOutcome, name: &str) -> PropertyStatus {
    outcome
        .property(name)
        .unwrap_or_else(|| panic!("no property {name}"))
        .status
}

/// Asserts a complete pass.
fn assert_passes(outcome: &CheckOutcome) {
    assert_eq!(outcome.status(), Status::Pass, "{outcome}");
    assert!(outcome.end.is_complete(), "{outcome}");
}
