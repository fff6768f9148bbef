//! Vector clocks: processes doing local events and exchanging messages, after Fidge,
//! "Timestamps in Message-Passing Systems That Preserve the Partial Ordering" (1988) and
//! Mattern, "Virtual Time and Global States of Distributed Systems" (1989).
//!
//! The property under test is the clock condition in both directions: `vc(a) < vc(b)` exactly
//! when `a` happens before `b`. The clocks are what the protocol computes; happens-before is
//! tracked independently, as a record of each event's direct causes (the previous event on its
//! process, and for a receive the send it delivers), turned into a petgraph DAG when the property
//! is evaluated. The two never share code, so a wrong clock rule cannot hide behind itself.
//!
//! Map of this module, in reading order:
//! - the vocabulary (here): [`EventId`], [`EventKind`], [`Event`], [`VcMsg`], [`Step`], the bug;
//! - [`VectorClock`] (`clock.rs`): the clock and its partial order;
//! - [`VcProcess`], [`ProcessState`] (`process.rs`): the protocol node;
//! - [`Causality`] (`causality.rs`): happens-before as a DAG, independent of the clocks;
//! - [`VectorClocks`] (`model.rs`): the `vector-clocks` spec and its properties.

mod causality;
mod clock;
mod model;
mod process;

use serde::{Deserialize, Serialize};

pub use causality::Causality;
pub use clock::VectorClock;
pub use model::VectorClocks;
pub use process::{ProcessState, VcProcess};

use crate::protocol::NodeId;

/// Bug variant: on receive a process ticks its own entry but does not take the element-wise
/// maximum with the message's clock, so causality carried by messages is lost.
pub const NO_MAX_ON_RECEIVE: &str = "no-max-on-receive";

/// An event: the `seq`-th event (from 0) of `process`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventId {
    /// The process the event happened on.
    pub process: NodeId,
    /// Its position in that process's history.
    pub seq: u32,
}

/// What an event was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A local step.
    Local,
    /// A message sent to `to`.
    Send {
        /// The recipient.
        to: NodeId,
    },
    /// The delivery of the message sent by event `send`.
    Receive {
        /// The send event whose message this is (ghost data: recorded for the independent
        /// happens-before, never read by the clock rules).
        send: EventId,
    },
}

/// One recorded event with the clock the protocol stamped it with.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The process's clock just after the event.
    pub clock: VectorClock,
}

/// The one message processes exchange: the sender's clock, plus the id of the send event
/// (ghost data for the happens-before record).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VcMsg {
    /// An application message carrying a vector timestamp.
    Message {
        /// The sender's clock after the send event.
        clock: VectorClock,
        /// The send event.
        send: EventId,
    },
}

/// What a process does next, picked by the environment ([`crate::Effects::choose`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A local event.
    Local,
    /// Send a message to the given process.
    SendTo(NodeId),
}
