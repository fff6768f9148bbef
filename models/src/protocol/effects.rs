//! [`Effects`]: the buffer a [`Protocol`] handler writes its side effects into.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use super::{NodeId, Protocol};

/// One side effect requested by a handler. Hosts execute them in order.
pub enum Effect<P: Protocol> {
    /// Send `msg` to `to`.
    Send {
        /// The recipient.
        to: NodeId,
        /// The message body.
        msg: P::Msg,
    },
    /// Arm (or re-arm) a named timer to fire once after a duration drawn from `after`. The model
    /// checker ignores durations: an armed timer may fire at any moment.
    SetTimer {
        /// Which timer.
        timer: P::Timer,
        /// When it should fire, for real hosts.
        after: Range<Duration>,
    },
    /// Disarm a named timer (no effect if it is not armed).
    CancelTimer(P::Timer),
    /// Write `P::Durable`: it replaces what the node wrote before, and survives a crash only
    /// once a [`Effect::Sync`] has made it durable. A crash that loses unsynced writes (the
    /// model's crash; a power failure, `--nemesis lose-unsynced` on real hosts) gives `on_start`
    /// the last synced value; a process crash that keeps them (a plain kill: the OS still holds
    /// the write) gives the last written one.
    Persist(P::Durable),
    /// Make the last written value durable (fsync). Real hosts finish it before releasing any
    /// message sent after it.
    Sync,
    /// Ask the environment to pick one of `options` and deliver it to `on_timer`: the only
    /// randomness a protocol may use. The model checker explores every option; a real host draws
    /// one from its seeded RNG. An empty `options` withdraws the pending choice named `key`.
    Choose {
        /// Names the choice; a new choice with the same key replaces the pending one.
        key: &'static str,
        /// The candidates.
        options: Vec<P::Timer>,
    },
}

impl<P: Protocol> Clone for Effect<P> {
    fn clone(&self) -> Self {
        match self {
            Effect::Send { to, msg } => Effect::Send {
                to: *to,
                msg: msg.clone(),
            },
            Effect::SetTimer { timer, after } => Effect::SetTimer {
                timer: timer.clone(),
                after: after.clone(),
            },
            Effect::CancelTimer(timer) => Effect::CancelTimer(timer.clone()),
            Effect::Persist(durable) => Effect::Persist(durable.clone()),
            Effect::Sync => Effect::Sync,
            Effect::Choose { key, options } => Effect::Choose {
                key,
                options: options.clone(),
            },
        }
    }
}

impl<P: Protocol> fmt::Debug for Effect<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Send { to, msg } => write!(f, "send {msg:?} to {to}"),
            Effect::SetTimer { timer, after } => write!(f, "set timer {timer:?} ({after:?})"),
            Effect::CancelTimer(timer) => write!(f, "cancel timer {timer:?}"),
            Effect::Persist(durable) => write!(f, "persist {durable:?}"),
            Effect::Sync => write!(f, "sync"),
            Effect::Choose { key, options } => write!(f, "choose {key}: {options:?}"),
        }
    }
}

/// The effect buffer handed to every [`Protocol`] handler.
pub struct Effects<P: Protocol> {
    effects: Vec<Effect<P>>,
}

impl<P: Protocol> Default for Effects<P> {
    fn default() -> Self {
        Effects::new()
    }
}

impl<P: Protocol> fmt::Debug for Effects<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.effects).finish()
    }
}

impl<P: Protocol> Effects<P> {
    /// An empty buffer.
    pub fn new() -> Self {
        Effects {
            effects: Vec::new(),
        }
    }

    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Sends a copy of `msg` to each of `recipients`.
    pub fn broadcast(&mut self, recipients: impl IntoIterator<Item = NodeId>, msg: &P::Msg) {
        for to in recipients {
            self.send(to, msg.clone());
        }
    }

    /// Arms `timer` to fire once after a duration drawn from `after` (real hosts only; in the
    /// model an armed timer may fire at any moment).
    pub fn set_timer(&mut self, timer: P::Timer, after: Range<Duration>) {
        self.effects.push(Effect::SetTimer { timer, after });
    }

    /// Disarms `timer`.
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer(timer));
    }

    /// Persists `durable` durably: writes it and syncs it ([`Effect::Persist`] then
    /// [`Effect::Sync`]), so it survives any crash once the handler returns, and every message
    /// sent after it leaves only then. What a correct protocol does before it answers.
    pub fn persist(&mut self, durable: P::Durable) {
        self.effects.push(Effect::Persist(durable));
        self.effects.push(Effect::Sync);
    }

    /// Writes `durable` without syncing it ([`Effect::Persist`] alone): a crash that loses
    /// unsynced writes loses it until a later [`Effects::sync`].
    pub fn write(&mut self, durable: P::Durable) {
        self.effects.push(Effect::Persist(durable));
    }

    /// Makes the last written value durable ([`Effect::Sync`]).
    pub fn sync(&mut self) {
        self.effects.push(Effect::Sync);
    }

    /// Asks the environment to deliver one of `options` to `on_timer` (see [`Effect::Choose`]).
    pub fn choose(&mut self, key: &'static str, options: Vec<P::Timer>) {
        self.effects.push(Effect::Choose { key, options });
    }

    /// Whether no effect was requested.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }

    /// The effects requested so far, in order.
    pub fn as_slice(&self) -> &[Effect<P>] {
        &self.effects
    }

    /// Takes the effects out, leaving the buffer empty.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect<P>> {
        self.effects.drain(..)
    }

    /// Moves every effect into `out`, the buffer of a protocol with the same message, timer and
    /// durable types: how a composite node (an enum over roles, each a [`Protocol`] of its own)
    /// passes on what a role's handler requested.
    pub fn forward_to<Q>(self, out: &mut Effects<Q>)
    where
        Q: Protocol<Msg = P::Msg, Timer = P::Timer, Durable = P::Durable>,
    {
        out.effects
            .extend(self.effects.into_iter().map(|effect| match effect {
                Effect::Send { to, msg } => Effect::Send { to, msg },
                Effect::SetTimer { timer, after } => Effect::SetTimer { timer, after },
                Effect::CancelTimer(timer) => Effect::CancelTimer(timer),
                Effect::Persist(durable) => Effect::Persist(durable),
                Effect::Sync => Effect::Sync,
                Effect::Choose { key, options } => Effect::Choose { key, options },
            }));
    }
}

impl<P: Protocol> IntoIterator for Effects<P> {
    type Item = Effect<P>;
    type IntoIter = std::vec::IntoIter<Effect<P>>;

    fn into_iter(self) -> Self::IntoIter {
        self.effects.into_iter()
    }
}
