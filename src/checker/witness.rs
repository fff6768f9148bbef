//! [`Witness`]: why a key's history is not linearizable.
//!
//! A witness gives, for one key:
//! - the operation that cannot be linearized: the first completion no linearization survives
//!   (`failure.rs`: a search over prefixes with the engine itself, starting where the verdict's
//!   search got furthest);
//! - a linearization of everything before it (the longest linearizable prefix), with the state
//!   after each step;
//! - a minimal failing sub-history (`shrink.rs`), of the prefix through that completion;
//! - the candidate states where that sub-history fails (the breadth-first walk of
//!   `linearizable::frontier`, affordable because the sub-history is small).
//!
//! Everything is computed against a deadline; what could not be computed in time falls back to
//! the minimal sub-history, and [`Witness::scope`] says which. Rendering as text is in
//! `text.rs`.

mod failure;
mod shrink;
mod text;

use hashbrown::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::budget::Budget;
use super::linearizable::frontier::{self, FailurePoint};
use super::spec::{Entry, Spec, Violation};
use crate::history::Op;

/// Most configurations the failure-point walk keeps.
const FRONTIER_CAP: usize = 5_000;
/// Time the walk over the minimal sub-history may always take.
const WALK_TIME: Duration = Duration::from_millis(50);
/// Most context operations the walk includes (it grows exponentially with them).
const WALK_CONTEXT: usize = 8;
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
    /// Other operations of the history that `minimal` can only be explained with, as possible
    /// effects (each may have happened at any time after its invocation, or not at all). The
    /// prefix and candidates are computed over `minimal` plus these.
    pub context: Vec<Op>,
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
/// verdict was computed on), `violation` indexes into `entries`. `check_time` is what the check
/// took (a guide to what each run of the engine costs). Works until `deadline`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build<S: Spec>(
    spec: &S,
    ops: &[Op],
    raw: &[Entry<S::Op>],
    entries: &[Entry<S::Op>],
    violation: Option<&Violation>,
    reached: Option<u64>,
    check_time: Duration,
    deadline: Instant,
) -> Witness {
    // Finding the failure in the whole history takes O(log n) runs of the engine: skip it when
    // that cannot fit before the deadline.
    let probes = (entries.len().max(2) as f64).log2().ceil() as u32 + 1;
    let affordable = || Instant::now() + check_time * probes < deadline;
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
    let (core, context, proven) = match seed {
        Some(seed) => {
            let shrunk = shrink::shrink(spec, raw, Some(seed), None, deadline);
            (shrunk.core, shrunk.context, shrunk.proven)
        }
        None => {
            if affordable() {
                failure = failure::first_failure(spec, entries, reached, &budget());
            }
            let cut = failure.as_ref().map(|f| entries[f.failing].ret);
            let domain: Vec<usize> = (0..raw.len())
                .filter(|&i| cut.is_none_or(|cut| raw[i].call < cut))
                .collect();
            let sub: Vec<Entry<S::Op>> = domain
                .iter()
                .map(|&i| match cut {
                    Some(cut) if raw[i].ret > cut => weakened(&raw[i]),
                    _ => raw[i].clone(),
                })
                .collect();
            // The operation that cannot be linearized is in every failing core of the prefix.
            let failing = failure.as_ref().and_then(|f| {
                let i = by_origin.get(&entries[f.failing].origin)?;
                domain.binary_search(i).ok()
            });
            // The failure check's blockers, with the failing operation, usually fail on their
            // own: a seed that spares the search for a window.
            let seed = failure
                .as_ref()
                .filter(|f| !f.blockers.is_empty())
                .map(|f| {
                    f.blockers
                        .iter()
                        .filter_map(|&b| by_origin.get(&entries[b].origin))
                        .filter_map(|i| domain.binary_search(i).ok())
                        .chain(failing)
                        .collect()
                });
            let shrunk = shrink::shrink(spec, &sub, seed, failing, deadline);
            let back = |v: Vec<usize>| v.into_iter().map(|i| domain[i]).collect();
            (back(shrunk.core), back(shrunk.context), shrunk.proven)
        }
    };
    if failure.is_none() && affordable() {
        failure = failure::first_failure(spec, entries, reached, &budget());
    }
    // The core with its weakened context: the history the shrinking last proved invalid.
    let core_entries: Vec<Entry<S::Op>> = core.iter().map(|&i| raw[i].clone()).collect();
    let mut explained: Vec<Entry<S::Op>> = core_entries
        .iter()
        .cloned()
        .chain(context.iter().map(|&i| weakened(&raw[i])))
        .collect();
    explained.sort_by_key(|e| e.call);
    // The explained history is small: give its walk a moment even past the deadline. With many
    // indefinite operations the walk can still blow up; then explain the core alone (which is
    // not linearizable either).
    let small_context = context.len() <= WALK_CONTEXT;
    let histories = [&explained, &core_entries];
    let walk = histories[usize::from(!small_context)..]
        .iter()
        .find_map(|&history| {
            let budget = Budget::new(Some(WALK_TIME), None);
            frontier::failure_point(spec, history, FRONTIER_CAP, &budget)
                .ok()
                .flatten()
                .map(|fp| (fp, history.clone()))
        });
    let minimal: Vec<Op> = core.iter().map(|&i| ops[raw[i].origin].clone()).collect();
    let mut witness = Witness {
        op: minimal
            .last()
            .cloned()
            .unwrap_or_else(|| ops[entries[0].origin].clone()),
        reason: violation.map(|v| v.reason.clone()),
        minimal,
        context: context
            .iter()
            .map(|&i| ops[raw[i].origin].clone())
            .collect(),
        minimal_proven: proven,
        scope: Scope::MinimalSubHistory,
        prefix: Vec::new(),
        candidates: Vec::new(),
        candidates_total: 0,
    };
    if let Some((fp, history)) = walk {
        explain(spec, ops, &history, fp, &mut witness);
    }
    if let Some(failure) = failure {
        witness.scope = Scope::History;
        // A precheck's sentence is about the operation it blamed. When the first completion no
        // linearization survives is another operation (Knossos' bad-analysis.edn: a read of 2
        // fails before the precheck's read of 3, which no one wrote, completes), the sentence
        // would explain the wrong operation: drop it; the minimal sub-history still shows it.
        let blamed = violation
            .and_then(|v| v.entries.first())
            .map(|&i| entries[i].origin);
        if blamed.is_some_and(|origin| origin != entries[failure.failing].origin) {
            witness.reason = None;
        }
        witness.op = ops[entries[failure.failing].origin].clone();
        witness.prefix = steps(spec, ops, entries, &failure.prefix);
    }
    witness
}

/// The entry as an operation that may have happened at any time after its invocation, or not.
fn weakened<O: Clone>(entry: &Entry<O>) -> Entry<O> {
    Entry {
        optional: true,
        ret: crate::history::NEVER,
        ..entry.clone()
    }
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
    let mut seen = hashbrown::HashSet::new();
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
