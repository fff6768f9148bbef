//! The I/O-free protocol node every specification is written against.
//!
//! A [`Protocol`] is a deterministic state machine: it is told that it started (possibly after a
//! crash, with its durable state), that a message arrived, or that one of its named timers fired,
//! and it answers by changing its state and pushing [`Effect`]s into an [`Effects`] buffer. It
//! never performs I/O, never reads a clock, never draws a random number and never touches global
//! state: everything the outside world does to a node comes in through the three handlers, and
//! everything the node does to the world goes out through the buffer.
//!
//! Two hosts drive the same code:
//!
//! - the model checker, through the single adapter in `system/adapter.rs`, which maps the
//!   handlers onto `stateright::actor::Actor` (timers fire in any order at any moment, messages
//!   are delivered in any order, possibly dropped or duplicated, nodes crash and recover);
//! - a real-process host (the runner's node host), which reads Maelstrom JSON lines from stdin,
//!   calls the handlers, and executes the effects for real. The contract for such a host:
//!   1. call [`Protocol::on_start`] once at start-up, passing the last persisted
//!      [`Protocol::Durable`] value if there is one;
//!   2. execute the effects of each handler call in order; a [`Effect::Persist`] writes the
//!      durable value, a [`Effect::Sync`] makes the last write durable (fsynced), and must be
//!      finished before any [`Effect::Send`] that follows it leaves the process. The host keeps
//!      what was written but not synced apart, so a crash can lose it (the disk model: write
//!      and sync are separate steps; [`Effects::persist`] does both);
//!   3. [`Effect::SetTimer`] arms (or re-arms) the named timer to fire once after a duration
//!      drawn from the range; [`Effect::CancelTimer`] disarms it; a fired timer is disarmed;
//!   4. [`Effect::Choose`] asks the environment to pick one of the listed timers (uniformly, from
//!      the host's seeded RNG) and deliver it to [`Protocol::on_timer`] soon: the only source of
//!      randomness a protocol has. An empty list withdraws a pending choice with that key.
//!
//! Node identities are [`NodeId`]s: nodes `n0, n1, …` and clients `c0, c1, …`, exactly the names
//! Maelstrom gives them, so index arithmetic over peers means the same thing in both worlds.
//!
//! Map of this module:
//! - [`Protocol`] (here): the trait;
//! - [`NodeId`], [`NodeSet`] (`node_id.rs`): who is who, and quorum bookkeeping;
//! - [`Effects`], [`Effect`] (`effects.rs`): the effect buffer;
//! - [`Deployable`] (`deploy.rs`): a protocol the node host can run as a real process.

mod deploy;
mod effects;
mod node_id;

use std::fmt::Debug;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use deploy::Deployable;
pub use effects::{Effect, Effects};
pub use node_id::{NodeId, NodeSet};

/// A protocol node: an I/O-free, deterministic state machine (see the [module docs](self)).
///
/// A value of the implementing type is the node's *configuration* (its role, its peers, a bug
/// variant); it is shared and never changes. Everything that changes lives in
/// [`Protocol::State`], which handlers receive by `&mut`. Handlers must be deterministic
/// functions of their arguments: the model checker replays them to rebuild counterexamples.
///
/// A handler that leaves the state unchanged and pushes no effect is a *no-op*; the model checker
/// then treats the event as not having happened (so an ignored message stays in flight).
pub trait Protocol: Clone + Send + Sync + 'static {
    /// Everything nodes and clients send each other. Serialized as the `body` of a Maelstrom
    /// message, so a `#[serde(tag = "type", rename_all = "snake_case")]` enum is the usual shape.
    type Msg: Clone + Debug + Eq + Ord + Hash + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The node's volatile state. Every field that matters must take part in `Hash` and `Eq`:
    /// the model checker identifies states by a 64-bit fingerprint of their `Hash`. Use ordered
    /// collections (`BTreeMap`, `Vec`, [`NodeSet`]) so iteration order is deterministic.
    type State: Clone + Debug + Eq + Hash + Send + Sync + 'static;
    /// Named timers, usually a fieldless enum. A timer is either armed or not.
    type Timer: Clone + Debug + Eq + Ord + Hash + Send + Sync + 'static;
    /// What the node persists with [`Effect::Persist`] and gets back in [`Protocol::on_start`]
    /// after a crash. `()` for nodes without durable state.
    type Durable: Clone + Debug + Eq + Hash + Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The node starts, fresh (`recovered` is `None`) or after a crash (`recovered` holds the last
    /// value it persisted). Returns the initial volatile state.
    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&Self::Durable>,
        out: &mut Effects<Self>,
    ) -> Self::State;

    /// A message `msg` from `from` arrived.
    fn on_msg(
        &self,
        me: NodeId,
        state: &mut Self::State,
        from: NodeId,
        msg: Self::Msg,
        out: &mut Effects<Self>,
    );

    /// The armed timer `timer` fired (or the environment picked `timer` for an
    /// [`Effect::Choose`]).
    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        timer: Self::Timer,
        out: &mut Effects<Self>,
    );

    /// A short name for the node's role (`"paxos server"`, `"client"`), for traces and the
    /// Explorer.
    fn role(&self) -> &'static str {
        ""
    }
}
