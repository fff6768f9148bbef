//! State-based CRDTs (CvRDTs) on an unordered, duplicating network, after Shapiro, Preguiça,
//! Baquero and Zawirski, "Conflict-free Replicated Data Types" (SSS 2011).
//!
//! Replicas perform scripted updates and gossip their whole state to their peers whenever their
//! gossip timer fires; a received state is merged. Each replica also carries ghost data the
//! protocol never reads: the ids of the updates it has applied (directly or through a merge) and
//! the operations it issued. With those the properties can say what a replica's value must be,
//! and when two replicas must agree, without waiting for an empty network — which never comes:
//! a duplicating network keeps every message deliverable forever.
//!
//! Map of this module, in reading order:
//! - [`Crdt`], [`UpdateId`], [`Gossip`], [`ReplicaTimer`] and the bug name (here);
//! - one data type per file: [`GCounter`] (`g_counter.rs`), [`PnCounter`] (`pn_counter.rs`),
//!   [`OrSet`] (`or_set.rs`), [`LwwRegister`] (`lww_register.rs`);
//! - [`Replica`], [`ReplicaState`] (`replica.rs`): the protocol node, generic over the type;
//! - [`CrdtNode`], [`ServedCrdt`] (`served.rs`): a replica serving Maelstrom clients, for
//!   `splitbrain node`; [`LwwKvNode`] (`lww_kv.rs`): one LWW register per `lin-kv` key, for
//!   `splitbrain node lww-register`;
//! - `laws.rs`: the merge laws (commutative, associative, idempotent) over given states;
//! - `lift.rs`: deployed replicas' states (with the ghost data the judge keeps) as the specs',
//!   for judging real runs;
//! - [`CrdtSpec`] (`model.rs`): the four specs (`g-counter`, `pn-counter`, `or-set`,
//!   `lww-register`) and their properties.

mod g_counter;
mod laws;
mod lift;
mod lww_kv;
mod lww_register;
mod model;
mod or_set;
mod pn_counter;
mod replica;
mod served;

use std::collections::BTreeSet;
use std::fmt::{self, Debug};
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use g_counter::GCounter;
pub use laws::{merge_law_violation, LawViolation};
pub use lift::{CrdtGhost, LwwKvGhost};
pub use lww_kv::{LwwKvGossip, LwwKvMsg, LwwKvNode};
pub use lww_register::{LwwRegister, LwwWrite};
pub use model::CrdtSpec;
pub use or_set::{OrSet, OrSetOp, Tag};
pub use pn_counter::PnCounter;
pub use replica::{Replica, ReplicaState};
pub use served::{ClientBody, CrdtMsg, CrdtNode, GossipTimer, ReadValue, ServedCrdt};

/// Bug variant: merge adds the other replica's entries to one's own instead of taking the
/// maximum. Not idempotent, so a duplicated (or simply repeated) gossip inflates the counter.
pub const SUM_MERGE: &str = "sum-merge";

/// An update: the `seq`-th update (from 0) issued by replica `n{replica}`; shown as
/// `n{replica}:{seq}`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UpdateId {
    /// The issuing replica's index.
    pub replica: u32,
    /// Its position among that replica's updates.
    pub seq: u32,
}

impl fmt::Debug for UpdateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}:{}", self.replica, self.seq)
    }
}

/// A state-based CRDT: a join semilattice with updates that inflate it (Shapiro et al. 2011,
/// §2.2, Definition 2.4 and Proposition 2.1).
pub trait Crdt:
    Clone
    + Debug
    + PartialEq
    + Eq
    + PartialOrd
    + Ord
    + Hash
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// An update as it was performed (with any tag or timestamp it was given): what the
    /// sequential specification needs to know about it.
    type Op: Clone + Debug + Eq + Ord + Hash + Send + Sync + 'static;
    /// The value a client reads.
    type Value: Clone + Debug + Eq;

    /// The spec's name in the catalog.
    const SPEC_NAME: &'static str;
    /// One sentence for the catalog.
    const DESCRIPTION: &'static str;
    /// The section of Shapiro et al. (2011) or the technical report that specifies the type.
    const SOURCE: &'static str;
    /// Whether the `sum-merge` bug variant applies (counters only).
    const HAS_SUM_MERGE: bool = false;

    /// The initial state, for `replicas` replicas.
    fn initial(replicas: usize) -> Self;
    /// Replica `replica` performs its `seq`-th scripted update; returns the update as performed.
    fn update(&mut self, replica: usize, seq: u32) -> Self::Op;
    /// The least upper bound of `self` and `other`, in place.
    fn merge(&mut self, other: &Self);
    /// The `sum-merge` bug: the default is the correct merge.
    fn sum_merge(&mut self, other: &Self) {
        self.merge(other);
    }
    /// The value.
    fn value(&self) -> Self::Value;
    /// The sequential specification: the value a replica must show once it has applied exactly
    /// `ops` (in any order).
    fn expected(replicas: usize, ops: &[&Self::Op]) -> Self::Value;
    /// A size measure that grows with every inflation (used to bound the model; a correct
    /// replica's magnitude is bounded by its updates).
    fn magnitude(&self) -> u64;
}

/// The gossip message: a replica's whole state, with its applied update ids (ghost data).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", bound = "")]
pub enum Gossip<C: Crdt> {
    /// The sender's state.
    Gossip {
        /// The sender's CRDT state.
        state: C,
        /// Ghost: the updates the sender had applied.
        applied: BTreeSet<UpdateId>,
    },
}

/// A replica's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReplicaTimer {
    /// Perform the next scripted update.
    Update,
    /// Send the state to every peer.
    Gossip,
}
