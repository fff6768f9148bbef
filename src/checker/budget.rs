//! [`Budget`]: the limits of one check, shared by every key's search.
//!
//! Searches poll the budget every few hundred steps (a relaxed atomic load and, for a deadline,
//! a clock read), so a limit is honoured within microseconds. Hitting a limit makes the answer
//! `unknown`; it never turns into `valid` or `invalid`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Why a search stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// `--time-limit` reached.
    Time(Duration),
    /// `--memory-limit` reached.
    Memory(u64),
    /// Another key failed and the check stops at the first failure.
    Cancelled,
}

impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exhausted::Time(d) => write!(f, "time limit of {} reached", humantime(*d)),
            Exhausted::Memory(b) => {
                write!(f, "memory limit of {} MiB reached", b / (1024 * 1024))
            }
            Exhausted::Cancelled => f.write_str("not checked: another key already failed"),
        }
    }
}

fn humantime(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.3} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Limits shared by all searches of one check.
#[derive(Debug)]
pub struct Budget {
    deadline: Option<(Instant, Duration)>,
    memory_limit: Option<u64>,
    memory_used: AtomicU64,
    cancelled: AtomicBool,
}

impl Budget {
    /// A budget starting now.
    pub fn new(time_limit: Option<Duration>, memory_limit: Option<u64>) -> Budget {
        Budget {
            deadline: time_limit.map(|d| (Instant::now() + d, d)),
            memory_limit,
            memory_used: AtomicU64::new(0),
            cancelled: AtomicBool::new(false),
        }
    }

    /// Whether the check may go on.
    pub fn check(&self) -> Result<(), Exhausted> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(Exhausted::Cancelled);
        }
        if let Some((deadline, limit)) = self.deadline {
            if Instant::now() >= deadline {
                return Err(Exhausted::Time(limit));
            }
        }
        if let Some(limit) = self.memory_limit {
            if self.memory_used.load(Ordering::Relaxed) > limit {
                return Err(Exhausted::Memory(limit));
            }
        }
        Ok(())
    }

    /// Records that a search's memory grew (or shrank) from `before` to `after` bytes.
    pub fn account(&self, before: usize, after: usize) {
        if after >= before {
            self.memory_used
                .fetch_add((after - before) as u64, Ordering::Relaxed);
        } else {
            self.memory_used
                .fetch_sub((before - after) as u64, Ordering::Relaxed);
        }
    }

    /// When the time limit expires, if there is one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline.map(|(deadline, _)| deadline)
    }

    /// Stops every search that polls this budget.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Budget::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}
