//! Running a check: [`CheckRequest`] in, [`CheckOutcome`] out.
//!
//! Map:
//! - [`CheckRequest`], [`Strategy`] (here), and `run`, which validates a request against the
//!   spec's catalog entry, builds the [`System`], runs stateright's checker and collects the
//!   outcome;
//! - [`CheckOutcome`] and its parts (`outcome.rs`): per-property verdicts, search statistics,
//!   and how the search ended. **A search stopped by a state or time limit never reports a
//!   property as holding**: stateright then still says "done", we say `unknown`;
//! - [`Trace`] (`trace.rs`): a counterexample (or a `sometimes` example) as numbered steps plus
//!   the client history along it;
//! - `render.rs`: the text rendering of outcomes and traces, and the field-level state diff.

mod outcome;
mod render;
mod trace;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use stateright::{Checker, HasDiscoveries, Model, UniformChooser};

pub use outcome::{CacheStats, CheckOutcome, PropertyOutcome, PropertyStatus, SearchEnd, Status};
pub(crate) use render::describe_action;
pub use trace::{Change, Sent, Step, StepEvent, Trace};

use crate::spec::{NetworkKind, PropertyKind, Spec, SpecConfig, SpecInfo};
use crate::system::{Faults, System};
use crate::ModelError;

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

