//! stateright's actor semantics, run on the [`Packed`] layout: the actions of a state and the
//! successor of an action, without ever building a full `ActorModelState`.
//!
//! stateright's `ActorModel::next_state` clones the whole `ActorModelState` for every successor:
//! every actor's timer set and random-choice map (hash tables), the crashed flags and every
//! storage slot, although a transition touches one actor's entries at most. A search stores
//! successors packed ([`Packed`]), so those copies were made only to be compared with the
//! parent's and dropped. Here a successor starts as the parent with the parts that always change
//! (actor-state pointers, network, history) copied, and clones the parent's [`Rest`] or storage
//! only when a command writes to them; a write that leaves them equal shares the parent's again.
//!
//! The semantics are stateright 0.31's, and must stay so (state counts are pinned in the tests):
//! - a delivery to a crashed or missing actor is no transition; one that leaves the actor's
//!   state borrowed and emits nothing is none either, except on an ordered network (where it
//!   still consumes the message);
//! - a timeout that changes nothing but re-arms itself is none; otherwise the timer is disarmed
//!   before the handler's commands run;
//! - a crash disarms every timer and forgets every pending random choice; a recovery restarts
//!   the actor from its storage;
//! - the delivered message leaves the network (or, on a duplicating network, becomes its "last
//!   delivered" marker) before the handler's sends enter it; the history records the receipt
//!   before the handler's sends;
//! - actions come in stateright's order: drops, deliveries, timeouts, crashes, recoveries, random
//!   picks, each kind sorted by its fields ([`action_order`]).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use stateright::actor::{
    Actor, ActorModel, ActorModelAction, Command, Envelope, Id, LossyNetwork, Out,
};

use super::intern::Pool;
use super::packed::{share, Packed, Rest, Storages};
use super::sealed::Sealed;
use super::wire::{kind_of, Edit};
use crate::spec::NetworkKind;

/// An action of stateright's actor model over actor `A`.
pub(crate) type Action<A> =
    ActorModelAction<<A as Actor>::Msg, <A as Actor>::Timer, <A as Actor>::Random>;

/// The pools a breadth-first search's successors take their new node states, messages and
/// histories from (`intern.rs`). Off (every value its own allocation) unless switched on: a
/// depth-first search stores no frontier, so sharing would only cost it the lookups.
pub(crate) struct Pools<A: Actor, H> {
    on: bool,
    states: Pool<Arc<A::State>>,
    msgs: Pool<A::Msg>,
    histories: Pool<Arc<Sealed<H>>>,
}

impl<A: Actor, H> Default for Pools<A, H> {
    fn default() -> Self {
        Pools {
            on: false,
            states: Pool::default(),
            msgs: Pool::default(),
            histories: Pool::default(),
        }
    }
}

impl<A: Actor, H: Hash + PartialEq> Pools<A, H> {
    /// Shares from now on.
    pub(crate) fn switch_on(&mut self) {
        self.on = true;
    }

    fn state(&self, state: A::State) -> Arc<A::State> {
        let state = Arc::new(state);
        if self.on {
            self.states.intern(state)
        } else {
            state
        }
    }

    fn msg(&self, msg: A::Msg) -> A::Msg {
        if self.on {
            self.msgs.intern(msg)
        } else {
            msg
        }
    }

    fn history(&self, history: H) -> Arc<Sealed<H>> {
        let history = Arc::new(Sealed::new(history));
        if self.on {
            self.histories.intern(history)
        } else {
            history
        }
    }
}

