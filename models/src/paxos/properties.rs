//! The Paxos properties, shared by both Paxos specs.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `agreement` | always | Lamport, "Paxos Made Simple" (2001), §2.1: only a single value is chosen — no two servers learn different values |
//! | `validity` | always | ibid. §2.1: only a value that has been proposed may be chosen |
//! | `decided` | sometimes | ibid. §2.1 (the goal "some proposed value is eventually chosen"), checked as reachability |

use super::ServerState;
use crate::protocol::Protocol;
use crate::spec::{Spec, SpecProperty};
use crate::system::{System, SystemState};

/// What the shared properties need to know about a Paxos spec.
pub(super) trait PaxosSpec: Spec {
    /// The server state inside an actor state (`None` for clients).
    fn server(state: &<Self::Node as Protocol>::State) -> Option<&ServerState>;
    /// Whether some proposer or client proposed `value`.
    fn was_proposed(&self, value: u64) -> bool;
}

/// Every value some server has learned.
fn decisions<'a, S: PaxosSpec>(
    system: &System<S>,
    state: &'a SystemState<S>,
) -> impl Iterator<Item = u64> + 'a {
    system
        .states(state)
        .filter_map(|(_, s)| S::server(s).and_then(|s| s.decided))
}

/// Agreement ("Paxos Made Simple" §2.1, safety requirement 2): no two servers learn different
/// values.
pub(super) fn agreement<S: PaxosSpec>() -> SpecProperty<S> {
    SpecProperty::always(
        "agreement",
        "no two servers decide different values",
        "Lamport, \"Paxos Made Simple\" (2001), §2.1: \"only a single value is chosen\"",
        |system, state| {
            let mut values = decisions(system, state);
            match values.next() {
                None => true,
                Some(first) => values.all(|v| v == first),
            }
        },
    )
}

/// Validity ("Paxos Made Simple" §2.1, safety requirement 1): a decided value was proposed.
pub(super) fn validity<S: PaxosSpec>() -> SpecProperty<S> {
    SpecProperty::always(
        "validity",
        "every decided value was proposed",
        "Lamport, \"Paxos Made Simple\" (2001), §2.1: \"only a value that has been proposed may \
         be chosen\"",
        |system, state| decisions(system, state).all(|v| system.spec().was_proposed(v)),
    )
}

/// Some server decides (so `agreement` and `validity` are not vacuous).
pub(super) fn decided<S: PaxosSpec>() -> SpecProperty<S> {
    SpecProperty::sometimes(
        "decided",
        "some server learns a chosen value",
        "Lamport, \"Paxos Made Simple\" (2001), §2.1: the goal that some proposed value is \
         eventually chosen, checked as reachability",
        |system, state| decisions(system, state).next().is_some(),
    )
}
