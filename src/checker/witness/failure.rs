//! The first completion of a key's history that cannot be linearized, by binary search.
//!
//! Cut a history just after an event at position `p`: operations invoked later are dropped and
//! operations still in flight at `p` become indefinite. Whether that prefix is linearizable is
//! monotone in `p` (once every configuration has died, none comes back: Lowe's just-in-time
//! view), so the first failing completion is found with O(log n) runs of the engine. The prefix
//! just before it is the longest linearizable prefix; the search's linearization of it is
//! returned too.

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
pub fn first_failure<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    budget: &Budget,
) -> Option<Failure> {
    let mut completions: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.optional)
        .map(|(i, e)| (e.ret, i))
        .collect();
    completions.sort_unstable();
    let fails = |cut: u64| -> Option<bool> {
        let cut_entries = spec.simplify(prefix(entries, cut));
        match linearizable::check(spec, &cut_entries, true, budget).verdict {
            Verdict::Invalid => Some(true),
            Verdict::Valid => Some(false),
            Verdict::Unknown => None,
        }
    };
    // Invariant: the prefix through completions[lo - 1] is linearizable (or lo = 0) and the one
    // through completions[hi] is not.
    let (mut lo, mut hi) = (0usize, completions.len().checked_sub(1)?);
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
    let before = prefix(entries, position - 1);
    let order = match search::search(spec, &before, budget).outcome {
        search::SearchOutcome::Linearizable(order) => {
            order.into_iter().map(|i| before[i].origin).collect()
        }
        _ => Vec::new(),
    };
    Some(Failure {
        failing,
        prefix: order,
    })
}
