//! [`CheckOutcome`]: what a check found.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{Strategy, Trace};
use crate::spec::{NetworkKind, PropertyKind};

/// The answer for one property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyStatus {
    /// `always`: no reachable state violates it (the search was complete).
    Holds,
    /// `always`: a reachable state violates it; the trace leads there.
    Violated,
    /// `sometimes`: a reachable state satisfies it; the trace leads there.
    ExampleFound,
    /// `sometimes`: no reachable state satisfies it (the search was complete): the property,
    /// or the model, is vacuous.
    NotFound,
    /// The search stopped at a limit before the answer was known.
    Unknown,
}

impl PropertyStatus {
    /// The words used in text output.
    pub fn label(self) -> &'static str {
        match self {
            PropertyStatus::Holds => "holds",
            PropertyStatus::Violated => "VIOLATED",
            PropertyStatus::ExampleFound => "example found",
            PropertyStatus::NotFound => "NOT FOUND",
            PropertyStatus::Unknown => "unknown",
        }
    }
}

/// One property's result.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyOutcome {
    /// The property's name.
    pub name: &'static str,
    /// `always` or `sometimes`.
    pub kind: PropertyKind,
    /// The answer.
    pub status: PropertyStatus,
    /// The counterexample (`Violated`) or example (`ExampleFound`).
    pub trace: Option<Trace>,
}

/// How the search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SearchEnd {
    /// Every reachable state was visited.
    Exhausted,
    /// Every property was decided (each `always` violated, each `sometimes` found) and the
    /// search stopped early.
    AllDecided,
    /// The state limit (or, for random walks, the walk budget) ended the search: undecided
    /// properties are unknown.
    StateLimit,
    /// The time limit ended the search: undecided properties are unknown.
    TimeLimit,
    /// The request's stop target was decided and the search stopped there: undecided
    /// properties are unknown.
    TargetDecided,
}

impl SearchEnd {
    /// Whether the answers are final (nothing was cut short).
    pub fn is_complete(self) -> bool {
        matches!(self, SearchEnd::Exhausted | SearchEnd::AllDecided)
    }
}

/// The overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every `always` property holds and every `sometimes` property has an example.
    Pass,
    /// Some `always` property is violated or some `sometimes` property has no example.
    Fail,
    /// Nothing failed, but a limit left some property undecided.
    Unknown,
}

impl Status {
    /// The exit code `splitbrain model check` uses: 0 pass, 1 fail, 2 unknown.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Unknown => 2,
        }
    }
}

/// How the linearizability verdict cache did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Verdicts answered from the cache.
    pub hits: u64,
    /// Verdicts searched (distinct histories).
    pub searches: u64,
}

/// Everything a check found.
#[derive(Clone, Debug, Serialize)]
pub struct CheckOutcome {
    /// The spec.
    pub spec: &'static str,
    /// The bug variant, if any.
    pub bug: Option<&'static str>,
    /// The property the bug variant must violate (its [`BugInfo::violates`]), if any: the
    /// counterexample to show first.
    ///
    /// [`BugInfo::violates`]: crate::spec::BugInfo::violates
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bug_violates: Option<&'static str>,
    /// Every parameter with the value used.
    pub parameters: BTreeMap<&'static str, u64>,
    /// The network semantics.
    pub network: NetworkKind,
    /// Whether the network could lose messages.
    pub lossy: bool,
    /// The search strategy.
    pub strategy: Strategy,
    /// Checker threads.
    pub threads: usize,
    /// Whether symmetry reduction was on.
    pub symmetry: bool,
    /// One result per property, in the spec's order.
    pub properties: Vec<PropertyOutcome>,
    /// States generated, repeats included.
    pub states_generated: usize,
    /// Distinct states (for random walks: states visited, repeats across walks included).
    pub unique_states: usize,
    /// The longest path explored, in states.
    pub max_depth: usize,
    /// Wall time of the search (excluding rebuilding traces).
    pub elapsed: Duration,
    /// How the search ended.
    pub end: SearchEnd,
    /// Linearizability verdict cache statistics, for specs that check linearizability.
    pub verdict_cache: Option<CacheStats>,
}

impl CheckOutcome {
    /// The counterexample to show for this outcome: the bug variant's target property if it
    /// was violated, else the first violated property.
    pub fn counterexample(&self) -> Option<&PropertyOutcome> {
        let violated = |p: &&PropertyOutcome| p.status == PropertyStatus::Violated;
        self.properties
            .iter()
            .filter(violated)
            .find(|p| Some(p.name) == self.bug_violates)
            .or_else(|| self.properties.iter().find(violated))
    }

    /// The overall verdict: a violation (or a `sometimes` without example) is a failure even
    /// when a limit was hit; otherwise any undecided property makes it unknown.
    pub fn status(&self) -> Status {
        let statuses = || self.properties.iter().map(|p| p.status);
        if statuses().any(|s| matches!(s, PropertyStatus::Violated | PropertyStatus::NotFound)) {
            Status::Fail
        } else if statuses().any(|s| s == PropertyStatus::Unknown) {
            Status::Unknown
        } else {
            Status::Pass
        }
    }

    /// The result for the property `name`.
    pub fn property(&self, name: &str) -> Option<&PropertyOutcome> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Unique states per second of wall time.
    pub fn unique_states_per_sec(&self) -> f64 {
        self.unique_states as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Generated states per second of wall time.
    pub fn states_per_sec(&self) -> f64 {
        self.states_generated as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}
