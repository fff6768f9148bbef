//! [`Cutoff`]: a deadline, or a budget of generated states, after which every state is terminal.
//!
//! stateright's `timeout` only closes its job market, which a single worker never consults while
//! its own queue is non-empty, so a one-thread BFS or DFS runs past it. Its `target_state_count`
//! is consulted only between blocks of 1,500 expanded states, which on a deep model (two-phase
//! commit over a duplicating network: each DFS entry carries its whole path) ran past a
//! `--max-states 1000` by minutes and gigabytes. The cutoff is checked in `System::actions`: once
//! tripped, no state has successors, the queues drain, and the checker stops. The caller then
//! asks which limit tripped ([`Cutoff::disarm`]), so a drained search is reported as stopped at
//! that limit, never as exhausted. It is disarmed before counterexamples are rebuilt
//! (stateright replays `actions` to rebuild a path, so the replay must see every action again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// A deadline, shared by the checker threads and the caller. Lock-free: one clock read per call.
#[derive(Debug)]
pub(crate) struct Cutoff {
    base: Instant,
    /// Nanoseconds after `base`; `u64::MAX` when disarmed.
    deadline_nanos: AtomicU64,
    tripped: AtomicBool,
    /// Generated states still allowed; `u64::MAX` when unlimited.
    states_left: AtomicU64,
    /// Set once `states_left` ran out.
    budget_spent: AtomicBool,
}

/// Which limits had tripped when the cutoff was disarmed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tripped {
    /// The deadline passed.
    pub(crate) time: bool,
    /// The budget of generated states ran out.
    pub(crate) states: bool,
}

impl Default for Cutoff {
    fn default() -> Self {
        Cutoff {
            base: Instant::now(),
            deadline_nanos: AtomicU64::new(u64::MAX),
            tripped: AtomicBool::new(false),
            states_left: AtomicU64::new(u64::MAX),
            budget_spent: AtomicBool::new(false),
        }
    }
}

impl Cutoff {
    /// Arms the cutoff to trip at `deadline`.
    pub(crate) fn arm(&self, deadline: Instant) {
        let nanos = deadline.saturating_duration_since(self.base).as_nanos();
        self.tripped.store(false, Ordering::Relaxed);
        self.deadline_nanos.store(
            u64::try_from(nanos).unwrap_or(u64::MAX - 1),
            Ordering::Relaxed,
        );
    }

    /// Allows `max` generated states in all, then trips.
    pub(crate) fn limit_successors(&self, max: u64) {
        self.budget_spent.store(false, Ordering::Relaxed);
        self.states_left.store(max, Ordering::Relaxed);
    }

    /// Counts `n` generated states against the budget, if there is one.
    pub(crate) fn spend(&self, n: u64) {
        if self.states_left.load(Ordering::Relaxed) == u64::MAX {
            return;
        }
        let before = self
            .states_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                (left != u64::MAX).then(|| left.saturating_sub(n))
            });
        if let Ok(left) = before {
            if left <= n {
                self.budget_spent.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Disarms it; reports which limits had tripped.
    pub(crate) fn disarm(&self) -> Tripped {
        self.deadline_nanos.store(u64::MAX, Ordering::Relaxed);
        self.states_left.store(u64::MAX, Ordering::Relaxed);
        Tripped {
            time: self.tripped.swap(false, Ordering::Relaxed),
            states: self.budget_spent.swap(false, Ordering::Relaxed),
        }
    }

    /// Whether the deadline has passed or the budget ran out (always `false` when disarmed).
    pub(crate) fn is_tripped(&self) -> bool {
        if self.budget_spent.load(Ordering::Relaxed) {
            return true;
        }
        let deadline = self.deadline_nanos.load(Ordering::Relaxed);
        if deadline == u64::MAX {
            return false;
        }
        if self.tripped.load(Ordering::Relaxed) {
            return true;
        }
        if self.base.elapsed().as_nanos() >= u128::from(deadline) {
            self.tripped.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn trips_after_the_deadline_and_not_when_disarmed() {
        let cutoff = Cutoff::default();
        assert!(!cutoff.is_tripped());
        cutoff.arm(Instant::now() + Duration::from_secs(3600));
        assert!(!cutoff.is_tripped());
        cutoff.arm(Instant::now());
        assert!(cutoff.is_tripped());
        assert!(cutoff.disarm().time);
        assert!(!cutoff.is_tripped());
    }

    #[test]
    fn a_spent_budget_trips_and_is_reported_as_a_state_limit() {
        let cutoff = Cutoff::default();
        cutoff.spend(1_000_000);
        assert!(!cutoff.is_tripped(), "no budget, no limit");
        cutoff.limit_successors(10);
        cutoff.spend(6);
        assert!(!cutoff.is_tripped());
        cutoff.spend(4);
        assert!(cutoff.is_tripped());
        assert_eq!(
            cutoff.disarm(),
            Tripped {
                time: false,
                states: true
            }
        );
        assert!(!cutoff.is_tripped());
    }
}
