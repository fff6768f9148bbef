//! The first completion of a key's history that cannot be linearized.
//!
//! Cut a history just after an event at position `p`: operations invoked later are dropped and
//! operations still in flight at `p` become indefinite. Whether that prefix is linearizable is
//! monotone in `p` (once every configuration has died, none comes back: Lowe's just-in-time
//! view), so the first failing completion is found with O(log n) runs of the engine by binary
//! search. The verdict's search already knows a linearizable prefix (the furthest its
//! configurations got), where the failure usually is: galloping up from there takes one run in
//! most of Porcupine's corpus. The prefix just before the failure is the longest linearizable
//! prefix; the search's linearization of it is returned too.

use crate::checker::budget::Budget;
use crate::checker::linearizable::{self, search};
use crate::checker::spec::{Entry, Spec};
use crate::checker::Verdict;
use crate::history::NEVER;

/// Where a key's history first fails.
pub struct Failure {
    /// Index (into the entries given) of the operation that cannot be linearized.
    pub failing: usize,
    /// A linearization of the prefix before its completion (indices into the entries given),
    /// empty if the search for it ran out of time.
    pub prefix: Vec<usize>,
    /// The [`blockers`](linearizable::KeyOutcome::blockers) of the check that showed the
    /// prefix through the failing completion not linearizable (indices into the entries given;
    /// empty if no check was needed): a head start for shrinking.
    pub blockers: Vec<usize>,
}

/// The prefix up to and including position `cut`, with operations in flight made indefinite.
fn prefix<O: Clone>(entries: &[Entry<O>], cut: u64) -> Vec<Entry<O>> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.call <= cut)
        .map(|(i, e)| {
            let mut e = Entry {
                origin: i,
                ..e.clone()
            };
            if e.ret > cut {
                e.optional = true;
                e.ret = NEVER;
            }
            e
        })
        .collect()
}

/// Finds the first failing completion of `entries` (which must not be linearizable), or `None`
/// if the budget runs out first.
///
/// `reached`, when given, is a position where a partial linearization of the whole history
/// got stuck (the verdict search's [`SearchResult::reached`](search::SearchResult)): the
/// history cut just before it is linearizable, so the search gallops up from it, and usually
/// finds the failure right there, in two runs of the engine instead of O(log n). Should the
/// hint be wrong, the linearization of the prefix before the failure does not exist, and the
/// plain binary search runs instead.
pub fn first_failure<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    reached: Option<u64>,
    budget: &Budget,
) -> Option<Failure> {
    let mut completions: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.optional)
        .map(|(i, e)| (e.ret, i))
        .collect();
    completions.sort_unstable();
    // The blockers of the latest failing check: the bisection only lowers `hi` on a failure, so
    // they are those of the final `hi`.
    let mut blockers = Vec::new();
    let mut fails = |cut: u64| -> Option<bool> {
        let cut_entries = spec.simplify(prefix(entries, cut));
        let outcome = linearizable::check(spec, &cut_entries, true, budget);
        match outcome.verdict {
            Verdict::Invalid => {
                blockers = outcome
                    .blockers
                    .iter()
                    .map(|&i| cut_entries[i].origin)
                    .collect();
                Some(true)
            }
            Verdict::Valid => Some(false),
            Verdict::Unknown => None,
        }
    };
    // Invariant: the prefix through completions[lo - 1] is linearizable (or lo = 0) and the one
    // through completions[hi] is not.
    let (mut lo, mut hi) = (0usize, completions.len().checked_sub(1)?);
    if let Some(reached) = reached {
        lo = completions
            .partition_point(|&(ret, _)| ret < reached)
            .min(hi);
        // Gallop up from the hint: probes at lo, lo + 1, lo + 3, lo + 7, ...
        let mut step = 1;
        while lo < hi {
            budget.check().ok()?;
            let probe = (lo + step - 1).min(hi);
            if fails(completions[probe].0)? {
                hi = probe;
                break;
            }
            lo = probe + 1;
            step *= 2;
        }
    }
    while lo < hi {
        budget.check().ok()?;
        let mid = lo + (hi - lo) / 2;
        if fails(completions[mid].0)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    budget.check().ok()?;
    let (position, failing) = completions[hi];
    let before = spec.simplify(prefix(entries, position - 1));
    let order = match search::search(spec, &before, budget).outcome {
        search::SearchOutcome::Linearizable(order) => {
            order.into_iter().map(|i| before[i].origin).collect()
        }
        // The hint was wrong (it never should be): no linearizable prefix ends here.
        search::SearchOutcome::NotLinearizable if reached.is_some() => {
            return first_failure(spec, entries, None, budget);
        }
        _ => Vec::new(),
    };
    Some(Failure {
        failing,
        prefix: order,
        blockers,
    })
}
