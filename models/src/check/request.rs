//! [`CheckRequest`]: what to check and how; [`Strategy`], [`StopWhen`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::spec::NetworkKind;

/// How the state space is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Breadth-first: shortest counterexamples (with one thread); keeps every frontier state in
    /// memory.
    Bfs,
    /// Depth-first: far less memory; the default.
    Dfs,
    /// Random walks from `seed` until a limit: for bugs too deep for exhaustive search. Never
    /// proves a property; it can only find violations and examples.
    Random {
        /// The seed of the first walk.
        seed: u64,
    },
}

impl Strategy {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Bfs => "bfs",
            Strategy::Dfs => "dfs",
            Strategy::Random { .. } => "random",
        }
    }

    /// Whether the strategy visits every reachable state when it is not stopped.
    pub fn is_exhaustive(self) -> bool {
        !matches!(self, Strategy::Random { .. })
    }
}

/// When the search may stop before it has visited every reachable state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopWhen {
    /// Once every property is decided, or the space is exhausted: the outcome is complete.
    #[default]
    AllDecided,
    /// At the first violation of an `always` property; properties undecided by then are
    /// `unknown`.
    FirstViolation,
    /// Once the named property is decided (a bug variant's target); properties undecided by then
    /// are `unknown`.
    Decided(String),
}

/// What to check and how. Build one with [`CheckRequest::new`] and the setters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckRequest {
    /// The spec's name.
    pub spec: String,
    /// A bug variant of the spec.
    pub bug: Option<String>,
    /// Shorthand for the `servers` parameter.
    pub servers: Option<u64>,
    /// Shorthand for the `clients` parameter.
    pub clients: Option<u64>,
    /// Any declared parameter by name (`rounds`, `crashes`, `partitions`, …).
    pub bounds: BTreeMap<String, u64>,
    /// The network semantics; `None` for the spec's default.
    pub network: Option<NetworkKind>,
    /// Whether the network may lose any message.
    pub lossy: bool,
    /// Checker threads (≥ 1). State counts are reproducible with one thread only.
    pub threads: usize,
    /// The search strategy.
    pub strategy: Strategy,
    /// Symmetry reduction (DFS and random only; specs that support it).
    pub symmetry: bool,
    /// Stop after about this many generated states (the outcome is then `unknown` for every
    /// property not yet decided).
    pub max_states: Option<usize>,
    /// Stop after this long (same).
    pub time_limit: Option<Duration>,
    /// Stop early once a target is decided.
    pub stop_when: StopWhen,
}

impl CheckRequest {
    /// A request for `spec` with its defaults: DFS, one thread, no limits.
    pub fn new(spec: impl Into<String>) -> CheckRequest {
        CheckRequest {
            spec: spec.into(),
            bug: None,
            servers: None,
            clients: None,
            bounds: BTreeMap::new(),
            network: None,
            lossy: false,
            threads: 1,
            strategy: Strategy::Dfs,
            symmetry: false,
            max_states: None,
            time_limit: None,
            stop_when: StopWhen::AllDecided,
        }
    }

    /// With the bug variant `bug`.
    pub fn bug(mut self, bug: impl Into<String>) -> CheckRequest {
        self.bug = Some(bug.into());
        self
    }

    /// With parameter `name` set to `value`.
    pub fn bound(mut self, name: impl Into<String>, value: u64) -> CheckRequest {
        self.bounds.insert(name.into(), value);
        self
    }

    /// With `strategy`.
    pub fn strategy(mut self, strategy: Strategy) -> CheckRequest {
        self.strategy = strategy;
        self
    }

    /// With `threads` checker threads.
    pub fn threads(mut self, threads: usize) -> CheckRequest {
        self.threads = threads;
        self
    }

    /// With a state limit.
    pub fn max_states(mut self, max_states: usize) -> CheckRequest {
        self.max_states = Some(max_states);
        self
    }

    /// With a time limit.
    pub fn time_limit(mut self, limit: Duration) -> CheckRequest {
        self.time_limit = Some(limit);
        self
    }

    /// With symmetry reduction on or off.
    pub fn symmetry(mut self, on: bool) -> CheckRequest {
        self.symmetry = on;
        self
    }

    /// Stopping early when `stop_when` is decided.
    pub fn stop_when(mut self, stop_when: StopWhen) -> CheckRequest {
        self.stop_when = stop_when;
        self
    }

    /// With the network semantics `network`.
    pub fn network(mut self, network: NetworkKind) -> CheckRequest {
        self.network = Some(network);
        self
    }
}
