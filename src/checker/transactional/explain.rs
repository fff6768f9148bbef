//! Explaining cycles: each edge of a cycle found, justified from the analysis (which key, which
//! versions, which read shows the order) and said in words.
//!
//! Map:
//! - here: [`Analysis`] (what the justifications are looked up in) and [`cycle_case`];
//! - `explain/steps.rs`: finding the justification of one edge, per workload;
//! - `explain/text.rs`: the sentences, and the text rendering of every kind of case.
//!
//! Transactions in a cycle are named T1, T2, ... in cycle order; the report's `txns` map says
//! which history lines each one is.

mod steps;
pub mod text;

use hashbrown::HashMap;

use super::anomaly::Anomaly;
use super::case::{CycleCase, Step};
use super::cycles::classify::RawCycle;
use super::extract::Writes;
use super::infer::list_append::ListAppendOrder;
use super::infer::rw_register::{Access, RegisterOrder, Source};
use super::txn::TxnHistory;
use crate::checker::CheckError;

/// What edges are justified from.
pub enum Analysis<'a> {
    /// A list-append history.
    ListAppend {
        /// The version orders.
        order: &'a ListAppendOrder,
        /// The write index.
        writes: &'a Writes,
        /// Per key, a committed read that returned the whole trace: (transaction, micro-op).
        longest: Vec<Option<(u32, usize)>>,
    },
    /// An rw-register history.
    RwRegister {
        /// The version graph.
        order: &'a RegisterOrder,
        /// Writers and readers per version.
        access: &'a Access,
        /// Version edges (with `nil` roots) and their sources.
        edges: HashMap<(u32, u32), Source>,
    },
}

impl<'a> Analysis<'a> {
    /// The analysis of a list-append history.
    pub fn list_append(
        history: &TxnHistory,
        order: &'a ListAppendOrder,
        writes: &'a Writes,
    ) -> Analysis<'a> {
        Analysis::ListAppend {
            order,
            writes,
            longest: steps::longest_readers(history),
        }
    }

    /// The analysis of an rw-register history.
    pub fn rw_register(order: &'a RegisterOrder, access: &'a Access) -> Analysis<'a> {
        let edges = super::infer::rw_register::version_edges(order)
            .into_iter()
            .map(|(a, b, s)| ((a, b), s))
            .collect();
        Analysis::RwRegister {
            order,
            access,
            edges,
        }
    }
}

/// The explained form of a cycle found by the search.
pub fn cycle_case(
    history: &TxnHistory,
    analysis: &Analysis<'_>,
    anomaly: Anomaly,
    raw: &RawCycle,
) -> Result<CycleCase, CheckError> {
    let n = raw.txns.len();
    let names: Vec<String> = (1..=n).map(|i| format!("T{i}")).collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (raw.txns[i], raw.txns[(i + 1) % n]);
        let kind = raw.kinds[i];
        let Some(mut step) = steps::justify(history, analysis, a, b, kind) else {
            return Err(CheckError::Harness(format!(
                "the {anomaly} cycle found has an edge {} from transaction {a} to {b} that no \
                 micro-op explains",
                super::infer::kind_name(kind)
            )));
        };
        step.explanation = text::step_sentence(history, &step, &names[i], &names[(i + 1) % n]);
        out.push(step);
    }
    Ok(CycleCase {
        anomaly,
        txns: raw.txns.clone(),
        steps: out,
    })
}

/// A step with its explanation still to be written.
fn step(kind: &'static str, from: u32, to: u32) -> Step {
    Step {
        kind,
        from,
        to,
        key: None,
        value: None,
        value2: None,
        a_mop_index: None,
        b_mop_index: None,
        evidence: None,
        explanation: String::new(),
    }
}
