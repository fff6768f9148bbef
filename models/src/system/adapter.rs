//! The adapter: the only place that implements `stateright::actor::Actor`, for any
//! [`Protocol`].
//!
//! It translates stateright's actor ids into [`NodeId`](crate::protocol::NodeId)s, its `Cow` state into the `&mut` state
//! our handlers take (a handler that leaves the state equal and sends nothing is reported as a
//! no-op, so stateright prunes it), and our [`Effect`]s into stateright's `Out` commands. Timers
//! ignore durations (an armed timer may fire at any moment); [`Effect::Choose`] becomes
//! stateright's random choice, whose pick is delivered back as a timer. Messages travel as
//! `Arc<P::Msg>`: the checker copies every message in flight into every successor state and
//! into every delivery it lists, and a search keeps its whole frontier, each state with its own
//! network table; a shared message makes those copies a reference count and the table's slots
//! 8 bytes wide. `Arc` hashes and compares by content, so states and fingerprints are unchanged. [`Effect::Persist`]
//! writes into the actor's [`Disk`] state and [`Effect::Sync`] saves that write as stateright's
//! storage, so a crash loses what was not synced. When stateright's actor API changes (as it
//! did in 0.31), this file is the one to change.

use std::borrow::Cow;
use std::sync::Arc;

use stateright::actor::{model_timeout, Actor, Id, Out};

use super::{Disk, Topology};
use crate::protocol::{Effect, Effects, Protocol};

/// A [`Protocol`] node as a stateright actor.
#[derive(Clone)]
pub(crate) struct Adapter<P> {
    pub(crate) node: P,
    topology: Topology,
}

impl<P: Protocol> Adapter<P> {
    pub(crate) fn new(node: P, topology: Topology) -> Adapter<P> {
        Adapter { node, topology }
    }

    /// Executes `effects`; `unsynced` is the actor's unsynced write, which a `Persist`
    /// replaces and a `Sync` saves.
    fn emit(&self, effects: Effects<P>, unsynced: &mut Option<P::Durable>, out: &mut Out<Self>) {
        for effect in effects {
            match effect {
                Effect::Send { to, msg } => out.send(self.topology.actor_id(to), Arc::new(msg)),
                Effect::SetTimer { timer, .. } => out.set_timer(timer, model_timeout()),
                Effect::CancelTimer(timer) => out.cancel_timer(timer),
                Effect::Persist(durable) => *unsynced = Some(durable),
                Effect::Sync => {
                    if let Some(durable) = unsynced.take() {
                        out.save(durable);
                    }
                }
                Effect::Choose { key, options } => out.choose_random(key, options),
            }
        }
    }

    /// Runs `handler` on a copy of the state; keeps the copy only if it differs.
    fn step(
        &self,
        state: &mut Cow<Disk<P::State, P::Durable>>,
        out: &mut Out<Self>,
        handler: impl FnOnce(&mut P::State, &mut Effects<P>),
    ) {
        let mut next = state.node.clone();
        let mut effects = Effects::new();
        handler(&mut next, &mut effects);
        let mut unsynced = state.unsynced.clone();
        self.emit(effects, &mut unsynced, out);
        if next != state.node || unsynced != state.unsynced {
            *state = Cow::Owned(Disk::new(next, unsynced));
        }
    }
}

impl<P: Protocol> Actor for Adapter<P> {
    type Msg = Arc<P::Msg>;
    type State = Disk<P::State, P::Durable>;
    type Timer = P::Timer;
    type Storage = P::Durable;
    type Random = P::Timer;

    fn on_start(&self, id: Id, storage: &Option<P::Durable>, out: &mut Out<Self>) -> Self::State {
        let mut effects = Effects::new();
        let node = self
            .node
            .on_start(self.topology.node_id(id), storage.as_ref(), &mut effects);
        let mut unsynced = None;
        self.emit(effects, &mut unsynced, out);
        Disk::new(node, unsynced)
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        src: Id,
        msg: Arc<P::Msg>,
        out: &mut Out<Self>,
    ) {
        let (me, from) = (self.topology.node_id(id), self.topology.node_id(src));
        self.step(state, out, |state, effects| {
            self.node
                .on_msg(me, state, from, Arc::unwrap_or_clone(msg), effects)
        });
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        timer: &P::Timer,
        out: &mut Out<Self>,
    ) {
        let me = self.topology.node_id(id);
        self.step(state, out, |state, effects| {
            self.node.on_timer(me, state, timer.clone(), effects)
        });
    }

    fn on_random(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        pick: &P::Timer,
        out: &mut Out<Self>,
    ) {
        let me = self.topology.node_id(id);
        self.step(state, out, |state, effects| {
            self.node.on_timer(me, state, pick.clone(), effects)
        });
    }

    fn name(&self) -> String {
        self.node.role().to_owned()
    }
}
