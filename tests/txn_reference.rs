//! The brute-force reference for transactional consistency: the independent truth the
//! transactional checker (`splitbrain::checker::transactional`) is to be compared against.
//!
//! Written from the definitions alone, without reading the checker, and deliberately naive: every
//! question is answered by exhaustive search over interpretations of a small history (a handful
//! of transactions over a few keys), with no inference beyond what the definition says. Each
//! model is decided by one route, and two routes that must agree are compared in the tests:
//!
//! | model | route | file |
//! |---|---|---|
//! | serializable, strict serializable | a serial order of the committed transactions (real time for strict) | `serial.rs` |
//! | snapshot isolation, strong snapshot isolation | start and commit points, first committer wins (real time for strong) | `snapshot.rs` |
//! | read uncommitted, read committed, repeatable read (PL-1, PL-2, PL-2.99) | Adya: version orders and the DSG | `adya.rs` + `adya/` |
//! | read atomic, causal | Cerone et al.'s abstract executions (AR, VIS) | `axiomatic.rs` |
//!
//! PL-3 by the DSG ([`serializable_by_dsg`]) is the second route to serializability.
//!
//! Semantics shared by every route (see `txns.rs` and `view.rs`): `ok` transactions committed and
//! their reads count; `fail`ed ones did not commit; an `info` transaction committed or not, and
//! its reads are unknown. Written values are unique per key. A list is one sequence of appends and
//! a read returns a prefix of it; a register read returns the last write (nil before any). A
//! transaction sees its own earlier writes. Where a history's reads cannot be explained at all
//! (garbage values, duplicates, a transaction not seeing its own write, lists that fork), no model
//! holds.
//!
//! Map of this module, in reading order:
//! - [`Model`], [`holds`], [`models_that_hold`], [`RefError`], [`Budget`] (here): the API;
//! - `txns.rs`: a history parsed into transactions of interned micro-ops;
//! - `view.rs`: a transaction's reads against a view of the database;
//! - `serial.rs`, `snapshot.rs`, `adya.rs` + `adya/`, `axiomatic.rs`: the routes;
//! - `build.rs`: a small language for writing histories by hand;
//! - `cases.rs`: hand-written histories pinning each model (write skew, lost update, G0, G1a,
//!   G1b, G1c, fractured read, long fork, `info` transactions, real time, impossible reads);
//! - `selfcheck.rs`: the simulated databases of `splitbrain gen` against the reference, and the
//!   routes against each other and against the lattice; [`selfcheck::small_history`] gives the histories.
//!
//! A differential test of a checker against the reference is then, per seed and model,
//! `holds(&selfcheck::small_history(workload, db, seed), model)` against the checker's verdict.

mod adya;
mod axiomatic;
pub mod biswas_enea;
pub mod build;
mod cases;
pub mod selfcheck;
mod serial;
mod snapshot;
mod txns;
mod view;

use std::fmt;

use splitbrain::history::History;

pub use adya::Levels;
pub use txns::{Txns, MAX_TXNS};

/// A consistency model, named as Elle names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// PL-1: no G0.
    ReadUncommitted,
    /// PL-2: no G1 (G1a, G1b, G1c).
    ReadCommitted,
    /// PL-2.99: no G1, no G2-item.
    RepeatableRead,
    /// Cerone's RA (no SESSION axiom).
    ReadAtomic,
    /// Cerone's CC (no SESSION axiom).
    Causal,
    /// Start and commit points, first committer wins.
    SnapshotIsolation,
    /// Snapshot isolation respecting real time.
    StrongSnapshotIsolation,
    /// Some serial order.
    Serializable,
    /// Some serial order respecting real time.
    StrictSerializable,
}

impl Model {
    /// Every model, weakest first (roughly).
    pub const ALL: [Model; 9] = [
        Model::ReadUncommitted,
        Model::ReadCommitted,
        Model::RepeatableRead,
        Model::ReadAtomic,
        Model::Causal,
        Model::SnapshotIsolation,
        Model::StrongSnapshotIsolation,
        Model::Serializable,
        Model::StrictSerializable,
    ];

