//! Read committed, read atomic and causal consistency decided completely: sound and complete
//! for Biswas and Enea's axiomatic definitions ("On the complexity of checking transactional
//! consistency", OOPSLA 2019) on histories whose writes are unique, by AWDIT's saturation
//! (Møldrup and Pavlogiannis, PLDI 2025).
//!
//! A history satisfies a level iff some total commit order contains session order and
//! write-read and obeys the level's axiom; the axioms' premises do not mention the commit
//! order, so the orders they force can be computed first ("saturation") and the level holds
//! iff those, with session order and write-read, are acyclic. The cycle checker (Elle) infers
//! version orders and searches named cycles; this module answers yes or no exactly, with one
//! witness.
//!
//! Map, in reading order:
//! - `view.rs`: the history in Biswas–Enea form (sessions, write-read from unique values, write
//!   sets; the version order list reads reveal), and the read-consistency violations that
//!   rule out every level (thin-air, aborted, future, intermediate, own-write reads);
//! - `read_committed.rs`, `read_atomic.rs`, `causal.rs`: the edges each level forces;
//! - `graph.rs`: the acyclicity test and a shortest cycle;
//! - `pattern.rs`: the names of violations, and bad reads;
//! - `witness.rs`: the violation's pattern and its explanation in words.
//!
//! list-append histories are read with list semantics: an append writes a new version, a read
//! reads from the appender of its last element (the initial state when empty), and the
//! commit order must also follow the order of appends the reads show.

mod causal;
mod graph;
mod pattern;
mod read_atomic;
mod read_committed;
mod view;
mod witness;

use std::time::{Duration, Instant};

use serde::Serialize;

pub use pattern::Pattern;

use super::extract::Writes;
use super::models::ConsistencyModel;
use super::txn::TxnHistory;
use super::TxnId;
use crate::checker::Verdict;

/// A level decided completely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Read committed: a transaction never reads a key from a writer older than one it has
    /// already read from.
    ReadCommitted,
    /// Read atomic: a transaction sees all or none of another's writes (and its own session's).
    ReadAtomic,
    /// Causal consistency: a transaction sees every write that happens before it.
    Causal,
}

impl Level {
    /// Every level, weakest first.
    pub const ALL: [Level; 3] = [Level::ReadCommitted, Level::ReadAtomic, Level::Causal];

    /// The name (as a consistency model).
    pub fn name(self) -> &'static str {
        match self {
            Level::ReadCommitted => "read-committed",
            Level::ReadAtomic => "read-atomic",
            Level::Causal => "causal",
        }
    }

    /// The level a consistency model is decided at, for the models this module decides
    /// (`causal-cerone` is Cerone et al.'s causal consistency, the same axioms).
    pub fn of(model: ConsistencyModel) -> Option<Level> {
        Some(match model {
            ConsistencyModel::ReadCommitted => Level::ReadCommitted,
            ConsistencyModel::ReadAtomic => Level::ReadAtomic,
            ConsistencyModel::Causal | ConsistencyModel::CausalCerone => Level::Causal,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The answer for one level.
#[derive(Clone, Debug, Serialize)]
pub struct IsolationResult {
    /// The level.
    pub level: Level,
    /// `valid` (a commit order exists), `invalid` (none does), `unknown` (a limit was hit).
    pub verdict: Verdict,
    /// For `invalid`: the pattern of the witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// For `invalid`: the transactions the witness names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub txns: Vec<TxnId>,
    /// For `invalid`: the witness in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
    /// For `unknown`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Commit-order edges the level forced (after thinning).
    pub forced_edges: usize,
    /// Time taken.
    #[serde(serialize_with = "crate::checker::transactional::report::seconds")]
    pub elapsed: Duration,
}

/// Decides `level` for a history's transactions; `deadline` makes the answer `unknown` when
/// passed.
pub fn check(
    history: &TxnHistory,
    writes: &Writes,
    level: Level,
    deadline: Option<Instant>,
) -> IsolationResult {
    let start = Instant::now();
    let mut result = IsolationResult {
        level,
        verdict: Verdict::Valid,
        pattern: None,
        txns: Vec::new(),
        explanation: Vec::new(),
        reason: None,
        forced_edges: 0,
        elapsed: Duration::ZERO,
    };
    match decide(history, writes, level, deadline) {
        Ok((_, None, edges)) => result.forced_edges = edges,
        Ok((view, Some(v), edges)) => {
            result.verdict = Verdict::Invalid;
            result.pattern = Some(v.pattern);
            result.txns = v.txns();
            result.explanation = witness::lines(history, &view, &v);
            result.forced_edges = edges;
        }
        Err(reason) => {
            result.verdict = Verdict::Unknown;
            result.reason = Some(reason);
        }
    }
    result.elapsed = start.elapsed();
    result
}

type Decision = (view::View, Option<witness::Violation>, usize);

fn decide(
    history: &TxnHistory,
    writes: &Writes,
    level: Level,
    deadline: Option<Instant>,
) -> Result<Decision, String> {
    let view = match view::build(history, writes) {
        Ok(v) => v,
        Err(bad) => {
            return Ok((
                view::View::default(),
                Some(witness::Violation::read(bad)),
                0,
            ))
        }
    };
    if level != Level::ReadCommitted {
        // A non-repeatable read is a cycle of two forced edges by itself: decided before
        // saturating (on histories generated at read committed, most of the work saved).
        if let Some(cycle) = read_atomic::non_repeatable(&view) {
            let found = witness::Violation::cycle(&view, cycle);
            return Ok((view, Some(found), 2));
        }
    }
    let mut edges = Vec::new();
    graph::base_edges(&view, &mut edges);
    let base = edges.len();
    match level {
        Level::ReadCommitted => read_committed::edges(&view, &mut edges),
        Level::ReadAtomic => read_atomic::edges(&view, &mut edges),
        Level::Causal => match causal::edges(&view, &mut edges, deadline) {
            Ok(()) => {}
            Err(causal::Stop::Deadline) => return Err("time limit reached".to_string()),
            Err(causal::Stop::Cyclic) => edges.truncate(base),
        },
    }
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Err("time limit reached".to_string());
    }
    let forced = edges.len() - base;
    let found = graph::find_cycle(&view, &edges).map(|c| witness::Violation::cycle(&view, c));
    Ok((view, found, forced))
}
