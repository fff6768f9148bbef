//! [`Packed`]: how a [`SystemState`](super::SystemState) keeps stateright's `ActorModelState`
//! while it waits in a search's queue, and while it is expanded.
//!
//! A breadth-first search holds its whole frontier as full states, so bytes per state are what
//! bound a check's memory. stateright's `ActorModelState` gives every actor a timer set, a map of
//! random choices (each a hash table with its own 32-byte hasher seed: 64 bytes before any
//! entry), a crashed flag and a storage slot, four vectors allocated anew in every successor
//! although a transition rarely changes them. [`Packed`] keeps timers, choices and flags in one
//! shared [`Rest`] and the storage in another `Arc`, each shared with the parent state whenever
//! it is equal, and keeps the parts that change at every step (the actors' states, themselves
//! shared `Arc`s, the network and the history) as they are.
//!
//! The network is stateright's, stored compactly ([`Wire`]: about a third of the bytes).
//! Actions and successors are computed on this layout directly (`step.rs`), so a full
//! `ActorModelState` is never built during a search; [`Packed::pack`] stores one built
//! elsewhere (the initial states, a symmetry representative).
//! `Eq` compares the same fields as `ActorModelState`'s own, so the search visits exactly the
//! same states; `Hash` takes the shared parts by their digests ([`Sealed`]), so fingerprinting
//! a successor walks only what its transition rewrote.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use stateright::actor::{Actor, ActorModelState, RandomChoices, Timers};

use super::sealed::Sealed;
use super::wire::Wire;

/// The per-actor parts of an `ActorModelState` that transitions rarely change. (Storage is kept
/// apart: a protocol that syncs at every vote changes it far more often than these.)
pub(crate) struct Rest<A: Actor> {
    /// Armed timers, per actor.
    pub(crate) timers_set: Vec<Timers<A::Timer>>,
    /// Pending random choices, per actor.
    pub(crate) random_choices: Vec<RandomChoices<A::Random>>,
    /// Whether each actor is crashed.
    pub(crate) crashed: Vec<bool>,
}

impl<A: Actor> Clone for Rest<A> {
    fn clone(&self) -> Self {
        Rest {
            timers_set: self.timers_set.clone(),
            random_choices: self.random_choices.clone(),
            crashed: self.crashed.clone(),
        }
    }
}

/// The order of `ActorModelState`'s own `Hash`.
impl<A: Actor> Hash for Rest<A> {
    fn hash<Hs: Hasher>(&self, state: &mut Hs) {
        self.timers_set.hash(state);
        self.random_choices.hash(state);
        self.crashed.hash(state);
    }
}

impl<A: Actor> PartialEq for Rest<A> {
    fn eq(&self, other: &Self) -> bool {
        self.timers_set == other.timers_set
            && self.random_choices == other.random_choices
            && self.crashed == other.crashed
    }
}

/// Per-actor storage: what each actor saved (synced).
pub(crate) type Storages<A> = Vec<Option<<A as Actor>::Storage>>;

/// `fresh`, sealed, if it differs from `parent`; else `parent` shared.
pub(crate) fn share<T: PartialEq + Hash>(
    fresh: T,
    parent: Option<&Arc<Sealed<T>>>,
) -> Arc<Sealed<T>> {
    match parent {
        Some(parent) if ***parent == fresh => Arc::clone(parent),
        _ => Arc::new(Sealed::new(fresh)),
    }
}

/// An `ActorModelState` with its rarely changing parts shared. See the [module docs](self).
pub(crate) struct Packed<A: Actor, H> {
    /// Every actor's state.
    pub(crate) actor_states: Box<[Arc<A::State>]>,
    /// The messages in flight.
    pub(crate) network: Wire<A::Msg>,
    /// The recorded history, shared with the parent when a transition records nothing (and,
    /// through the search's pool, with every equal history).
    pub(crate) history: Arc<Sealed<H>>,
    /// Timers, random choices, crashed flags.
    pub(crate) rest: Arc<Sealed<Rest<A>>>,
    /// What each actor saved (synced).
    pub(crate) actor_storages: Arc<Sealed<Storages<A>>>,
}

impl<A: Actor, H: Clone + Hash + PartialEq> Packed<A, H>
where
    A::Msg: Ord,
{
    /// Packs `full`, sharing `parent`'s [`Rest`] and storage where `full`'s are equal to them.
    pub(crate) fn pack(full: ActorModelState<A, H>, parent: Option<&Self>) -> Self {
        let ActorModelState {
            actor_states,
            network,
            timers_set,
            random_choices,
            crashed,
            history,
            actor_storages,
        } = full;
        let rest = Rest {
            timers_set,
            random_choices,
            crashed,
        };
        Packed {
            actor_states: actor_states.into_boxed_slice(),
            network: Wire::from_network(&network),
            history: share(history, parent.map(|p| &p.history)),
            rest: share(rest, parent.map(|p| &p.rest)),
            actor_storages: share(actor_storages, parent.map(|p| &p.actor_storages)),
        }
    }
}

impl<A: Actor, H> Clone for Packed<A, H> {
    fn clone(&self) -> Self {
        Packed {
            actor_states: self.actor_states.clone(),
            network: self.network.clone(),
            history: Arc::clone(&self.history),
            rest: Arc::clone(&self.rest),
            actor_storages: Arc::clone(&self.actor_storages),
        }
    }
}

/// The shared parts hash as their digests ([`Sealed`]); node states as theirs
/// ([`Disk`](super::Disk)).
impl<A: Actor, H> Hash for Packed<A, H> {
    fn hash<Hs: Hasher>(&self, state: &mut Hs) {
        self.actor_states.hash(state);
        self.history.hash(state);
        self.rest.hash(state);
        self.network.hash(state);
        self.actor_storages.hash(state);
    }
}

impl<A: Actor, H: PartialEq> PartialEq for Packed<A, H> {
    fn eq(&self, other: &Self) -> bool {
        self.actor_states == other.actor_states
            && (Arc::ptr_eq(&self.history, &other.history) || *self.history == *other.history)
            && self.network == other.network
            && (Arc::ptr_eq(&self.rest, &other.rest) || *self.rest == *other.rest)
            && (Arc::ptr_eq(&self.actor_storages, &other.actor_storages)
                || *self.actor_storages == *other.actor_storages)
    }
}

impl<A: Actor, H: fmt::Debug> fmt::Debug for Packed<A, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorModelState")
            .field("actor_states", &self.actor_states)
            .field("history", &**self.history)
            .field("timers_set", &self.rest.timers_set)
            .field("random_choices", &self.rest.random_choices)
            .field("network", &self.network)
            .field("crashed", &self.rest.crashed)
            .field("storages", &**self.actor_storages)
            .finish()
    }
}
