//! [`Cutoff`]: a deadline after which every state is terminal.
//!
//! stateright's `timeout` only closes its job market, which a single worker never consults while
//! its own queue is non-empty, so a one-thread BFS or DFS runs past it. The cutoff is checked in
//! `System::actions`: once tripped, no state has successors, the queues drain, and the checker
//! stops. It is disarmed before counterexamples are rebuilt (stateright replays `actions` to
//! rebuild a path, so the replay must see every action again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// A deadline, shared by the checker threads and the caller. Lock-free: one clock read per call.
#[derive(Debug)]
pub(crate) struct Cutoff {
    base: Instant,
    /// Nanoseconds after `base`; `u64::MAX` when disarmed.
    deadline_nanos: AtomicU64,
    tripped: AtomicBool,
}

impl Default for Cutoff {
    fn default() -> Self {
        Cutoff {
            base: Instant::now(),
            deadline_nanos: AtomicU64::new(u64::MAX),
            tripped: AtomicBool::new(false),
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

    /// Disarms it; reports whether it had tripped.
    pub(crate) fn disarm(&self) -> bool {
        self.deadline_nanos.store(u64::MAX, Ordering::Relaxed);
        self.tripped.swap(false, Ordering::Relaxed)
    }

    /// Whether the deadline has passed (always `false` when disarmed).
    pub(crate) fn is_tripped(&self) -> bool {
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
        assert!(cutoff.disarm());
        assert!(!cutoff.is_tripped());
    }
}
