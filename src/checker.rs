//! Checking histories: verdicts, sequential specs and the linearizability engine.
//!
//! Map of this module, in reading order:
//! - [`Verdict`], [`Report`], [`KeyReport`] (here): what a check answers;
//! - [`Model`] (`model.rs`): the specs by name, and how one is inferred from a history;
//! - `spec.rs` + `spec/`: the [`Spec`](spec::Spec) trait and one sequential spec per file;
//! - `partition.rs`: split by key, check keys in parallel (cheapest first), combine verdicts;
//! - `linearizable.rs` + `linearizable/`: the per-key portfolio: O(n) prechecks, polynomial
//!   paths for unique values, the general search;
//! - `budget.rs`: time and memory limits, cancellation: when one is hit the answer is
//!   `unknown`, never a guess;
//! - [`Witness`] (`witness.rs` + `witness/`): the explanation of an invalid verdict;
//! - [`transactional`] (`transactional.rs` + `transactional/`): Elle-class checking of
//!   transactional histories (list-append, rw-register) against consistency models;
//! - [`kafka`] (`kafka.rs` + `kafka/`): Jepsen's kafka checker (send/poll logs);
//! - [`bank`] (`bank.rs` + `bank/`): Jepsen's bank checker (transfers conserve the total).
//!
//! A violation found is a verdict ([`Verdict::Invalid`]), not an error; a [`CheckError`] means
//! the history could not be checked at all (an operation the model does not understand).

pub mod bank;
mod budget;
mod error;
pub mod kafka;
mod linearizable;
mod model;
mod partition;
pub mod spec;
pub mod transactional;
mod witness;

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use error::CheckError;
pub use model::Model;
pub use witness::{Candidate, Scope, Step, Witness};

use crate::history::{Format, Functions, KeyGroups, Op, Value};

/// The answer for a history, or for one key of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Linearizable: an order of the operations exists that respects real time and the spec.
    Valid,
    /// Not linearizable: no such order exists.
    Invalid,
    /// A limit was hit before the answer was known.
    Unknown,
}

impl Verdict {
    /// The exit code the command line uses: 0 valid, 1 invalid, 2 unknown.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Unknown => 2,
        }
    }

    /// Combines the verdicts of independent parts: one invalid part makes the whole invalid;
    /// otherwise one unknown part makes it unknown.
    pub fn combine(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Invalid, _) | (_, Verdict::Invalid) => Verdict::Invalid,
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::Valid,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Unknown => "unknown",
        })
    }
}

/// How a key's verdict was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Nothing to order: no operation that must take effect.
    Trivial,
    /// An O(n) precheck found a violation (e.g. a read of a value never written).
    Precheck,
    /// Gibbons–Korach read-mapping zones (register with unique written values).
    Zones,
    /// Version chain (compare-and-set over unique values).
    VersionChain,
    /// The general search.
    Search,
    /// Not checked: `--first-failure` stopped the check after another key failed.
    Skipped,
}

/// Options of a check. `Default` gives: model inferred, no limits, every key checked, witnesses
/// computed, polynomial paths on.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The spec; inferred from the history when `None` (see [`Model::infer`]).
    pub model: Option<Model>,
    /// The format the history was read from, which can imply the model.
    pub format: Option<Format>,
    /// The file the history was read from, named in errors.
    pub file: Option<Arc<Path>>,
    /// Wall-clock limit for the whole check.
    pub time_limit: Option<Duration>,
    /// Limit on the memory the search's memo may use, in bytes, over all keys.
    pub memory_limit: Option<u64>,
    /// The value every key holds before its first write (`multi-register` only; `nil` when
    /// `None`).
    pub initial_value: Option<Value>,
    /// Stop at the first key found invalid; the others are reported as skipped.
    pub first_failure: bool,
    /// Compute a witness for each invalid key.
    pub witness: bool,
    /// Use the polynomial paths (zones, version chains) where they apply. Off only to test the
    /// search against them.
    pub fast_paths: bool,
    /// Counters the caller can poll while the check runs (for a progress bar).
    pub progress: Option<Arc<Progress>>,
}

/// Progress of a running check, updated as keys finish.
#[derive(Debug, Default)]
pub struct Progress {
    /// Keys in the history (set once splitting is done).
    pub keys_total: AtomicUsize,
    /// Keys with a verdict.
    pub keys_done: AtomicUsize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            model: None,
            format: None,
            file: None,
            time_limit: None,
            memory_limit: None,
            initial_value: None,
            first_failure: false,
            witness: true,
            fast_paths: true,
            progress: None,
        }
    }
}

impl CheckOptions {
    /// Options checking against `model`.
    pub fn with_model(model: Model) -> Self {
        CheckOptions {
            model: Some(model),
            ..CheckOptions::default()
        }
    }
}

/// The result of checking one history.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The spec used.
    pub model: Model,
    /// Whether the spec was inferred rather than given.
    pub model_inferred: bool,
    /// The verdict for the whole history.
    pub verdict: Verdict,
    /// Client operations in the history.
    pub ops: usize,
    /// One entry per key (one entry with `key: None` for single-object histories), in the
    /// order keys first appear in the history.
    pub keys: Vec<KeyReport>,
    /// Wall time of the check, excluding reading the file.
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

/// The result for one key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyReport {
    /// The key, or `None` for operations without one.
    pub key: Option<Value>,
    /// Operations on this key.
    pub ops: usize,
    /// The verdict for this key.
    pub verdict: Verdict,
    /// How the verdict was reached.
    pub method: Method,
    /// For `unknown`: which limit was hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `invalid`: the explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// Configurations the search explored (0 when it did not run).
    pub explored: u64,
    /// Wall time spent on this key.
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

fn serialize_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Checks a history's operations (see [`crate::history::pair`]) for linearizability.
pub fn check(ops: &[Op], options: &CheckOptions) -> Result<Report, CheckError> {
    partition::check(ops, options)
}

/// [`check`] of operations grouped while they were read ([`crate::history::format::read_paired`]),
/// which spares a large history the passes over all its operations that grouping them takes.
pub fn check_grouped(
    ops: &[Op],
    keys: KeyGroups,
    functions: &Functions,
    options: &CheckOptions,
) -> Result<Report, CheckError> {
    partition::check_grouped(ops, keys, functions, options)
}

#[cfg(test)]
mod tests;
