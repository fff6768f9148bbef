//! Histories: what a run recorded, as events and as paired operations.
//!
//! Map of this module, in reading order:
//! - [`Value`] (`value.rs`): the JSON/EDN datum carried in `value`, `key` and `error`;
//! - [`Event`] (`event.rs`): one line of a history, shaped like Jepsen's op map;
//! - [`Op`] (`op.rs`): an invocation paired with its completion;
//! - `pairing.rs`: the pairing rules ([`pair`], [`Pairer`]);
//! - [`Paired`] (`by_key.rs`): operations grouped by key, with their functions, as they are paired;
//! - [`format`](mod@format): reading and writing the native JSON lines, Jepsen EDN and Porcupine's logs;
//! - [`HistoryError`] (`error.rs`): what is wrong with an input, and where.

mod by_key;
mod error;
mod event;
pub mod format;
mod op;
mod pairing;
mod value;

use std::path::Path;
use std::sync::Arc;

pub use by_key::{Functions, KeyGroups, Paired};
pub use error::{excerpt, HistoryError, Location};
pub use event::{Event, EventKind, Process};
pub use format::Format;
pub use op::{Op, OpSource, Outcome, NEVER};
pub use pairing::{pair, Pairer};
pub use value::Value;

/// A history: events in the order they happened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The events, in order.
    pub events: Vec<Event>,
}

impl History {
    /// A history of `events`.
    pub fn new(events: Vec<Event>) -> History {
        History { events }
    }

    /// The client operations, paired (see [`pair`]). Errors name `file` when given.
    pub fn ops(&self, file: Option<Arc<Path>>) -> Result<Vec<Op>, HistoryError> {
        pair(self.events.iter().cloned(), file)
    }
}
