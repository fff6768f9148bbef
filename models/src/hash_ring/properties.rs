//! The hash-ring properties, checked on every reachable state, and the `sometimes` checks that
//! keep a pass from being vacuous.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `one server per key` | always | Karger et al. 1997 §4 (a point has one owner on a ring) with Dynamo §4.9's handoff as the fence: no key hash is served by two servers at once, and once every server has adopted the latest ring and every handoff has arrived, every key hash is served by exactly one |
//! | `keys stay with their owner` | always | Karger et al. 1997 §4 (monotonicity: keys move only to the joiner) and Dynamo §4.9 (a node passes on the keys it no longer owns): a server holds only keys its adopted ring gives it |
//! | `linearizable` | always | Herlihy & Wing 1990 (the framework's property): no key is lost or read stale across a handoff |
//! | `handoff completes` | sometimes | a server holds, with every handoff of its epoch in, a key it did not own in the epoch before |
//! | `a read served by the new owner` | sometimes | a server answers a read of a key it did not own in the epoch before |
//!
//! "Every key" is checked at the ring's tokens: between two consecutive tokens of every ring
//! any server knows, every ring's owner is constant, so the tokens cover every key hash.

use super::{HashRing, RingState};
use crate::protocol::NodeId;
use crate::spec::SpecProperty;
use crate::system::{System, SystemState};

/// Every server with its state.
fn servers<'a>(
    system: &System<HashRing>,
    state: &'a SystemState<HashRing>,
) -> Vec<(NodeId, &'a RingState)> {
    system
        .states(state)
        .filter_map(|(id, s)| s.server().map(|s| (id, s)))
        .collect()
}

/// Every token of every ring any server knows: one point per stretch of constant ownership.
fn points(system: &System<HashRing>, servers: &[(NodeId, &RingState)]) -> Vec<u64> {
    let server = system.spec().server();
    let longest = servers
        .iter()
        .map(|(_, s)| &s.rings)
        .max_by_key(|r| r.len())
        .cloned()
        .unwrap_or_default();
    let mut points: Vec<u64> = longest
        .iter()
        .flat_map(|&members| server.ring(members).tokens().collect::<Vec<_>>())
        .collect();
    points.sort_unstable();
    points.dedup();
    points
}

/// No key is served by two servers; after every handoff, each is served by exactly one.
pub(super) fn one_server_per_key() -> SpecProperty<HashRing> {
    SpecProperty::always(
        "one server per key",
        "no key is served by two servers at once, and once every server has adopted the latest \
         ring and every handoff has arrived, every key is served by exactly one",
        "Karger et al., \"Consistent Hashing and Random Trees\", STOC 1997, §4; DeCandia et al., \
         \"Dynamo\", SOSP 2007, §4.2 and §4.9 (the handoff as the fence between owners)",
        |system, state| {
            let servers = servers(system, state);
            let server = system.spec().server();
            let latest = servers
                .iter()
                .map(|(_, s)| s.rings.len())
                .max()
                .unwrap_or(1) as u64
                - 1;
            let settled = servers
                .iter()
                .all(|(_, s)| s.epoch == latest && s.awaiting.is_empty());
            points(system, &servers).into_iter().all(|point| {
                let serving = servers
                    .iter()
                    .filter(|(id, s)| server.serves(*id, s, point))
                    .count();
                serving <= 1 && (!settled || serving == 1)
            })
        },
    )
}

/// A server holds only keys its adopted ring gives it.
pub(super) fn keys_stay_with_their_owner() -> SpecProperty<HashRing> {
    SpecProperty::always(
        "keys stay with their owner",
        "a server holds only keys its adopted ring assigns to it: a handoff moves only keys the \
         receiver owns, and a server passes on every key it stops owning",
        "Karger et al., \"Consistent Hashing and Random Trees\", STOC 1997, §4 (monotonicity); \
         DeCandia et al., \"Dynamo\", SOSP 2007, §4.9",
        |system, state| {
            let server = system.spec().server();
            servers(system, state)
                .iter()
                .all(|(id, s)| s.store.keys().all(|&k| server.owns(*id, s, k)))
        },
    )
}

/// A handoff delivered data: a server that awaits nothing holds a key it gained.
pub(super) fn handoff_completes() -> SpecProperty<HashRing> {
    SpecProperty::sometimes(
        "handoff completes",
        "a server with every handoff of its epoch in holds a key it did not own in the epoch \
         before",
        "reachability; handoff as in DeCandia et al., \"Dynamo\", SOSP 2007, §4.9",
        |system, state| {
            let server = system.spec().server();
            servers(system, state).iter().any(|(id, s)| {
                s.epoch > 0
                    && s.awaiting.is_empty()
                    && s.store.keys().any(|&k| {
                        let before = server.ring(s.rings[s.epoch as usize - 1]);
                        before.owner(super::key_point(k, 0)) != Some(*id)
                    })
            })
        },
    )
}

/// The new owner of a key answered a read of it.
pub(super) fn new_owner_serves_a_read() -> SpecProperty<HashRing> {
    SpecProperty::sometimes(
        "a read served by the new owner",
        "a server answers a read of a key it did not own in the epoch before",
        "reachability",
        |system, state| {
            servers(system, state)
                .iter()
                .any(|(_, s)| s.served_moved_read)
        },
    )
}
