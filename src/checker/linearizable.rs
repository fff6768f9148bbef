//! The linearizability engine for one key: a portfolio, cheapest first.
//!
//! 1. `Spec::simplify`: drop optional operations that can never matter;
//! 2. nothing required → valid;
//! 3. `Spec::precheck`: O(n) necessary conditions;
//! 4. `Spec::fast_path`: polynomial decisions where the history allows (each spec's own: the
//!    register's zones and version chain are in `spec/register/`);
//! 5. [`search`]: the general search, whose linearization is re-verified step by step
//!    ([`verify`]) before `valid` is reported.
//!
//! Files: `search.rs` (WGL with reductions), `memo.rs` (its exact memo), `transitions.rs`
//! (interned states, cached steps), `frontier.rs` (the breadth-first variant that finds where a
//! history fails, for witnesses).

pub mod frontier;
mod memo;
pub mod search;
mod transitions;

use super::budget::Budget;
use super::spec::{Entry, FastVerdict, Spec, Violation};
use super::{Method, Verdict};
use search::SearchOutcome;

/// What the portfolio found for one key.
#[derive(Clone, Debug)]
pub struct KeyOutcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Which stage decided.
    pub method: Method,
    /// For `unknown`: the limit hit.
    pub reason: Option<String>,
    /// For `invalid` from a precheck or fast path: the entries involved (a head start for the
    /// witness).
    pub violation: Option<Violation>,
    /// Configurations the search explored.
    pub explored: u64,
    /// For `invalid` from the search: where its configurations got furthest
    /// ([`search::SearchResult::reached`]), a head start for the witness.
    pub reached: Option<u64>,
    /// For `invalid`: entries the refutation rests on (indices into the entries checked): the
    /// violation's entries, or the search's [`blockers`](search::SearchResult::blockers). A
    /// guess for shrinking witnesses, not a proof.
    pub blockers: Vec<usize>,
}

impl KeyOutcome {
    fn decided(verdict: Verdict, method: Method) -> Self {
        KeyOutcome {
            verdict,
            method,
            reason: None,
            violation: None,
            explored: 0,
            reached: None,
            blockers: Vec::new(),
        }
    }
}

/// Checks one key's entries (sorted by invocation, already simplified with
/// [`Spec::simplify`]).
pub fn check<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    fast_paths: bool,
    budget: &Budget,
) -> KeyOutcome {
    if entries.iter().all(|e| e.optional) {
        return KeyOutcome::decided(Verdict::Valid, Method::Trivial);
    }
    if let Some(violation) = spec.precheck(entries) {
        return KeyOutcome {
            blockers: violation.entries.clone(),
            violation: Some(violation),
            ..KeyOutcome::decided(Verdict::Invalid, Method::Precheck)
        };
    }
    if fast_paths {
        if let Some(fast) = spec.fast_path(entries) {
            return match fast.verdict {
                FastVerdict::Valid => KeyOutcome::decided(Verdict::Valid, fast.method),
                FastVerdict::Invalid(violation) => KeyOutcome {
                    blockers: violation.entries.clone(),
                    violation: Some(violation),
                    ..KeyOutcome::decided(Verdict::Invalid, fast.method)
                },
            };
        }
    }
    let result = search::search(spec, entries, budget);
    let mut outcome = KeyOutcome::decided(Verdict::Unknown, Method::Search);
    outcome.explored = result.explored;
    match result.outcome {
        SearchOutcome::Linearizable(order) => match verify(spec, entries, &order) {
            Ok(()) => outcome.verdict = Verdict::Valid,
            Err(problem) => {
                // Never report a linearization we cannot replay.
                outcome.reason = Some(format!(
                    "internal error, please report: the search's linearization does not \
                     replay ({problem})"
                ));
            }
        },
        SearchOutcome::NotLinearizable => {
            outcome.verdict = Verdict::Invalid;
            outcome.reached = Some(result.reached);
            outcome.blockers = result.blockers;
        }
        SearchOutcome::Exhausted(e) => outcome.reason = Some(e.to_string()),
    }
    outcome
}

/// Checks a linearization independently of the search: each required entry exactly once, each
/// optional entry at most once, real-time order respected, every step legal.
pub fn verify<S: Spec>(spec: &S, entries: &[Entry<S::Op>], order: &[usize]) -> Result<(), String> {
    let mut seen = vec![false; entries.len()];
    let mut state = spec.init();
    let mut latest_call = None::<(u64, usize)>;
    for &i in order {
        let e = entries.get(i).ok_or("entry out of range")?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("entry {i} linearized twice"));
        }
        if let Some((call, j)) = latest_call {
            if e.ret < call {
                return Err(format!(
                    "entry {i} completed before entry {j}, placed earlier, was invoked"
                ));
            }
        }
        if latest_call.is_none_or(|(call, _)| e.call > call) {
            latest_call = Some((e.call, i));
        }
        state = spec
            .step(&state, &e.op)
            .ok_or_else(|| format!("entry {i} is illegal where it is placed"))?;
    }
    match entries
        .iter()
        .zip(&seen)
        .position(|(e, &s)| !e.optional && !s)
    {
        Some(i) => Err(format!("required entry {i} missing")),
        None => Ok(()),
    }
}
