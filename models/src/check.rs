//! Running a check: [`CheckRequest`] in, [`CheckOutcome`] out.
//!
//! Map:
//! - [`CheckRequest`], [`Strategy`], [`StopWhen`] (`request.rs`): what to check and how;
//! - `run.rs`: validates a request against the spec's catalog entry, builds the
//!   [`System`](crate::system::System), runs stateright's checker and collects the outcome;
//! - [`CheckOutcome`] and its parts (`outcome.rs`): per-property verdicts, search statistics,
//!   and how the search ended. **A search stopped by a state or time limit never reports a
//!   property as holding**: stateright then still says "done", we say `unknown`;
//! - [`Trace`] (`trace.rs`): a counterexample (or a `sometimes` example) as numbered steps plus
//!   the client history along it;
//! - `render.rs`: the text rendering of outcomes and traces, and the field-level state diff.

mod outcome;
mod render;
mod request;
mod run;
mod trace;

pub use outcome::{CacheStats, CheckOutcome, PropertyOutcome, PropertyStatus, SearchEnd, Status};
pub use request::{CheckRequest, StopWhen, Strategy};
pub(crate) use run::{build, resolve, run};
pub use trace::{Change, Sent, Step, StepEvent, Trace};
