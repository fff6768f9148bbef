//! Client histories recorded inside the model, and their linearizability verdicts.
//!
//! Every specification with clients records the clients' operations as they happen in the model
//! (an invocation when a client sends a request, a completion when the reply reaches it), in the
//! same shape as splitbrain's native history (`{"process":0,"type":"invoke","f":"write",
//! "value":3}`). The history is part of the model state, so it is hashed; it is also what a
//! counterexample hands to `splitbrain check`.
//!
//! Map:
//! - [`HistoryEvent`] and its parts (`event.rs`): one line of a history; [`Observed`], what a
//!   spec says a message means for the history;
//! - [`KvBody::observe`](crate::maelstrom::KvBody::observe) (`kv.rs`): what a `lin-kv`
//!   request or reply means for the history;
//! - [`ClientHistory`] (`client_history.rs`): the recorded events plus a running verdict;
//! - `linearizability.rs`: the verdict: stateright's `LinearizabilityTester` over a
//!   compare-and-set register, run only when an operation completes and cached per history
//!   (stateright re-searches from scratch on every call, with no memo).

mod client_history;
mod event;
mod kv;
mod linearizability;

pub use client_history::ClientHistory;
pub use event::{to_jsonl, Completion, EventKind, Function, HistoryEvent, Observed, OpValue};
pub use linearizability::{
    is_linearizable, CasRegister, RegisterOp, RegisterRet, SequentialSpecKind,
};

pub(crate) use linearizability::VerdictCache;
