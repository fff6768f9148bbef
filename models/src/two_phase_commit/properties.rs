//! The two-phase commit properties, checked on every reachable state, and the `sometimes`
//! checks that keep a pass from being vacuous.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `atomicity` | always | Bernstein, Hadzilacos & Goodman 1987, §7.2, AC1 (all processes that reach a decision reach the same one); Gray 1978, §5.8.3.3: no participant commits a transaction another aborts, and none ends it against the coordinator's decision |
//! | `validity` | always | Bernstein et al. 1987, §7.2, AC3 (commit only if all processes voted yes); Lampson & Sturgis 1979: the coordinator decides commit only with a yes vote from every participant |
//! | `blocked in doubt` | sometimes | Bernstein et al. 1987, §7.4 (the uncertainty period; two-phase commit blocks): a participant holds a yes vote with no decision while the coordinator is down |
//! | `commit beside abort` | sometimes | one transaction commits and another aborts |
//!
//! The outcomes read here are ghost records (a participant's [`Outcome`]s, the coordinator's
//! decisions since its last start): a crash erases the crashed node's, so each property judges
//! what the nodes up now remember — every violation the bugs cause shows before any erasure.

use std::collections::BTreeMap;

use super::{CoordinatorState, Outcome, ParticipantState, TpcState, TwoPhaseCommit, Txn};
use crate::protocol::NodeId;
use crate::spec::SpecProperty;
use crate::system::{System, SystemState};

/// The coordinator's state.
fn coordinator<'a>(
    system: &System<TwoPhaseCommit>,
    state: &'a SystemState<TwoPhaseCommit>,
) -> Option<&'a CoordinatorState> {
    system
        .states(state)
        .find_map(|(_, s): (NodeId, &TpcState)| s.coordinator())
}

/// Every participant with its state.
fn participants<'a>(
    system: &System<TwoPhaseCommit>,
    state: &'a SystemState<TwoPhaseCommit>,
) -> Vec<(NodeId, &'a ParticipantState)> {
    system
        .states(state)
        .filter_map(|(id, s)| s.participant().map(|s| (id, s)))
        .collect()
}

/// Every transaction's outcomes: the participants' and the coordinator's decision.
fn outcomes(
    system: &System<TwoPhaseCommit>,
    state: &SystemState<TwoPhaseCommit>,
) -> BTreeMap<Txn, Vec<Outcome>> {
    let mut all: BTreeMap<Txn, Vec<Outcome>> = BTreeMap::new();
    for (_, p) in participants(system, state) {
        for (&txn, &outcome) in &p.outcomes {
            all.entry(txn).or_default().push(outcome);
        }
    }
    if let Some(c) = coordinator(system, state) {
        for (&txn, d) in &c.decided {
            let outcome = if d.commit {
                Outcome::Committed
            } else {
                Outcome::Aborted
            };
            all.entry(txn).or_default().push(outcome);
        }
    }
    all
}

/// No transaction is committed somewhere and aborted elsewhere.
pub(super) fn atomicity() -> SpecProperty<TwoPhaseCommit> {
    SpecProperty::always(
        "atomicity",
        "no participant commits a transaction that another participant (or the coordinator) \
         aborts",
        "Bernstein, Hadzilacos & Goodman, \"Concurrency Control and Recovery in Database \
         Systems\", 1987, §7.2, AC1; Gray, \"Notes on Data Base Operating Systems\", 1978, \
         §5.8.3.3",
        |system, state| {
            outcomes(system, state)
                .values()
                .all(|o| !(o.contains(&Outcome::Committed) && o.contains(&Outcome::Aborted)))
        },
    )
}

/// The coordinator commits only with every participant's yes vote.
pub(super) fn validity() -> SpecProperty<TwoPhaseCommit> {
    SpecProperty::always(
        "validity",
        "the coordinator decides commit only when every participant voted yes",
        "Bernstein, Hadzilacos & Goodman 1987, §7.2, AC3; Lampson & Sturgis, \"Crash Recovery \
         in a Distributed Data Storage System\", 1979 (the commit record follows every \
         participant's prepared record)",
        |system, state| {
            coordinator(system, state)
                .is_none_or(|c| c.decided.values().all(|d| !d.commit || d.all_yes))
        },
    )
}

/// The blocking case: a participant holds a yes vote with no decision while the coordinator
/// is down.
pub(super) fn blocked_in_doubt() -> SpecProperty<TwoPhaseCommit> {
    SpecProperty::sometimes(
        "blocked in doubt",
        "a participant holds a yes vote with no decision while the coordinator is crashed",
        "Bernstein, Hadzilacos & Goodman 1987, §7.4 (the uncertainty period: two-phase commit \
         blocks); Gray 1978, §5.8.3.3",
        |system, state| {
            let down = system.is_crashed(state, super::coordinator_id());
            down && participants(system, state)
                .iter()
                .any(|(id, p)| !system.is_crashed(state, *id) && !p.prepared.is_empty())
        },
    )
}

/// Some transaction commits and another aborts (so both judged paths are explored).
pub(super) fn commit_beside_abort() -> SpecProperty<TwoPhaseCommit> {
    SpecProperty::sometimes(
        "commit beside abort",
        "one transaction commits and another aborts",
        "reachability",
        |system, state| {
            let all = outcomes(system, state);
            let only = |wanted: Outcome| all.values().any(|o| o.iter().all(|&x| x == wanted));
            only(Outcome::Committed) && only(Outcome::Aborted)
        },
    )
}
