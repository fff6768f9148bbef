//! Finding cycles: strongly connected components, then per component and per anomaly type a
//! short witness cycle.
//!
//! Map:
//! - `spec.rs`: the cycle types as automata over edge kinds (and the models' cycle conditions);
//! - `sub.rs`: a component copied out with local numbers; its parts under a spec's edge kinds;
//! - `bfs.rs`: the search from one seed edge (0-1 BFS over vertex × automaton state);
//! - `classify.rs`: closed walk → simple cycles → anomaly names.
//!
//! Per component, types are searched most severe first, skipping types implied by those
//! already found there (Elle's order and rule). For each type, the linear-time part check
//! (`sub.rs`) decides most cases outright: no seed edge inside a part that also has every
//! required kind means no such cycle, exactly. Otherwise seeds are searched one by one; every
//! closed walk found is split into simple cycles, each reported under the type it actually is
//! (a cycle is a cycle, whatever search found it). The first witness of a type is improved by
//! trying further seeds (all of them in small components) and keeping the shortest.
//!
//! Seed searches share a work budget per (component, type). When it runs out before a type is
//! decided, the type is reported as `cycle-search-incomplete`, never dropped, and each model
//! whose cycle condition holds in the component but is not already ruled out by the cycles
//! found gets a `<model>-cycle-exists` case with a witness: those conditions are decided by
//! linear-time part checks, so the verdict never depends on the budget.

pub mod bfs;
pub mod classify;
pub mod spec;
pub mod sub;

use std::time::Instant;

use super::anomaly::Anomaly;
use super::graph::DepGraph;
use super::infer::{PROCESS, REALTIME};
use super::models::{implied_anomalies, impossible_models, ConsistencyModel};
use super::scc;
use bfs::{Bfs, OutOfWork};
use classify::{classify, collapse, normalize, simple_cycles, RawCycle};
use spec::Spec;
use sub::{Parts, Sub};

/// What to search, and the limits.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Work per (component, type) for seed searches.
    pub budget: u64,
    /// Give up (the whole check is `unknown`) after this instant.
    pub deadline: Option<Instant>,
    /// Models to check cycle conditions of when a search is incomplete.
    pub models: Vec<ConsistencyModel>,
}

/// What the search found.
#[derive(Debug, Default)]
pub struct Found {
    /// One cycle per (component, anomaly type).
    pub cycles: Vec<(Anomaly, RawCycle)>,
    /// Types whose search ran out of work, with the size of the component.
    pub incomplete: Vec<(Anomaly, usize)>,
    /// Model cycle conditions shown only by a fallback witness.
    pub exists: Vec<(ConsistencyModel, Anomaly, usize, RawCycle)>,
    /// Components with a cycle.
    pub components: usize,
    /// Transactions in the largest one.
    pub largest: usize,
}

/// The deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeUp;

/// Searches every cyclic component of `graph`.
pub fn search(graph: &DepGraph, options: &SearchOptions) -> Result<Found, TimeUp> {
    let n = graph.vertex_count();
    let sccs = scc::tarjan(n, 0..n as u32, |v| graph.out(v).map(|(w, _)| w));
    let mut found = Found::default();
    let mut local = vec![scc::NONE; n];
    let kinds_present = edge_kinds(graph);
    for members in sccs.nontrivial() {
        let sub = Sub::extract(graph, &members, &mut local);
        let txns = sub.txn_count();
        if txns < 2 {
            continue;
        }
        found.components += 1;
        found.largest = found.largest.max(txns);
        search_component(&sub, kinds_present, options, &mut found)?;
    }
    Ok(found)
}

/// The union of all edge kinds in the graph (a variant is searched only if its kinds exist).
fn edge_kinds(graph: &DepGraph) -> u8 {
    let mut kinds = 0;
    for v in 0..graph.vertex_count() as u32 {
        for (_, k) in graph.out(v) {
            kinds |= k;
        }
        if kinds & (PROCESS | REALTIME) == PROCESS | REALTIME {
            break;
        }
    }
    kinds
}

fn time_up(options: &SearchOptions) -> Result<(), TimeUp> {
    match options.deadline {
        Some(d) if Instant::now() >= d => Err(TimeUp),
        _ => Ok(()),
    }
}

/// What searching one type in one component came to.
enum Outcome {
    Found,
    Absent,
    Incomplete,
}

