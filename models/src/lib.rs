//! Model-checked protocol specifications for splitbrain.
//!
//! Each specification is an actor system checked exhaustively by
//! [stateright](https://docs.rs/stateright/0.31.0) (pinned at `=0.31.0`): its properties
//! (`always` invariants and `sometimes` reachability checks, each citing where it is defined),
//! size parameters, and named bug variants that prove the properties can fail. The protocol code
//! is written once, as I/O-free [`Protocol`] nodes, so that splitbrain's node host can run the
//! same code as real Maelstrom-protocol processes.
//!
//! Map of the crate, in reading order:
//! - [`protocol`]: the [`Protocol`] trait a node implements, [`NodeId`]s, the [`Effects`]
//!   buffer. Start here to write a protocol;
//! - [`maelstrom`]: client-facing bodies shaped like Maelstrom's (`lin-kv`, error codes) and a
//!   scripted model client;
//! - [`history`]: the client history recorded inside the model and its linearizability verdict;
//! - [`spec`]: the [`Spec`] trait (a protocol plus sizes, properties, bugs) and catalog
//!   metadata;
//! - [`system`]: a spec as a stateright model, with partitions, crashes, the history, a working
//!   time limit and symmetry; the only stateright actor adapter lives here;
//! - [`check`](mod@check): [`CheckRequest`] → [`CheckOutcome`] (verdicts, statistics,
//!   counterexample [`Trace`]s), and their text rendering;
//! - [`digest`]: the 128-bit digest a node host journals its durable writes by, and
//!   `splitbrain validate` compares the model's with;
//! - [`lift`]: a deployed node's real run lifted onto its spec ([`Lift`], [`Judge`]), so the
//!   spec's properties judge every state of it (what `splitbrain validate` uses);
//! - `catalog.rs`: the registry behind [`catalog()`], [`check()`] and [`explore`];
//! - the specs: [`paxos`] (single-decree and a replicated register), [`raft`] (leader election,
//!   log replication and a key-value store), [`lease_lock`] (a lease
//!   lock service with fencing tokens), [`primary_backup`] (a primary replicating to backups, with
//!   epochs and failover), [`two_phase_commit`] (a coordinator committing bank transactions
//!   across participants), [`hash_ring`] (a store partitioned over a consistent-hash ring, keys
//!   handed off on joins and leaves), [`crdt`] (G-Counter, PN-Counter, OR-Set, LWW-Register
//!   replicas on a duplicating network), [`vector_clock`] (vector clocks against an independent
//!   happens-before);
//! - [`hat`]: a deployable node only (no spec): totally available read-committed transactions
//!   for Maelstrom's `txn-rw-register`.
//!
//! ```no_run
//! use splitbrain_models::{check, CheckRequest, Status};
//!
//! let outcome = check(&CheckRequest::new("paxos-register").bug("ignore-promise"))?;
//! assert_eq!(outcome.status(), Status::Fail);
//! println!("{outcome}");
//! # Ok::<(), splitbrain_models::ModelError>(())
//! ```

mod catalog;
pub mod check;
pub mod crdt;
pub mod digest;
mod error;
pub mod hash_ring;
pub mod hat;
pub mod history;
pub mod lease_lock;
pub mod lift;
pub mod maelstrom;
pub mod paxos;
pub mod primary_backup;
pub mod protocol;
pub mod raft;
pub mod spec;
pub mod system;
pub mod two_phase_commit;
pub mod vector_clock;

pub use catalog::{catalog, check, explore};
pub use check::{
    CheckOutcome, CheckRequest, PropertyOutcome, PropertyStatus, SearchEnd, Status, StopWhen,
    Strategy, Trace,
};
pub use error::ModelError;
pub use lift::{Judge, Lift};
pub use protocol::{Deployable, Effects, NodeId, Protocol};
pub use spec::{NetworkKind, Spec, SpecInfo};