/// Resolves a request's parameters against `info`: defaults, overrides, ranges, bug name.
pub(crate) fn resolve(info: &SpecInfo, request: &CheckRequest) -> Result<SpecConfig, ModelError> {
    let known = || {
        let names: Vec<_> = info.parameters.iter().map(|p| p.name).collect();
        names.join(", ")
    };
    let mut values: BTreeMap<&'static str, u64> = info
        .parameters
        .iter()
        .map(|p| (p.name, p.default))
        .collect();
    let shorthands = [("servers", request.servers), ("clients", request.clients)];
    let overrides = shorthands
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v)))
        .chain(request.bounds.iter().map(|(k, v)| (k.clone(), *v)));
    for (name, value) in overrides {
        let parameter = info
            .parameter(&name)
            .ok_or_else(|| ModelError::UnknownParameter {
                spec: info.name,
                name: name.clone(),
                known: known(),
            })?;
        if !(parameter.min..=parameter.max).contains(&value) {
            return Err(ModelError::ParameterOutOfRange {
                name: parameter.name,
                value,
                min: parameter.min,
                max: parameter.max,
            });
        }
        values.insert(parameter.name, value);
    }
    let bug = match &request.bug {
        None => None,
        Some(name) => Some(
            info.bug(name)
                .ok_or_else(|| ModelError::UnknownBug {
                    spec: info.name,
                    bug: name.clone(),
                    known: info
                        .bugs
                        .iter()
                        .map(|b| b.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?
                .name,
        ),
    };
    Ok(SpecConfig::new(values, bug))
}

/// Builds the system `request` describes, and the parameters it was built from.
pub(crate) fn build<S: Spec>(
    request: &CheckRequest,
) -> Result<(System<S>, SpecConfig), ModelError> {
    let info = SpecInfo::of::<S>();
    let config = resolve(&info, request)?;
    let count = |name: &str| {
        config
            .values()
            .get(name)
            .map_or(0, |&v| u8::try_from(v).unwrap_or(u8::MAX))
    };
    let faults = Faults {
        network: request.network.unwrap_or_else(S::default_network),
        lossy: request.lossy,
        crashes: count("crashes"),
        partitions: count("partitions"),
    };
    Ok((System::new(S::new(&config)?, faults), config))
}

/// Checks `request` against spec `S`.
pub(crate) fn run<S: Spec>(request: &CheckRequest) -> Result<CheckOutcome, ModelError> {
    if request.threads == 0 {
        return Err(ModelError::NoThreads);
    }
    let symmetry = match (request.symmetry, S::symmetry()) {
        (false, _) => None,
        (true, None) => return Err(ModelError::SymmetryUnsupported(S::NAME)),
        (true, Some(_)) if request.strategy == Strategy::Bfs => {
            return Err(ModelError::SymmetryNeedsDfs)
        }
        (true, Some(f)) => Some(f),
    };
    let random = !request.strategy.is_exhaustive();
    if random && request.max_states.is_none() && request.time_limit.is_none() {
        return Err(ModelError::UnboundedRandomSearch);
    }
    let finish_when = match &request.stop_when {
        StopWhen::AllDecided => HasDiscoveries::All,
        StopWhen::FirstViolation => HasDiscoveries::AnyFailures,
        StopWhen::Decided(name) => {
            let properties = S::properties();
            let property = properties
                .iter()
                .find(|p| p.info.name == name)
                .ok_or_else(|| ModelError::UnknownProperty {
                    spec: S::NAME,
                    name: name.clone(),
                    known: properties
                        .iter()
                        .map(|p| p.info.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            HasDiscoveries::AllOf([property.info.name].into_iter().collect())
        }
    };
    let (mut system, config) = build::<S>(request)?;
    if random {
        system.prune_no_ops();
    }
    let cutoff = std::sync::Arc::clone(system.cutoff());
    let mut builder = system
        .checker()
        .threads(request.threads)
        .finish_when(finish_when);
    if let Some(f) = symmetry {
        builder = builder.symmetry_fn(f);
    }
    if let Some(max) = request.max_states {
        builder = builder.target_state_count(max);
    }
    let start = Instant::now();
    if let Some(limit) = request.time_limit {
        builder = builder.timeout(limit);
        if !random {
            cutoff.arm(start + limit);
        }
    }
    let outcome = match request.strategy {
        Strategy::Bfs => collect(builder.spawn_bfs().join(), request, &config, start),
        Strategy::Dfs => collect(builder.spawn_dfs().join(), request, &config, start),
        Strategy::Random { seed } => collect(
            builder.spawn_simulation(seed, UniformChooser).join(),
            request,
            &config,
            start,
        ),
    };
    Ok(outcome)
}

/// Turns a finished checker into an outcome.
fn collect<S: Spec, C: Checker<System<S>>>(
    checker: C,
    request: &CheckRequest,
    config: &SpecConfig,
    start: Instant,
) -> CheckOutcome {
    let elapsed = start.elapsed();
    let system = checker.model();
    // Disarm before rebuilding paths: the replay must see every action again.
    let tripped = system.cutoff().disarm();
    let states_generated = checker.state_count();
    let discoveries = checker.discoveries();
    let properties = S::properties();
    let all_decided = properties
        .iter()
        .all(|p| discoveries.contains_key(p.info.name));
    let time_hit = tripped || request.time_limit.is_some_and(|limit| elapsed >= limit);
    let state_hit = request
        .max_states
        .is_some_and(|max| states_generated >= max);
    let target_met = match &request.stop_when {
        StopWhen::AllDecided => false,
        StopWhen::FirstViolation => properties
            .iter()
            .any(|p| p.info.kind == PropertyKind::Always && discoveries.contains_key(p.info.name)),
        StopWhen::Decided(name) => discoveries.contains_key(name.as_str()),
    };
    let end = if all_decided {
        SearchEnd::AllDecided
    } else if time_hit {
        SearchEnd::TimeLimit
    } else if state_hit || !request.strategy.is_exhaustive() {
        SearchEnd::StateLimit
    } else if target_met {
        SearchEnd::TargetDecided
    } else {
        SearchEnd::Exhausted
    };
    let complete = matches!(end, SearchEnd::Exhausted | SearchEnd::AllDecided);
    let property_outcomes = properties
        .iter()
        .map(|p| {
            let found = discoveries.get(p.info.name);
            let status = match (p.info.kind, found.is_some(), complete) {
                (PropertyKind::Always, true, _) => PropertyStatus::Violated,
                (PropertyKind::Always, false, true) => PropertyStatus::Holds,
                (PropertyKind::Sometimes, true, _) => PropertyStatus::ExampleFound,
                (PropertyKind::Sometimes, false, true) => PropertyStatus::NotFound,
                (_, false, false) => PropertyStatus::Unknown,
            };
            PropertyOutcome {
                name: p.info.name,
                kind: p.info.kind,
                status,
                trace: found.map(|path| {
                    let triggered = |state: &_| match p.info.kind {
                        PropertyKind::Always => !(p.condition)(system, state),
                        PropertyKind::Sometimes => (p.condition)(system, state),
                    };
                    Trace::from_path(system, path.clone(), triggered)
                }),
            }
        })
        .collect();
    CheckOutcome {
        spec: S::NAME,
        bug: config.bug(),
        parameters: config.values().clone(),
        network: system.faults().network,
        lossy: system.faults().lossy,
        strategy: request.strategy,
        threads: request.threads,
        symmetry: request.symmetry,
        properties: property_outcomes,
        states_generated,
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed,
        end,
        verdict_cache: system.verdicts().map(|cache| {
            let (hits, searches) = cache.stats();
            CacheStats { hits, searches }
        }),
    }
}