fn search_component(
    sub: &Sub,
    kinds_present: u8,
    options: &SearchOptions,
    found: &mut Found,
) -> Result<(), TimeUp> {
    let txns = sub.txn_count();
    let mut bfs = Bfs::new(sub);
    let mut here: Vec<Anomaly> = Vec::new();
    let mut incomplete = false;
    for spec in Spec::search_order() {
        time_up(options)?;
        if spec.need != 0 && kinds_present & spec.need == 0 {
            continue;
        }
        if implied_anomalies(here.iter().copied())
            .iter()
            .any(|a| *a == spec.anomaly)
        {
            continue;
        }
        let parts = Parts::of(sub, &spec);
        match find(sub, &parts, &spec, &mut bfs, options, &mut here, found)? {
            Outcome::Found | Outcome::Absent => {}
            Outcome::Incomplete => {
                incomplete = true;
                found.incomplete.push((spec.anomaly, txns));
            }
        }
    }
    if incomplete {
        cycle_exists(sub, &mut bfs, options, &here, found)?;
    }
    Ok(())
}

/// Searches one type; records every simple cycle found (of whatever type) new to `here`.
fn find(
    sub: &Sub,
    parts: &Parts,
    spec: &Spec,
    bfs: &mut Bfs,
    options: &SearchOptions,
    here: &mut Vec<Anomaly>,
    found: &mut Found,
) -> Result<Outcome, TimeUp> {
    let mut work = options.budget;
    let small = sub.txn_count() <= 64;
    let mut best: Option<RawCycle> = None;
    let mut extra_tries = 0usize;
    let mut others: Vec<(Anomaly, RawCycle)> = Vec::new();
    for u in 0..sub.len() as u32 {
        if !sub.txn[u as usize] {
            continue;
        }
        for (v, kinds) in sub.out(u) {
            let kind = spec.seed_kind(kinds);
            if kind == 0 {
                continue;
            }
            let Some(comp) = parts.seed_comp(spec, u, v, kind) else {
                continue;
            };
            if best.is_some() && !small {
                extra_tries += 1;
                if extra_tries > 16 {
                    break;
                }
            }
            time_up(options)?;
            let walk = match bfs.search(sub, parts, comp, spec, (u, v, kind), &mut work) {
                Ok(Some(walk)) => walk,
                Ok(None) => continue,
                Err(OutOfWork) if best.is_some() => break,
                Err(OutOfWork) => {
                    record_others(others, here, found);
                    return Ok(Outcome::Incomplete);
                }
            };
            for cycle in simple_cycles(&collapse(sub, &walk)) {
                match classify(&cycle) {
                    Some(a)
                        if a == spec.anomaly
                            && best
                                .as_ref()
                                .is_none_or(|b| cycle.txns.len() < b.txns.len()) =>
                    {
                        best = Some(cycle);
                    }
                    Some(a) if a != spec.anomaly && !others.iter().any(|(o, _)| *o == a) => {
                        others.push((a, cycle));
                    }
                    _ => {}
                }
            }
        }
    }
    record_others(others, here, found);
    match best {
        Some(cycle) => {
            here.push(spec.anomaly);
            found.cycles.push((spec.anomaly, normalize(cycle)));
            Ok(Outcome::Found)
        }
        None => Ok(Outcome::Absent),
    }
}

/// Cycles of other types met on the way are real too; keep the first of each new type.
fn record_others(others: Vec<(Anomaly, RawCycle)>, here: &mut Vec<Anomaly>, found: &mut Found) {
    for (a, cycle) in others {
        if !here.contains(&a) {
            here.push(a);
            found.cycles.push((a, normalize(cycle)));
        }
    }
}

/// For each model whose cycle condition holds in `sub` and is not already ruled out by the
/// cycles found, a fallback witness.
fn cycle_exists(
    sub: &Sub,
    bfs: &mut Bfs,
    options: &SearchOptions,
    here: &[Anomaly],
    found: &mut Found,
) -> Result<(), TimeUp> {
    let ruled_out = impossible_models(here.iter().copied());
    for &model in &options.models {
        let Some(spec) = Spec::cycle_exists(model) else {
            continue;
        };
        if ruled_out.contains(&model) {
            continue;
        }
        time_up(options)?;
        let parts = Parts::of(sub, &spec);
        let mut witness = None;
        'seeds: for u in 0..sub.len() as u32 {
            if !sub.txn[u as usize] {
                continue;
            }
            for (v, kinds) in sub.out(u) {
                let kind = spec.seed_kind(kinds);
                if kind == 0 {
                    continue;
                }
                let Some(comp) = parts.seed_comp(&spec, u, v, kind) else {
                    continue;
                };
                // No budget here: inside a part a closed walk through the seed always exists,
                // so this search ends with a walk after at most one pass over the part.
                let mut work = u64::MAX;
                if let Ok(Some(walk)) =
                    bfs.search(sub, &parts, comp, &spec, (u, v, kind), &mut work)
                {
                    witness = simple_cycles(&collapse(sub, &walk)).into_iter().next();
                    break 'seeds;
                }
            }
        }
        if let Some(cycle) = witness {
            found
                .exists
                .push((model, spec.anomaly, sub.txn_count(), normalize(cycle)));
        }
    }
    Ok(())
}
