//! Where a history fails: Lowe's just-in-time linearization, breadth first.
//!
//! Events are replayed in history order while keeping every configuration (state, operations
//! linearized so far) the object could be in. An operation is linearized only when its
//! completion forces it, together with any pending operations that must precede it. When a
//! completion leaves no configuration, that operation is the one that cannot be linearized, the
//! history before it is the longest linearizable prefix, and the configurations just before it
//! are the candidate states. (G. Lowe, "Testing for Linearizability", CCPE 2017; Knossos'
//! `linear` checker.)
//!
//! The frontier can grow exponentially with concurrency, so the walk gives up past a size cap;
//! it is used for explanations, never for verdicts.

use hashbrown::HashSet;

use crate::checker::budget::Budget;
use crate::checker::spec::{Entry, Spec};

/// A configuration: a state and the entries linearized to reach it, in order.
#[derive(Clone, Debug)]
pub struct Config<S> {
    /// The state.
    pub state: S,
    /// Entries linearized so far, in linearization order.
    pub order: Vec<usize>,
    /// The same entries as a set (bit `i` for entry `i`): with the state, the configuration's
    /// identity.
    set: u128,
}

impl<S: Clone> Config<S> {
    fn key(&self) -> (S, u128) {
        (self.state.clone(), self.set)
    }
}

/// The first completion that no configuration survives.
#[derive(Clone, Debug)]
pub struct FailurePoint<S> {
    /// The entry whose completion kills every configuration.
    pub failing: usize,
    /// The configurations alive just before that completion.
    pub candidates: Vec<Config<S>>,
}

/// Why the walk gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooBig;

/// Replays `entries` (sorted by invocation) keeping at most `cap` configurations. `Ok(None)`
/// means the history is linearizable.
pub fn failure_point<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    cap: usize,
    budget: &Budget,
) -> Result<Option<FailurePoint<S::State>>, TooBig> {
    if entries.len() > MAX_ENTRIES {
        return Err(TooBig);
    }
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        events.push((e.call, i, false));
        if !e.optional {
            events.push((e.ret, i, true));
        }
    }
    events.sort_unstable();

    let mut frontier = vec![Config {
        state: spec.init(),
        order: Vec::new(),
        set: 0,
    }];
    let mut pending: Vec<usize> = Vec::new();
    for (_, entry, is_return) in events {
        if !is_return {
            pending.push(entry);
            continue;
        }
        let mut next: Vec<Config<S::State>> = Vec::new();
        let mut seen: HashSet<(S::State, u128)> = HashSet::new();
        for config in &frontier {
            if config.set & 1 << entry != 0 {
                if seen.insert(config.key()) {
                    next.push(config.clone());
                }
                continue;
            }
            close(
                spec, entries, &pending, config, entry, &mut next, &mut seen, cap,
            )?;
            if budget.check().is_err() {
                return Err(TooBig);
            }
        }
        if next.is_empty() {
            return Ok(Some(FailurePoint {
                failing: entry,
                candidates: frontier,
            }));
        }
        pending.retain(|&p| p != entry);
        frontier = next;
    }
    Ok(None)
}

/// Largest history the walk accepts.
pub const MAX_ENTRIES: usize = 128;

/// Adds to `out` every configuration reachable from `start` by linearizing pending entries
/// (any order) that ends with `target` linearized.
#[allow(clippy::too_many_arguments)]
fn close<S: Spec>(
    spec: &S,
    entries: &[Entry<S::Op>],
    pending: &[usize],
    start: &Config<S::State>,
    target: usize,
    out: &mut Vec<Config<S::State>>,
    seen: &mut HashSet<(S::State, u128)>,
    cap: usize,
) -> Result<(), TooBig> {
    let mut queue = vec![start.clone()];
    let mut visited: HashSet<(S::State, u128)> = HashSet::new();
    while let Some(config) = queue.pop() {
        for &p in pending {
            if config.set & 1 << p != 0 {
                continue;
            }
            let Some(state) = spec.step(&config.state, &entries[p].op) else {
                continue;
            };
            let set = config.set | 1 << p;
            // Known configurations are skipped before their order is copied.
            let known = if p == target {
                &mut *seen
            } else {
                &mut visited
            };
            if !known.insert((state.clone(), set)) {
                continue;
            }
            let mut order = Vec::with_capacity(config.order.len() + 1);
            order.extend_from_slice(&config.order);
            order.push(p);
            let child = Config { state, order, set };
            if p == target {
                out.push(child);
            } else {
                queue.push(child);
            }
            if out.len() + queue.len() > cap || visited.len() > cap * 4 {
                return Err(TooBig);
            }
        }
    }
    Ok(())
}