    /// Elle's name: `read-uncommitted`, ..., `causal-cerone`, `strict-serializable`.
    pub fn name(self) -> &'static str {
        match self {
            Model::ReadUncommitted => "read-uncommitted",
            Model::ReadCommitted => "read-committed",
            Model::RepeatableRead => "repeatable-read",
            Model::ReadAtomic => "read-atomic",
            Model::Causal => "causal-cerone",
            Model::SnapshotIsolation => "snapshot-isolation",
            Model::StrongSnapshotIsolation => "strong-snapshot-isolation",
            Model::Serializable => "serializable",
            Model::StrictSerializable => "strict-serializable",
        }
    }
}

/// Why the reference has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// The search ran out of its budget.
    OutOfBudget,
    /// More transactions than the reference handles ([`MAX_TXNS`]).
    TooLarge(usize),
    /// Not a transactional history the reference understands (unpairable events, an unknown
    /// micro-op, a value written twice to a key, lists mixed with registers).
    Malformed(String),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::OutOfBudget => f.write_str("the reference ran out of budget"),
            RefError::TooLarge(n) => write!(f, "{n} transactions; the reference takes {MAX_TXNS}"),
            RefError::Malformed(why) => write!(f, "malformed history: {why}"),
        }
    }
}

/// A search ran out of its budget before it knew the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBudget;

impl From<OutOfBudget> for RefError {
    fn from(_: OutOfBudget) -> RefError {
        RefError::OutOfBudget
    }
}

/// Steps a search may take (one per placement tried or interpretation visited).
#[derive(Clone, Copy, Debug)]
pub struct Budget(pub u64);

impl Budget {
    /// The budget [`holds`] uses: plenty for histories of up to ~8 transactions.
    pub const DEFAULT: Budget = Budget(20_000_000);

    fn spend(&mut self) -> Result<(), OutOfBudget> {
        self.0 = self.0.checked_sub(1).ok_or(OutOfBudget)?;
        Ok(())
    }
}

/// Whether `model` holds for `history`.
pub fn holds(history: &History, model: Model) -> Result<bool, RefError> {
    let mut budget = Budget::DEFAULT;
    holds_within(&Txns::parse(history)?, model, &mut budget)
}

/// Whether `model` holds for the parsed `txns`, spending from `budget`.
pub fn holds_within(txns: &Txns, model: Model, budget: &mut Budget) -> Result<bool, RefError> {
    Ok(match model {
        Model::ReadUncommitted => adya::levels(txns, budget)?.read_uncommitted,
        Model::ReadCommitted => adya::levels(txns, budget)?.read_committed,
        Model::RepeatableRead => adya::levels(txns, budget)?.repeatable_read,
        Model::ReadAtomic => axiomatic::visibility(txns, false, budget)?,
        Model::Causal => axiomatic::visibility(txns, true, budget)?,
        Model::SnapshotIsolation => snapshot::snapshot_isolated(txns, false, budget)?,
        Model::StrongSnapshotIsolation => snapshot::snapshot_isolated(txns, true, budget)?,
        Model::Serializable => serial::serializable(txns, false, budget)?,
        Model::StrictSerializable => serial::serializable(txns, true, budget)?,
    })
}

/// Every model that holds for `history`, in [`Model::ALL`] order.
pub fn models_that_hold(history: &History) -> Result<Vec<Model>, RefError> {
    let txns = Txns::parse(history)?;
    let mut budget = Budget::DEFAULT;
    let levels = adya::levels(&txns, &mut budget)?;
    let mut holding = Vec::new();
    for model in Model::ALL {
        let yes = match model {
            Model::ReadUncommitted => levels.read_uncommitted,
            Model::ReadCommitted => levels.read_committed,
            Model::RepeatableRead => levels.repeatable_read,
            _ => holds_within(&txns, model, &mut budget)?,
        };
        if yes {
            holding.push(model);
        }
    }
    Ok(holding)
}

/// Adya's levels (PL-1, PL-2, PL-2.99, PL-3) by version orders and the DSG.
pub fn adya_levels(history: &History) -> Result<Levels, RefError> {
    let mut budget = Budget::DEFAULT;
    Ok(adya::levels(&Txns::parse(history)?, &mut budget)?)
}

/// Serializability the other way: PL-3 (no G1, no cycle in the DSG of some interpretation).
pub fn serializable_by_dsg(history: &History) -> Result<bool, RefError> {
    Ok(adya_levels(history)?.serializable)
}