/// Appends the actions of `state` to `actions`, in stateright's order.
pub(crate) fn actions<A, C, H>(
    model: &ActorModel<A, C, H>,
    state: &Packed<A, H>,
    actions: &mut Vec<Action<A>>,
) where
    A: Actor,
    A::Msg: Ord,
    A::Timer: Ord,
    H: Clone + Debug + Hash + PartialEq,
{
    let start = actions.len();
    for envelope in state.network.deliverable(kind_of(&model.init_network)) {
        if model.lossy_network == LossyNetwork::Yes {
            actions.push(ActorModelAction::Drop(envelope.to_cloned_msg()));
        }
        if usize::from(envelope.dst) < model.actors.len() {
            actions.push(ActorModelAction::Deliver {
                src: envelope.src,
                dst: envelope.dst,
                msg: envelope.msg.clone(),
            });
        }
    }
    let rest = &state.rest;
    for (index, timers) in rest.timers_set.iter().enumerate() {
        for timer in timers.iter() {
            actions.push(ActorModelAction::Timeout(Id::from(index), timer.clone()));
        }
    }
    let crashed = rest.crashed.iter().filter(|&&c| c).count();
    if crashed < model.max_crashes {
        for (index, _) in rest.crashed.iter().enumerate().filter(|(_, &c)| !c) {
            actions.push(ActorModelAction::Crash(Id::from(index)));
        }
    }
    for (index, _) in rest.crashed.iter().enumerate().filter(|(_, &c)| c) {
        actions.push(ActorModelAction::Recover(Id::from(index)));
    }
    for (index, choices) in rest.random_choices.iter().enumerate() {
        for (key, options) in choices.map.iter() {
            for option in options {
                actions.push(ActorModelAction::SelectRandom {
                    actor: Id::from(index),
                    key: key.clone(),
                    random: option.clone(),
                });
            }
        }
    }
    // Hash tables list timers, choices and messages in no fixed order; paths are replayed by
    // action index, so the order must be a function of the state.
    actions[start..].sort_unstable_by(action_order);
}

/// stateright's order of actor-model actions: by kind, then by the fields in declaration order.
pub(crate) fn action_order<M: Ord, T: Ord, R: Ord>(
    a: &ActorModelAction<M, T, R>,
    b: &ActorModelAction<M, T, R>,
) -> Ordering {
    use ActorModelAction::*;
    fn kind<M, T, R>(action: &ActorModelAction<M, T, R>) -> u8 {
        match action {
            Drop(_) => 0,
            Deliver { .. } => 1,
            Timeout(..) => 2,
            Crash(_) => 3,
            Recover(_) => 4,
            SelectRandom { .. } => 5,
        }
    }
    match (a, b) {
        (Drop(x), Drop(y)) => x.cmp(y),
        (
            Deliver { src, dst, msg },
            Deliver {
                src: src2,
                dst: dst2,
                msg: msg2,
            },
        ) => (src, dst, msg).cmp(&(src2, dst2, msg2)),
        (Timeout(id, timer), Timeout(id2, timer2)) => (id, timer).cmp(&(id2, timer2)),
        (Crash(x), Crash(y)) | (Recover(x), Recover(y)) => x.cmp(y),
        (
            SelectRandom { actor, key, random },
            SelectRandom {
                actor: actor2,
                key: key2,
                random: random2,
            },
        ) => (actor, key, random).cmp(&(actor2, key2, random2)),
        _ => kind(a).cmp(&kind(b)),
    }
}

