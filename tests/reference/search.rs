//! The permutation search: is there an order of the operations that respects real time and that
//! the spec accepts?
//!
//! Depth-first over orders. At each step any unplaced operation may go next, provided every
//! required operation that returned before it was called is already placed, and the spec accepts
//! it from the current state. The search succeeds as soon as every required operation is placed
//! (optional ones left over are the `info` operations that never took effect).

use std::fmt::Debug;

use splitbrain::history::{Op, NEVER};

/// What an operation is to the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// It did not happen or tells nothing (a `fail`ed write, an `info` read): left out.
    Ignored,
    /// It happened: it must be placed, once.
    Required,
    /// It may have happened (`info`): placed once or not at all.
    Optional,
}

/// A sequential specification, as the search sees it.
pub trait SeqSpec {
    /// The object's state.
    type State: Clone + Debug;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Whether `op` must, may or must not be placed. Panics on a function the spec does not
    /// know: the reference is only ever fed well-formed histories.
    fn role(&self, op: &Op) -> Role;

    /// The state after `op` runs in `state`, or `None` when the spec forbids `op` there.
    fn step(&self, state: &Self::State, op: &Op) -> Option<Self::State>;
}

/// The search ran out of its budget of steps before it knew the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBudget;

/// Whether `ops` (one object's operations) are linearizable under `spec`, trying at most
/// `budget` placements. Operations marked in `relaxed` lose their place in real time: each may
/// take effect (as itself) at any time after its invocation, or not at all.
pub fn linearizable<S: SeqSpec>(
    spec: &S,
    ops: &[&Op],
    relaxed: &[bool],
    budget: &mut u64,
) -> Result<bool, OutOfBudget> {
    let mut candidates = Vec::new();
    for (&op, &relaxed) in ops.iter().zip(relaxed) {
        match spec.role(op) {
            Role::Ignored => {}
            Role::Required if relaxed => candidates.push((op, false)),
            Role::Required => {
                assert_ne!(
                    op.ret, NEVER,
                    "a required operation must have returned: {op}"
                );
                candidates.push((op, true));
            }
            Role::Optional => candidates.push((op, false)),
        }
    }
    assert!(
        candidates.len() <= 64,
        "the reference is for small histories"
    );
    let mut placed = vec![false; candidates.len()];
    search(spec, &candidates, &mut placed, &spec.init(), budget)
}

fn search<S: SeqSpec>(
    spec: &S,
    candidates: &[(&Op, bool)],
    placed: &mut [bool],
    state: &S::State,
    budget: &mut u64,
) -> Result<bool, OutOfBudget> {
    let done = candidates
        .iter()
        .zip(placed.iter())
        .all(|((_, required), placed)| *placed || !*required);
    if done {
        return Ok(true);
    }
    for i in 0..candidates.len() {
        if placed[i] || !may_go_next(candidates, placed, i) {
            continue;
        }
        *budget = budget.checked_sub(1).ok_or(OutOfBudget)?;
        if let Some(next) = spec.step(state, candidates[i].0) {
            placed[i] = true;
            if search(spec, candidates, placed, &next, budget)? {
                return Ok(true);
            }
            placed[i] = false;
        }
    }
    Ok(false)
}

/// Whether candidate `i` may be placed now: no unplaced required operation returned before `i`
/// was called. (Optional operations never returned, so they never have to come first.)
fn may_go_next(candidates: &[(&Op, bool)], placed: &[bool], i: usize) -> bool {
    let call = candidates[i].0.call;
    candidates
        .iter()
        .zip(placed.iter())
        .all(|((op, required), placed)| *placed || !*required || op.ret >= call)
}
