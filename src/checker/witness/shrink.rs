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
//! The witness seeds the search with the blockers of the check that found the failing
//! completion (see [`narrow`] for why blockers are a good guess); the seed is used only if it
//! fails. Without a seed, the search starts from the shortest failing window of the latest operations
//! ([`latest_window`]: 4, 8, 16, ... of them), since a violation is local in time and small
//! refutations are cheap. The search over cores ([`minimize`]) keeps the operations shown
//! necessary and finds the next one by galloping down and bisecting over the others (reads
//! last): O(log d) checks an operation d places from the end, and cheap checks, since they
//! weaken only late operations.
//! Delta debugging (Zeller & Hildebrandt, TSE 2002), used before, took two to three times the
//! checks and often weakened early operations, which makes the search's refutations expensive.
//! Both end 1-minimal: weakening any single remaining operation makes the history linearizable.

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
/// `seed` when it is itself a failing core. `failing`, when known, is an entry every failing
/// core holds (the operation that cannot be linearized): it is tried first, which takes one
/// check. Gives up improving at `deadline`.
pub fn shrink<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    seed: Option<Vec<usize>>,
    failing: Option<usize>,
    deadline: Instant,
) -> Shrunk {
    let all: Vec<usize> = (0..entries.len()).collect();
    let mut oracle = Oracle {
        spec,
        entries,
        domain: all.clone(),
        deadline,
        blockers: Vec::new(),
    };
    let mut core = all;
    let mut seeded = false;
    if let Some(mut seed) = seed {
        seed.sort_unstable();
        seed.dedup();
        if oracle.fails(&seed) == Some(true) {
            core = seed;
            seeded = true;
        }
    }
    if !seeded {
        if let Some(window) = latest_window(&mut oracle, failing) {
            core = window;
        }
    }
    narrow(&mut oracle, &mut core, failing);
    // Narrow the domain to what the core's check keeps after simplification; smaller cores
    // observe less, so they would keep no more (`Spec::simplify` is monotone).
    oracle.domain = oracle.relevant(&core);
    let proven = minimize(&mut oracle, &mut core, failing);
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
    /// The [`blockers`](linearizable::KeyOutcome::blockers) of the last check that failed, as
    /// indices into `entries`.
    blockers: Vec<usize>,
}

