//! [`Witness`]: why a key's history is not linearizable.
//!
//! A witness gives, for one key:
//! - the operation that cannot be linearized: the first completion no configuration survives;
//! - a linearization of everything before it (the longest linearizable prefix), with the state
//!   after each step;
//! - the candidate states at that point;
//! - a minimal failing sub-history (`shrink.rs`).
//!
//! The failure point comes from the breadth-first walk (`linearizable::frontier`) over the
//! whole key; when that walk grows too large it is taken from the minimal sub-history instead,
//! and [`Witness::scope`] says so. Rendering as text is in `text.rs`.

mod shrink;
mod text;

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use super::budget::Budget;
use super::linearizable::frontier::{self, Config, FailurePoint};
use super::spec::{Entry, Spec, Violation};
use crate::history::{Op, NEVER};

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
    /// The minimal failing sub-history (the whole history's frontier was too large).
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
    /// What `op`, `prefix` and `candidates` were computed over.
    pub scope: Scope,
    /// A linearization of the operations before `op`'s completion, with the state after each.
    pub prefix: Vec<Step>,
    /// States the object could be in just before `op` completed (at most 16 listed).
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
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let walk_budget = Budget::new(Some(remaining()), None);
    let failure = frontier::failure_point(spec, entries, FRONTIER_CAP, &walk_budget)
        .ok()
        .flatten()
        .map(|fp| (fp, entries));

    // The prefix up to the failing completion is itself not linearizable (operations still in
    // flight there become indefinite): shrink within it.
    let cut = failure.as_ref().map(|(fp, e)| e[fp.failing].ret);
    let prefix: Vec<Entry<S::Op>> = raw
        .iter()
        .filter(|e| cut.is_none_or(|cut| e.call < cut))
        .map(|e| match cut {
            Some(cut) if e.ret > cut => Entry {
                optional: true,
                ret: NEVER,
                ..e.clone()
            },
            _ => e.clone(),
        })
        .collect();
    let by_origin: HashMap<usize, usize> = prefix
        .iter()
        .enumerate()
        .map(|(i, e)| (e.origin, i))
        .collect();
    let seed: Option<Vec<usize>> = violation.and_then(|v| {
        v.entries
            .iter()
            .map(|&i| by_origin.get(&entries[i].origin).copied())
            .collect()
    });
    let shrunk = shrink::shrink(spec, &prefix, seed, deadline);
    let minimal_entries: Vec<Entry<S::Op>> =
        shrunk.core.iter().map(|&i| prefix[i].clone()).collect();

    let (failure, scope) = match failure {
        Some((fp, e)) => (Some((fp, e.to_vec())), Scope::History),
        None => {
            let budget = Budget::new(Some(remaining()), None);
            let fp = frontier::failure_point(spec, &minimal_entries, FRONTIER_CAP, &budget)
                .ok()
                .flatten();
            (
                fp.map(|fp| (fp, minimal_entries.clone())),
                Scope::MinimalSubHistory,
            )
        }
    };
    let minimal: Vec<Op> = minimal_entries
        .iter()
        .map(|e| ops[e.origin].clone())
        .collect();
    let reason = violation.map(|v| v.reason.clone());
    match failure {
        Some((fp, e)) => explain(spec, ops, &e, fp, minimal, shrunk.proven, scope, reason),
        None => Witness {
            // Only reachable if the walk was cut short: name the first operation of the
            // minimal sub-history.
            op: minimal
                .first()
                .cloned()
                .unwrap_or_else(|| ops[entries[0].origin].clone()),
            reason,
            minimal,
            minimal_proven: shrunk.proven,
            scope,
            prefix: Vec::new(),
            candidates: Vec::new(),
            candidates_total: 0,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn explain<S: Spec>(
    spec: &S,
    ops: &[Op],
    entries: &[Entry<S::Op>],
    fp: FailurePoint<S::State>,
    minimal: Vec<Op>,
    minimal_proven: bool,
    scope: Scope,
    reason: Option<String>,
) -> Witness {
    let failing_ret = entries[fp.failing].ret;
    let replay = |config: &Config<S::State>| -> Vec<Step> {
        let mut state = spec.init();
        config
            .order
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
    };
    // Prefer the configuration that linearized the most operations as the prefix shown.
    let longest = fp.candidates.iter().max_by_key(|c| c.order.len());
    let prefix = longest.map(replay).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    let mut candidates = Vec::new();
    for config in &fp.candidates {
        if !seen.insert(config.state.clone()) {
            continue;
        }
        if candidates.len() < CANDIDATES_SHOWN {
            candidates.push(Candidate {
                state: spec.describe_state(&config.state),
                applied: config
                    .order
                    .iter()
                    .filter(|&&i| entries[i].ret > failing_ret)
                    .map(|&i| ops[entries[i].origin].clone())
                    .collect(),
            });
        }
    }
    Witness {
        op: ops[entries[fp.failing].origin].clone(),
        reason,
        minimal,
        minimal_proven,
        scope,
        prefix,
        candidates,
        candidates_total: seen.len(),
    }
}
