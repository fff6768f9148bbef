//! [`RunProgress`]: counters a caller can poll while a run goes on (for a progress bar).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Live counters of a run. All updates are relaxed; readers get a consistent-enough picture.
#[derive(Debug, Default)]
pub struct RunProgress {
    /// Client operations that completed `ok`.
    pub ok: AtomicU64,
    /// ... `fail`.
    pub fail: AtomicU64,
    /// ... `info` (indefinite).
    pub info: AtomicU64,
    phase: Mutex<String>,
    faults: Mutex<Vec<String>>,
}

impl RunProgress {
    /// What the run is doing now: `starting nodes`, `clients`, `recovery`, `final reads`, ...
    pub fn phase(&self) -> String {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The faults active now, one short description each.
    pub fn active_faults(&self) -> Vec<String> {
        self.faults.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Completed operations: (ok, fail, info).
    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.ok.load(Ordering::Relaxed),
            self.fail.load(Ordering::Relaxed),
            self.info.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn set_phase(&self, phase: &str) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase.to_string();
        }
    }

    pub(crate) fn set_faults(&self, faults: Vec<String>) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }
}