impl<S: Spec> Oracle<'_, S> {
    /// The core plus the weakened rest of the domain, simplified.
    fn history(&self, core: &[usize]) -> Vec<Entry<S::Op>> {
        let mut in_core = vec![false; self.entries.len()];
        for &i in core {
            in_core[i] = true;
        }
        let mut out = Vec::with_capacity(self.domain.len());
        for &i in &self.domain {
            let e = &self.entries[i];
            if in_core[i] || e.optional {
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
        let outcome = linearizable::check(self.spec, &history, true, &budget);
        match outcome.verdict {
            Verdict::Invalid => {
                self.blockers.clear();
                self.blockers
                    .extend(outcome.blockers.iter().map(|&i| history[i].origin));
                Some(true)
            }
            Verdict::Valid => Some(false),
            Verdict::Unknown => None,
        }
    }
}

/// Drops from `core` (which the last check showed failing) every operation the refutation did
/// not rest on, as long as that still fails: one check each time, where [`minimize`] would need
/// one or more per operation dropped.
///
/// The search's dead ends are all at completions of its blockers (or the violation's entries,
/// for a precheck or fast path), so the other operations of the core are usually not needed.
/// Usually, not always (weakened, they may let new configurations through), hence the check;
/// the core stays one that failed, and [`minimize`] then proves it 1-minimal.
fn narrow<S: Spec>(oracle: &mut Oracle<'_, S>, core: &mut Vec<usize>, failing: Option<usize>) {
    let mut in_core = vec![false; oracle.entries.len()];
    loop {
        in_core.fill(false);
        for &i in core.iter() {
            in_core[i] = true;
        }
        let mut guess: Vec<usize> = oracle
            .blockers
            .iter()
            .copied()
            .chain(failing)
            .filter(|&i| in_core[i])
            .collect();
        guess.sort_unstable();
        guess.dedup();
        let required = core
            .iter()
            .filter(|&&i| !oracle.entries[i].optional)
            .count();
        if guess.is_empty() || guess.len() >= required || oracle.fails(&guess) != Some(true) {
            return;
        }
        *core = guess;
    }
}

/// The first window of latest operations to try as a core; each next one is twice as long.
const FIRST_WINDOW: usize = 4;

/// The shortest failing core among the latest 4, 8, 16, ... operations (with `failing`), or
/// `None` if only all of them fail or time ran out.
///
/// A violation is local in time: the operations just before the one that cannot be linearized
/// usually explain it. Minimizing from such a window keeps [`minimize`]'s checks small, and the
/// ones that fail are exhaustive searches, whose cost grows quickly with the operations they
/// must place. The windows that pass cost little: a search that succeeds stops at its first
/// linearization.
fn latest_window<S: Spec>(
    oracle: &mut Oracle<'_, S>,
    failing: Option<usize>,
) -> Option<Vec<usize>> {
    let required: Vec<usize> = (0..oracle.entries.len())
        .filter(|&i| !oracle.entries[i].optional)
        .collect();
    let mut length = FIRST_WINDOW;
    while length < required.len() {
        let mut window = required[required.len() - length..].to_vec();
        if let Some(failing) = failing.filter(|f| !window.contains(f)) {
            window.insert(0, failing);
        }
        if oracle.fails(&window)? {
            return Some(window);
        }
        length *= 2;
    }
    None
}

/// Shrinks `core` (which fails) to a 1-minimal failing subset; returns whether it finished.
///
/// Keeps a set `kept` of operations shown necessary and a list `rest` of the others, effects
/// first and then read-only operations, each part in invocation order (and `failing` last, so
/// the first check shows it necessary), such that `kept` plus
/// all of `rest` fails. Each round finds the shortest failing prefix `kept + rest[..i]` by
/// galloping down from the end of `rest` and then bisecting, keeps `rest[i - 1]` and drops
/// everything after it. It ends when `kept` alone fails (the shortest failing prefix is empty).
///
/// Why the result is 1-minimal: the oracle is monotone (adding an operation to the core only
/// constrains the history more, so a superset of a failing core fails and a subset of a passing
/// core passes). When `x = rest[i - 1]` was kept, `kept + rest[..i - 1]` was checked and passed;
/// every later core is `kept + x` plus a subset of `rest[..i - 1]`, so removing `x` from the
/// final core leaves a subset of a passing core, which passes.
///
/// Why this order: the operations at the end of `rest` are the ones the core prefers, and reads
/// that contradict each other are the clearest explanation (two reads of a register going
/// backwards rather than the writes behind them). A violation is local in time around the
/// operation that cannot be linearized, so the next necessary operation is usually among the
/// last few of its part, and galloping down finds it in O(log d) checks for a distance d from
/// the end. And the histories checked keep early effects required and weaken only the latest
/// ones (a dropped read costs the search nothing): an indefinite operation invoked early stays
/// pending through the whole history and multiplies what an exhaustive search must try, so
/// checks that weaken early effects (as delta debugging's often did) are the expensive ones.
fn minimize<S: Spec>(
    oracle: &mut Oracle<'_, S>,
    core: &mut Vec<usize>,
    failing: Option<usize>,
) -> bool {
    let entries = oracle.entries;
    // Optional entries are in every checked history anyway: keeping them in the core is moot.
    let mut rest: Vec<usize> = core
        .iter()
        .copied()
        .filter(|&i| !entries[i].optional)
        .collect();
    rest.sort_by_key(|&i| {
        (
            Some(i) == failing,
            oracle.spec.is_read_only(&entries[i].op),
            i,
        )
    });
    let mut kept: Vec<usize> = Vec::new();
    while !rest.is_empty() {
        // `kept + rest[..hi]` fails (the loop's invariant). With `kept` empty nothing is
        // required, which passes: the answer is then at least 1.
        let floor = usize::from(kept.is_empty());
        let mut hi = rest.len();
        let mut lo = None;
        let mut step = 1;
        while hi > floor {
            let probe = hi.saturating_sub(step).max(floor);
            match fails(oracle, &kept, &rest[..probe]) {
                None => return give_up(core, kept, rest),
                Some(true) => {
                    hi = probe;
                    step *= 2;
                }
                Some(false) => {
                    lo = Some(probe);
                    break;
                }
            }
        }
        let Some(mut lo) = lo.or(kept.is_empty().then_some(0)) else {
            break; // `kept` alone fails
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match fails(oracle, &kept, &rest[..mid]) {
                None => return give_up(core, kept, rest),
                Some(true) => hi = mid,
                Some(false) => lo = mid,
            }
        }
        // `kept + rest[..hi - 1]` passes and `kept + rest[..hi]` fails: `rest[hi - 1]` is needed.
        kept.push(rest[hi - 1]);
        rest.truncate(hi - 1);
    }
    kept.sort_unstable();
    *core = kept;
    true
}

/// Whether `kept` plus `rest` (with every other operation weakened) still fails.
fn fails<S: Spec>(oracle: &mut Oracle<'_, S>, kept: &[usize], rest: &[usize]) -> Option<bool> {
    let mut candidate: Vec<usize> = kept.iter().chain(rest).copied().collect();
    candidate.sort_unstable();
    oracle.fails(&candidate)
}

/// Out of time: the core is what is known to fail, `kept` plus all of `rest`.
fn give_up(core: &mut Vec<usize>, mut kept: Vec<usize>, rest: Vec<usize>) -> bool {
    kept.extend(rest);
    kept.sort_unstable();
    *core = kept;
    false
}