/// The successor of `state` under `action`, or `None` if the action is no transition.
pub(crate) fn next_state<A, C, H>(
    model: &ActorModel<A, C, H>,
    pools: &Pools<A, H>,
    state: &Packed<A, H>,
    action: Action<A>,
) -> Option<Packed<A, H>>
where
    A: Actor,
    A::Msg: Ord,
    A::Timer: Ord,
    H: Clone + Debug + Hash + PartialEq,
{
    match action {
        ActorModelAction::Drop(envelope) => {
            let mut next = Successor::of(state, pools, kind_of(&model.init_network));
            next.network().remove(envelope);
            Some(next.finish())
        }
        ActorModelAction::Deliver { src, dst, msg } => {
            let index = usize::from(dst);
            let actor = model.actors.get(index)?;
            if state.rest.crashed[index] {
                return None;
            }
            let mut actor_state = Cow::Borrowed(&*state.actor_states[index]);
            let mut out = Out::new();
            actor.on_msg(dst, &mut actor_state, src, msg.clone(), &mut out);
            let kind = kind_of(&model.init_network);
            if is_borrowed(&actor_state) && out.is_empty() && kind != NetworkKind::Ordered {
                return None;
            }
            let history = (model.record_msg_in)(
                &model.cfg,
                &**state.history,
                Envelope {
                    src,
                    dst,
                    msg: &msg,
                },
            );
            let mut next = Successor::of(state, pools, kind);
            next.network().deliver(Envelope { src, dst, msg });
            if let Cow::Owned(actor_state) = actor_state {
                next.actor_states[index] = pools.state(actor_state);
            }
            if let Some(history) = history {
                next.history = Some(history);
            }
            next.run(model, dst, out);
            Some(next.finish())
        }
        ActorModelAction::Timeout(id, timer) => {
            let index = usize::from(id);
            let mut actor_state = Cow::Borrowed(&*state.actor_states[index]);
            let mut out = Out::new();
            model.actors[index].on_timeout(id, &mut actor_state, &timer, &mut out);
            let rearms_only =
                out.len() == 1 && matches!(&out[0], Command::SetTimer(t, _) if *t == timer);
            if is_borrowed(&actor_state) && rearms_only {
                return None;
            }
            let mut next = Successor::of(state, pools, kind_of(&model.init_network));
            // The timer fired, so it is disarmed, then the commands run; if the last of them
            // that names it re-arms it, it ends armed, as it was: no copy of the timers.
            let rearmed = out.iter().rev().find_map(|command| match command {
                Command::SetTimer(t, _) if *t == timer => Some(true),
                Command::CancelTimer(t) if *t == timer => Some(false),
                _ => None,
            });
            if rearmed != Some(true) {
                next.rest().timers_set[index].cancel(&timer);
            }
            if let Cow::Owned(actor_state) = actor_state {
                next.actor_states[index] = pools.state(actor_state);
            }
            next.run(model, id, out);
            Some(next.finish())
        }
        ActorModelAction::Crash(id) => {
            let index = usize::from(id);
            let mut next = Successor::of(state, pools, kind_of(&model.init_network));
            let rest = next.rest();
            rest.timers_set[index].cancel_all();
            rest.random_choices[index].map.clear();
            rest.crashed[index] = true;
            Some(next.finish())
        }
        ActorModelAction::Recover(id) => {
            let index = usize::from(id);
            if !state.rest.crashed[index] {
                return None;
            }
            let mut out = Out::new();
            let actor_state =
                model.actors[index].on_start(id, &state.actor_storages[index], &mut out);
            let mut next = Successor::of(state, pools, kind_of(&model.init_network));
            next.actor_states[index] = pools.state(actor_state);
            next.rest().crashed[index] = false;
            next.run(model, id, out);
            Some(next.finish())
        }
        ActorModelAction::SelectRandom { actor, key, random } => {
            let index = usize::from(actor);
            let mut actor_state = Cow::Borrowed(&*state.actor_states[index]);
            let mut out = Out::new();
            model.actors[index].on_random(actor, &mut actor_state, &random, &mut out);
            let mut next = Successor::of(state, pools, kind_of(&model.init_network));
            next.rest().random_choices[index].remove(&key);
            if let Cow::Owned(actor_state) = actor_state {
                next.actor_states[index] = pools.state(actor_state);
            }
            next.run(model, actor, out);
            Some(next.finish())
        }
    }
}

/// `state` with `lost` removed from its network (a partition heals).
pub(crate) fn without<A, H>(
    state: &Packed<A, H>,
    kind: NetworkKind,
    lost: impl IntoIterator<Item = Envelope<A::Msg>>,
) -> Packed<A, H>
where
    A: Actor,
    A::Msg: Ord,
    H: Clone + Hash + PartialEq,
{
    let mut next = Successor::of(state, None, kind);
    for envelope in lost {
        next.network().remove(envelope);
    }
    next.finish()
}

#[allow(clippy::ptr_arg)] // the question is which `Cow` variant it is
fn is_borrowed<T: Clone>(state: &Cow<T>) -> bool {
    matches!(state, Cow::Borrowed(_))
}

/// A successor being built from its parent: the parts every transition rewrites are copies, the
/// rest is borrowed until written.
struct Successor<'p, A: Actor, H> {
    parent: &'p Packed<A, H>,
    /// Where sent messages and new histories are shared from; `None` to keep them as they are.
    pools: Option<&'p Pools<A, H>>,

    kind: NetworkKind,
    actor_states: Box<[Arc<A::State>]>,
    /// The parent's network, copied at the first change.
    network: Option<Edit<A::Msg>>,
    /// The history, if a client event was recorded (else the parent's).
    history: Option<H>,
    /// The parent's [`Rest`], copied at the first write.
    rest: Option<Rest<A>>,
    /// The parent's storage, copied at the first write.
    storages: Option<Storages<A>>,
}

