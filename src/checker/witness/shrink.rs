//! Shrinking: a minimal core of operations that still cannot be linearized.
//!
//! Deleting a write from a history can invent a violation (its reads become reads of nothing),
//! so shrinking never deletes an effect: an operation dropped from the core is *weakened*
//! instead. A read-only one is dropped (fewer observations, fewer constraints); one with an
//! effect becomes indefinite: it may have happened at any time after its invocation, or not at
//! all. A weakened history admits every linearization the original did, so if it is still not
//! linearizable the core's violation is genuine. The core alone is then not linearizable either
//! (it has fewer possibilities still), so it can be checked on its own.
//!
//! The search over cores is delta debugging (Zeller & Hildebrandt, "Simplifying and Isolating
//! Failure-Inducing Input", TSE 2002), which ends 1-minimal: weakening any single remaining
//! operation makes the history linearizable.

use hashbrown::HashSet;
use std::time::Instant;

use crate::checker::budget::Budget;
use crate::checker::linearizable;
use crate::checker::spec::{Entry, Spec};
use crate::checker::Verdict;
use crate::history::NEVER;

/// The result of shrinking.
pub struct Shrunk {
    /// Indices of the core's entries, in invocation order.
    pub core: Vec<usize>,
    /// Indices of the other entries the final check kept (weakened: they may have happened at
    /// any time after their invocation, or not at all), in invocation order.
    pub context: Vec<usize>,
    /// Whether the core was shown 1-minimal (false if time ran out).
    pub proven: bool,
}

/// Shrinks `entries` (not linearizable, sorted by invocation) to a minimal core, starting from
/// `seed` when it is itself a failing core. Gives up improving at `deadline`.
pub fn shrink<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    seed: Option<Vec<usize>>,
    deadline: Instant,
) -> Shrunk {
    let all: Vec<usize> = (0..entries.len()).collect();
    let mut oracle = Oracle {
        spec,
        entries,
        domain: all.clone(),
        deadline,
    };
    let mut core = all;
    if let Some(mut seed) = seed {
        seed.sort_unstable();
        seed.dedup();
        if oracle.fails(&seed) == Some(true) {
            core = seed;
        }
    }
    // Narrow the domain to what the core's check keeps after simplification; smaller cores
    // observe less, so they would keep no more (`Spec::simplify` is monotone).
    oracle.domain = oracle.relevant(&core);
    let proven = ddmin(&mut oracle, &mut core);
    let in_core: HashSet<usize> = core.iter().copied().collect();
    let context = oracle
        .history(&core)
        .iter()
        .map(|e| e.origin)
        .filter(|i| !in_core.contains(i))
        .collect();
    Shrunk {
        core,
        context,
        proven,
    }
}

struct Oracle<'a, S: Spec> {
    spec: &'a S,
    entries: &'a [Entry<S::Op>],
    /// Entries that take part in checks (a superset of every core tried).
    domain: Vec<usize>,
    deadline: Instant,
}

impl<S: Spec> Oracle<'_, S> {
    /// The core plus the weakened rest of the domain, simplified.
    fn history(&self, core: &[usize]) -> Vec<Entry<S::Op>> {
        let core: HashSet<usize> = core.iter().copied().collect();
        let mut out = Vec::with_capacity(self.domain.len());
        for &i in &self.domain {
            let e = &self.entries[i];
            if core.contains(&i) || e.optional {
                out.push(Entry {
                    origin: i,
                    ..e.clone()
                });
            } else if !self.spec.is_read_only(&e.op) {
                out.push(Entry {
                    origin: i,
                    optional: true,
                    ret: NEVER,
                    ..e.clone()
                });
            }
        }
        self.spec.simplify(out)
    }

    fn relevant(&self, core: &[usize]) -> Vec<usize> {
        let mut keep: Vec<usize> = self.history(core).iter().map(|e| e.origin).collect();
        keep.extend_from_slice(core);
        keep.sort_unstable();
        keep.dedup();
        keep
    }

    /// Whether the core (with the rest weakened) is still not linearizable; `None` when out of
    /// time.
    fn fails(&mut self, core: &[usize]) -> Option<bool> {
        let remaining = self.deadline.checked_duration_since(Instant::now())?;
        let budget = Budget::new(Some(remaining), None);
        let history = self.history(core);
        match linearizable::check(self.spec, &history, true, &budget).verdict {
            Verdict::Invalid => Some(true),
            Verdict::Valid => Some(false),
            Verdict::Unknown => None,
        }
    }
}

/// Delta debugging over the core; returns whether it finished (the core is 1-minimal).
fn ddmin<S: Spec>(oracle: &mut Oracle<'_, S>, core: &mut Vec<usize>) -> bool {
    let mut n = 2;
    while core.len() >= 2 {
        let chunk = core.len().div_ceil(n);
        let mut reduced = false;
        let mut start = 0;
        while start < core.len() {
            let end = (start + chunk).min(core.len());
            let candidate: Vec<usize> = core[..start].iter().chain(&core[end..]).copied().collect();
            match oracle.fails(&candidate) {
                None => return false,
                Some(true) => {
                    *core = candidate;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
                Some(false) => start = end,
            }
        }
        if !reduced {
            if n >= core.len() {
                break;
            }
            n = (2 * n).min(core.len());
        }
    }
    true
}
