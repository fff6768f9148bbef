//! Version orders and the data dependencies (ww, wr, rw edges) they imply, per workload.
//!
//! - `infer/list_append.rs`: each key's trace (the longest read) *is* its version order; an
//!   append no read shows comes after the whole trace.
//! - `infer/rw_register.rs`: registers hide their history, so the order is inferred from the
//!   initial `nil`, from the order of micro-ops inside each transaction, and (opt-in) from
//!   process or real-time order per key.
//!
//! Both produce [`DataEdge`]s between transactions (graph vertices are transaction numbers;
//! `fail`ed transactions never get an edge) and say whether the inferred orders are *total*: if
//! they are, the dependency graph is the history's one and only one, and the cycle verdicts are
//! exact rather than "none found under the inferred orders".

pub mod list_append;
pub mod rw_register;

use crate::history::Outcome;

use super::txn::TxnHistory;

/// Write-write dependency: `b` overwrote `a`'s version.
pub const WW: u8 = 1;
/// Write-read dependency: `b` read `a`'s version.
pub const WR: u8 = 2;
/// Read-write anti-dependency: `b` overwrote the version `a` read.
pub const RW: u8 = 4;
/// Process order: same process, `a` completed before `b` was invoked.
pub const PROCESS: u8 = 8;
/// Real-time order: `a` completed before `b` was invoked.
pub const REALTIME: u8 = 16;

/// The name of one edge kind.
pub fn kind_name(kind: u8) -> &'static str {
    match kind {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        PROCESS => "process",
        REALTIME => "realtime",
        _ => "?",
    }
}

/// A dependency between two transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataEdge {
    /// The earlier transaction.
    pub from: u32,
    /// The later transaction.
    pub to: u32,
    /// One of [`WW`], [`WR`], [`RW`].
    pub kind: u8,
}

/// Whether transaction `t` is a vertex of the dependency graph (it may have happened).
pub fn is_vertex(history: &TxnHistory, t: u32) -> bool {
    history
        .txns
        .get(t as usize)
        .is_some_and(|txn| txn.outcome != Outcome::Fail)
}

/// Adds `from → to` unless it is a self-edge or either end is not a vertex.
pub fn push_edge(history: &TxnHistory, edges: &mut Vec<DataEdge>, from: u32, to: u32, kind: u8) {
    if from != to && is_vertex(history, from) && is_vertex(history, to) {
        edges.push(DataEdge { from, to, kind });
    }
}

/// How far the inferred version orders go.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OrderCoverage {
    /// Every key's versions (of transactions that may have committed) are totally ordered.
    pub total: bool,
    /// Why not, one reason per key, capped (see [`MAX_REASONS`]).
    pub gaps: Vec<String>,
    /// Keys whose orders are not total.
    pub partial_keys: usize,
}

/// Most reasons an [`OrderCoverage`] lists.
pub const MAX_REASONS: usize = 5;

impl OrderCoverage {
    /// Records that a key's order is not total.
    pub fn gap(&mut self, reason: impl FnOnce() -> String) {
        self.total = false;
        self.partial_keys += 1;
        if self.gaps.len() < MAX_REASONS {
            self.gaps.push(reason());
        }
    }
}