impl<'p, A, H> Successor<'p, A, H>
where
    A: Actor,
    A::Msg: Ord,
    H: Clone + Hash + PartialEq,
{
    fn of(
        parent: &'p Packed<A, H>,
        pools: impl Into<Option<&'p Pools<A, H>>>,
        kind: NetworkKind,
    ) -> Self {
        Successor {
            parent,
            pools: pools.into(),

            kind,
            actor_states: parent.actor_states.clone(),
            network: None,
            history: None,
            rest: None,
            storages: None,
        }
    }

    fn network(&mut self) -> &mut Edit<A::Msg> {
        let (parent, kind) = (self.parent, self.kind);
        // Room for a handler's usual few sends without growing.
        self.network
            .get_or_insert_with(|| parent.network.edit(kind, 4))
    }

    fn rest(&mut self) -> &mut Rest<A> {
        let parent = self.parent;
        self.rest.get_or_insert_with(|| Rest::clone(&parent.rest))
    }

    fn storages(&mut self) -> &mut Storages<A> {
        let parent = self.parent;
        self.storages
            .get_or_insert_with(|| Vec::clone(&parent.actor_storages))
    }

    /// Carries out the commands actor `id` emitted.
    fn run<C>(&mut self, model: &ActorModel<A, C, H>, id: Id, out: Out<A>)
    where
        A::Msg: Ord,
        A::Timer: Ord,
        H: Debug + Hash,
    {
        let index = usize::from(id);
        for command in out {
            match command {
                Command::Send(dst, msg) => {
                    let envelope = Envelope {
                        src: id,
                        dst,
                        msg: &msg,
                    };
                    let current = self.history.as_ref().unwrap_or(&**self.parent.history);
                    if let Some(history) = (model.record_msg_out)(&model.cfg, current, envelope) {
                        self.history = Some(history);
                    }
                    let msg = match self.pools {
                        Some(pools) => pools.msg(msg),
                        None => msg,
                    };
                    self.network().send(Envelope { src: id, dst, msg });
                }
                Command::SetTimer(timer, _) => {
                    // Arming an armed timer changes nothing: no copy.
                    if !self.current_rest().timers_set[index]
                        .iter()
                        .any(|t| *t == timer)
                    {
                        self.rest().timers_set[index].set(timer);
                    }
                }
                Command::CancelTimer(timer) => {
                    if self.current_rest().timers_set[index]
                        .iter()
                        .any(|t| *t == timer)
                    {
                        self.rest().timers_set[index].cancel(&timer);
                    }
                }
                Command::ChooseRandom(key, options) => {
                    let choices = &mut self.rest().random_choices[index];
                    if options.is_empty() {
                        choices.remove(&key);
                    } else {
                        choices.insert(key, options);
                    }
                }
                Command::Save(storage) => {
                    let storages = self.storages();
                    if storages.len() <= index {
                        storages.resize_with(index + 1, || None);
                    }
                    storages[index] = Some(storage);
                }
            }
        }
    }

    fn current_rest(&self) -> &Rest<A> {
        self.rest.as_ref().unwrap_or(&**self.parent.rest)
    }

    fn finish(self) -> Packed<A, H> {
        let parent = self.parent;
        Packed {
            actor_states: self.actor_states,
            network: match self.network {
                Some(edit) => edit.finish(),
                None => parent.network.clone(),
            },
            history: match (self.history, self.pools) {
                (Some(history), Some(pools)) => pools.history(history),
                (Some(history), None) => Arc::new(Sealed::new(history)),
                (None, _) => Arc::clone(&parent.history),
            },
            rest: match self.rest {
                Some(rest) => share(rest, Some(&parent.rest)),
                None => Arc::clone(&parent.rest),
            },
            actor_storages: match self.storages {
                Some(storages) => share(storages, Some(&parent.actor_storages)),
                None => Arc::clone(&parent.actor_storages),
            },
        }
    }
}
