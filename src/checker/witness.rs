//! [`Witness`]: why a key's history is not linearizable.
//!
//! A witness gives, for one key:
//! - the operation that cannot be linearized: the first completion no linearization survives
//!   (`failure.rs`, a binary search over prefixes with the engine itself);
//! - a linearization of everything before it (the longest linearizable prefix), with the state
//!   after each step;
//! - a minimal failing sub-history (`shrink.rs`);
//! - the candidate states where that sub-history fails (the breadth-first walk of
//!   `linearizable::frontier`, affordable because the sub-history is small).
//!
//! Everything is computed against a deadline; what could not be computed in time falls back to
//! the minimal sub-history, and [`Witness::scope`] says which. Rendering as text is in
//! `text.rs`.

mod failure;
mod shrink;
mod text;

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use super::budget::Budget;
use super::linearizable::frontier::{self, FailurePoint};
use super::spec::{Entry, Spec, Violation};
use crate::history::Op;

/// Most configurations the failure-point walk keeps.
const FRONTIER_CAP: usize = 20_000;
/// Most candidate states a witness lists.
const CANDIDATES_SHOWN: usize = 16;

/// What the failure point and prefix were computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The key's whole history.
    History,
    /// The minimal failing sub-history (the whole history took too long).
    MinimalSubHistory,
}

/// One step of a linearization.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// The state after it.
    pub state: String,
}

/// A state the object could be in at the failure point.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// The state.
    pub state: String,
    /// Operations still in flight (or indefinite) at the failure point that had already taken
    /// effect to reach this state.
    pub applied: Vec<Op>,
}

/// Why a key's history is not linearizable.
#[derive(Clone, Debug, Serialize)]
pub struct Witness {
    /// The operation that cannot be linearized.
    pub op: Op,
    /// One sentence, when a precheck or polynomial path named the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A sub-history that is not linearizable on its own, even when every other operation of the
    /// history may have taken effect at any time after its invocation (or not at all).
    pub minimal: Vec<Op>,
    /// Whether removing any one operation of `minimal` was shown to make it linearizable.
    pub minimal_proven: bool,
    /// What `op` and `prefix` were computed over: the key's whole history, or (when that ran
    /// out of time) the minimal sub-history.
    pub scope: Scope,
    /// A linearization of the operations before `op`'s completion, with the state after each.
    pub prefix: Vec<Step>,
    /// States the object could be in, within the minimal sub-history, just before its failing
    /// operation completed (at most 16 listed).
    pub candidates: Vec<Candidate>,
    /// How many distinct candidate states there were.
    pub candidates_total: usize,
}

/// Builds the witness for one key.
///
/// `raw` are the key's lifted entries before simplification, `entries` after (the ones the
/// verdict was computed on), `violation` indexes into `entries`. Works until `deadline`.
pub(crate) fn build<S: Spec>(
    spec: &S,
    ops: &[Op],
    raw: &[Entry<S::Op>],
    entries: &[Entry<S::Op>],
    violation: Option<&Violation>,
    deadline: Instant,
) -> Witness {
    let budget = || {
        Budget::new(
            Some(deadline.saturating_duration_since(Instant::now())),
            None,
        )
    };
    let by_origin: HashMap<usize, usize> =
        raw.iter().enumerate().map(|(i, e)| (e.origin, i)).collect();
    let seed: Option<Vec<usize>> = violation.and_then(|v| {
        v.entries
            .iter()
            .map(|&i| by_origin.get(&entries[i].origin).copied())
            .collect()
    });
    // With a seed, shrinking is cheap; without one, find the failure first and shrink only the
    // prefix up to it (which is itself not linearizable).
    let mut failure = None;
    let shrunk = match seed {
        Some(seed) => shrink::shrink(spec, raw, Some(seed), deadline),
        None => {
            failure = failure::first_failure(spec, entries, &budget());
            let cut = failure.as_ref().map(|f| entries[f.failing].ret);
            let domain: Vec<usize> = (0..raw.len())
                .filter(|&i| cut.is_none_or(|cut| raw[i].call < cut))
                .collect();
            let sub: Vec<Entry<S::Op>> = domain
                .iter()
                .map(|&i| {
                    let mut e = raw[i].clone();
                    if cut.is_some_and(|cut| e.ret > cut) {
                        e.optional = true;
                        e.ret = crate::history::NEVER;
                    }
                    e
                })
                .collect();
            let mut shrunk = shrink::shrink(spec, &sub, None, deadline);
            shrunk.core = shrunk.core.iter().map(|&i| domain[i]).collect();
            shrunk
        }
    };
    if failure.is_none() && deadline > Instant::now() {
        failure = failure::first_failure(spec, entries, &budget());
    }
    let minimal_entries: Vec<Entry<S::Op>> = shrunk.core.iter().map(|&i| raw[i].clone()).collect();
    let minimal: Vec<Op> = minimal_entries
        .iter()
        .map(|e| ops[e.origin].clone())
        .collect();
    let walk = frontier::failure_point(spec, &minimal_entries, FRONTIER_CAP, &budget())
        .ok()
        .flatten();
    let mut witness = Witness {
        op: minimal
            .last()
            .cloned()
            .unwrap_or_else(|| ops[entries[0].origin].clone()),
        reason: violation.map(|v| v.reason.clone()),
        minimal,
        minimal_proven: shrunk.proven,
        scope: Scope::MinimalSubHistory,
        prefix: Vec::new(),
        candidates: Vec::new(),
        candidates_total: 0,
    };
    if let Some(fp) = walk {
        explain(spec, ops, &minimal_entries, fp, &mut witness);
    }
    if let Some(failure) = failure {
        witness.scope = Scope::History;
        witness.op = ops[entries[failure.failing].origin].clone();
        witness.prefix = steps(spec, ops, entries, &failure.prefix);
    }
    witness
}

/// Replays `order` (indices into `entries`), recording the state after each step.
fn steps<S: Spec>(spec: &S, ops: &[Op], entries: &[Entry<S::Op>], order: &[usize]) -> Vec<Step> {
    let mut state = spec.init();
    order
        .iter()
        .map(|&i| {
            state = spec
                .step(&state, &entries[i].op)
                .unwrap_or_else(|| state.clone());
            Step {
                op: ops[entries[i].origin].clone(),
                state: spec.describe_state(&state),
            }
        })
        .collect()
}

/// Fills the failing operation, prefix and candidates from the walk over the minimal
/// sub-history.
fn explain<S: Spec>(
    spec: &S,
    ops: &[Op],
    entries: &[Entry<S::Op>],
    fp: FailurePoint<S::State>,
    witness: &mut Witness,
) {
    let failing_ret = entries[fp.failing].ret;
    witness.op = ops[entries[fp.failing].origin].clone();
    if let Some(longest) = fp.candidates.iter().max_by_key(|c| c.order.len()) {
        witness.prefix = steps(spec, ops, entries, &longest.order);
    }
    let mut seen = std::collections::HashSet::new();
    for config in &fp.candidates {
        if !seen.insert(config.state.clone()) || witness.candidates.len() >= CANDIDATES_SHOWN {
            continue;
        }
        witness.candidates.push(Candidate {
            state: spec.describe_state(&config.state),
            applied: config
                .order
                .iter()
                .filter(|&&i| entries[i].ret > failing_ret)
                .map(|&i| ops[entries[i].origin].clone())
                .collect(),
        });
    }
    witness.candidates_total = seen.len();
}
