//! Running a check: validate the request against the spec's catalog entry, build the
//! [`System`], run stateright's checker, collect the outcome.

use std::collections::BTreeMap;
use std::time::Instant;

use stateright::{Checker, HasDiscoveries, Model, UniformChooser};

use super::{
    CacheStats, CheckOutcome, CheckRequest, PropertyOutcome, PropertyStatus, SearchEnd, StopWhen,
    Strategy, Trace,
};
use crate::spec::{PropertyKind, Spec, SpecConfig, SpecInfo};
use crate::system::{Faults, System};
use crate::ModelError;

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
    let bug = match &request.bug {
        None => None,
        Some(name) => Some(info.bug(name).ok_or_else(|| {
            ModelError::UnknownBug {
                spec: info.name,
                bug: name.clone(),
                known: info
                    .bugs
                    .iter()
                    .map(|b| b.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?),
    };
    for &(name, value) in bug.map_or(&[][..], |b| b.defaults) {
        values.insert(name, value);
    }
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
    Ok(SpecConfig::new(values, bug.map(|b| b.name)))
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
    if request.strategy == Strategy::Bfs {
        system.share_states();
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
        if !random {
            cutoff.limit_successors(max as u64);
        }
    }
    let start = Instant::now();
    if let Some(limit) = request.time_limit {
        builder = builder.timeout(limit);
        if !random {
            cutoff.arm(start + limit);
        }
    }
    // A panic in a spec (a bug in the spec, not a verdict) surfaces as an error, not a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match request.strategy {
        Strategy::Bfs => collect(builder.spawn_bfs().join(), request, &config, start),
        Strategy::Dfs => collect(builder.spawn_dfs().join(), request, &config, start),
        Strategy::Random { seed } => collect(
            builder.spawn_simulation(seed, UniformChooser).join(),
            request,
            &config,
            start,
        ),
    }))
    .map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a checker thread panicked".to_owned());
        ModelError::Panicked {
            spec: S::NAME,
            message,
        }
    })
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
    // A search the cutoff drained is cut short, however it looks to stateright.
    let states_generated = checker.state_count();
    let discoveries = checker.discoveries();
    let properties = S::properties();
    let all_decided = properties
        .iter()
        .all(|p| discoveries.contains_key(p.info.name));
    let time_hit = tripped.time || request.time_limit.is_some_and(|limit| elapsed >= limit);
    let state_hit = tripped.states
        || request
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
    } else if state_hit {
        SearchEnd::StateLimit
    } else if target_met {
        SearchEnd::TargetDecided
    } else if !request.strategy.is_exhaustive() {
        // Random walks end only at a limit or a target; never treat them as exhaustive.
        SearchEnd::StateLimit
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
        // Recorded here, where the spec is known, so that the outcome needs no catalog lookup.
        bug_violates: config
            .bug()
            .and_then(|bug| S::bugs().into_iter().find(|b| b.name == bug))
            .map(|b| b.violates),
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

#[cfg(test)]
mod tests;
