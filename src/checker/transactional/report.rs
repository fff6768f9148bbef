//! [`TxnReport`]: the answer of a transactional check, and how it is assembled from the cases
//! found (Elle's `result-map` and `boundary`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

use super::anomaly::Anomaly;
use super::case::{Case, TxnId};
use super::infer::OrderCoverage;
use super::isolation::IsolationResult;
use super::models::{
    boundary_of, implied_anomalies, impossible_models, prohibited_by, ConsistencyModel,
};
use super::options::Workload;
use crate::checker::Verdict;

/// Most cases kept per anomaly type (the count of all is in [`TxnReport::anomaly_counts`]).
pub const MAX_CASES: usize = 1000;

/// The result of checking a transactional history.
#[derive(Clone, Debug, Serialize)]
pub struct TxnReport {
    /// `valid`, `invalid`, or `unknown` (see [`TxnReport::reason`]).
    pub verdict: Verdict,
    /// The workload checked.
    pub workload: Option<Workload>,
    /// Whether the workload was inferred from the micro-ops.
    pub workload_inferred: bool,
    /// The models the history was checked against.
    pub consistency_models: Vec<ConsistencyModel>,
    /// The anomaly types reported: those the models prohibit, plus any that made the verdict
    /// `unknown` (Elle's `:anomaly-types`).
    pub anomaly_types: Vec<Anomaly>,
    /// Cases of each reported type, at most [`MAX_CASES`] each (Elle's `:anomalies`).
    pub anomalies: BTreeMap<Anomaly, Vec<Case>>,
    /// How many cases of each reported type were found.
    pub anomaly_counts: BTreeMap<Anomaly, usize>,
    /// Every anomaly type found, reported or not (what `not` and `also_not` are derived from).
    pub found: BTreeSet<Anomaly>,
    /// The weakest models the anomalies found rule out (Elle's `:not`).
    pub not: BTreeSet<ConsistencyModel>,
    /// Every stronger model they rule out too (Elle's `:also-not`).
    pub also_not: BTreeSet<ConsistencyModel>,
    /// How far a `valid` holds.
    pub scope: Scope,
    /// For `unknown`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Remarks (inference sources, incomplete searches when the verdict did not depend on them).
    pub notes: Vec<String>,
    /// The transactions the cases name, by number.
    pub txns: BTreeMap<TxnId, TxnView>,
    /// Sizes.
    pub stats: Stats,
    /// The levels decided completely (read-committed, read-atomic, causal), when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub isolation: Vec<IsolationResult>,
}

/// How far the verdict holds. Elle is sound (an anomaly reported is present in every
/// interpretation of the history) but not complete: an anomaly may hide in orders it cannot
/// infer.
#[derive(Clone, Debug, Serialize)]
pub struct Scope {
    /// The inferred version orders are total for every key, so the dependency graph is the
    /// history's only one and cycle checks decide exactly.
    pub orders_total: bool,
    /// Keys whose orders are partial, and why (a few).
    pub order_gaps: Vec<String>,
    /// The requested models are fully characterised by the anomalies checked (Adya's cycle
    /// models and their strong/session forms); for the others (read-atomic, causal,
    /// cursor-stability, ...) Elle's list of prohibited anomalies is partial.
    pub models_complete: bool,
    /// Requested models checked only partially.
    pub partial_models: Vec<ConsistencyModel>,
    /// `valid` is exact: orders total, models complete, every search finished.
    pub exact: bool,
    /// The statement, in words.
    pub statement: String,
}

/// A transaction a case names.
#[derive(Clone, Debug, Serialize)]
pub struct TxnView {
    /// Client process.
    pub process: u64,
    /// `ok`, `fail` or `info`.
    pub outcome: crate::history::Outcome,
    /// Source lines of the invocation and completion (0: none).
    pub lines: (u32, u32),
    /// Jepsen `:index` of the invocation and completion.
    pub indices: (Option<u64>, Option<u64>),
    /// The micro-ops, as text (long lists shortened).
    pub ops: String,
}

/// Sizes of the check.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// Transactions (committed, failed, indeterminate).
    pub txns: usize,
    /// Committed transactions.
    pub ok: usize,
    /// Failed transactions.
    pub fail: usize,
    /// Indeterminate transactions.
    pub info: usize,
    /// Keys.
    pub keys: usize,
    /// Dependency graph edges (after merging parallel ones).
    pub edges: usize,
    /// Strongly connected components with a cycle.
    pub cyclic_components: usize,
    /// Transactions in the largest.
    pub largest_component: usize,
    /// Wall time of the check, reading excluded.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

pub(crate) fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Models fully characterised by the anomalies checked, for which a `valid` over total orders
/// is exact: Adya's cycle conditions over the dependency graph (plus G1), alone or with process
/// or real-time edges. Snapshot isolation and its strong forms are left out: Elle checks them
/// through Cerone and Gotsman's non-adjacency condition but not G-SI itself, and we have not
/// cross-checked that against a complete search.
fn complete(model: ConsistencyModel) -> bool {
    use ConsistencyModel as M;
    matches!(
        model,
        M::ReadUncommitted
            | M::ReadCommitted
            | M::RepeatableRead
            | M::Serializable
            | M::StrictSerializable
            | M::StrongSessionReadUncommitted
            | M::StrongSessionReadCommitted
            | M::StrongReadUncommitted
            | M::StrongReadCommitted
            | M::StrongSessionSerializable
    )
}

/// Whether `case` is a cycle through a transaction that may have aborted.
fn through_indefinite(case: &Case, indefinite: &[bool]) -> bool {
    match case {
        Case::Cycle(c) | Case::CycleExists { cycle: c, .. } => c
            .txns
            .iter()
            .any(|&t| indefinite.get(t as usize).copied().unwrap_or(false)),
        _ => false,
    }
}

/// Everything found, before the verdict.
pub struct Findings {
    /// Every case, by anomaly.
    pub cases: Vec<(Anomaly, Case)>,
    /// Per transaction: whether it is indefinite (`info`), so it may have aborted.
    pub indefinite: Vec<bool>,
    /// Cycle types whose search did not finish.
    pub incomplete: Vec<Anomaly>,
    /// Version order coverage.
    pub coverage: OrderCoverage,
}

/// The verdict and the reported anomalies, per Elle's `result-map`: invalid if a prohibited
/// anomaly was found; else unknown if a prohibited cycle type could not be ruled out; else
/// valid.
pub fn assemble(
    models: &[ConsistencyModel],
    findings: Findings,
    notes: &mut Vec<String>,
) -> Partial {
    let prohibited = prohibited_by(models);
    let found: BTreeSet<Anomaly> = findings.cases.iter().map(|(a, _)| *a).collect();
    // A cycle through an indefinite transaction whose writes were read is that anomaly if it
    // committed; if it aborted, the reads of its writes were G1a. So it rules out only the
    // models that forbid both (Elle takes it as committed, a clean interpretation; at
    // read-uncommitted, which allows reading an aborted write, that is not a proof).
    let g1a = impossible_models([Anomaly::G1a]);
    let mut impossible: BTreeSet<ConsistencyModel> = BTreeSet::new();
    let mut unproven = false;
    for (anomaly, case) in &findings.cases {
        let ruled_out = impossible_models([*anomaly]);
        if through_indefinite(case, &findings.indefinite) {
            let proven: BTreeSet<_> = ruled_out.intersection(&g1a).copied().collect();
            unproven |= prohibited.contains(anomaly) && proven.len() < ruled_out.len();
            impossible.extend(proven);
        } else {
            impossible.extend(ruled_out);
        }
    }
    let wanted = super::models::implied_models(models);
    let implied = implied_anomalies(found.iter().copied());
    // A search left unfinished matters only if its type is prohibited and not already implied.
    let open: Vec<Anomaly> = findings
        .incomplete
        .iter()
        .copied()
        .filter(|a| prohibited.contains(a) && !implied.contains(a))
        .collect();
    let bad = wanted.iter().any(|m| impossible.contains(m));
    let unsure: Vec<Anomaly> = found
        .iter()
        .copied()
        .filter(|a| a.is_unknown_cause())
        .collect();
    // Cycle-exists cases are redundant once other anomalies rule their model out.
    let others = impossible_models(found.iter().copied().filter(|a| !a.is_cycle_exists()));
    let mut anomalies: BTreeMap<Anomaly, Vec<Case>> = BTreeMap::new();
    let mut counts: BTreeMap<Anomaly, usize> = BTreeMap::new();
    for (anomaly, case) in findings.cases {
        if !prohibited.contains(&anomaly) && !anomaly.is_unknown_cause() {
            continue;
        }
        if let Case::CycleExists { model, .. } = &case {
            if others.contains(model) {
                continue;
            }
        }
        *counts.entry(anomaly).or_default() += 1;
        let list = anomalies.entry(anomaly).or_default();
        if list.len() < MAX_CASES {
            list.push(case);
        }
    }
    if !findings.incomplete.is_empty() && open.is_empty() {
        notes.push(format!(
            "the search for {} did not finish in some component, which does not change the \
             verdict",
            names(&findings.incomplete)
        ));
    }
    let verdict = if bad {
        Verdict::Invalid
    } else if !open.is_empty() || !unsure.is_empty() || unproven {
        Verdict::Unknown
    } else {
        Verdict::Valid
    };
    if verdict == Verdict::Unknown && !open.is_empty() {
        anomalies.insert(
            Anomaly::CycleSearchIncomplete,
            open.iter()
                .map(|&a| Case::SearchIncomplete {
                    anomaly: a,
                    scc_size: 0,
                })
                .collect(),
        );
        counts.insert(Anomaly::CycleSearchIncomplete, open.len());
    }
    let (not, also_not) = boundary_of(impossible);
    let partial_models: Vec<ConsistencyModel> =
        models.iter().copied().filter(|m| !complete(*m)).collect();
    let exact =
        findings.coverage.total && partial_models.is_empty() && findings.incomplete.is_empty();
    let statement = match verdict {
        Verdict::Invalid => "invalid: every anomaly reported is present in every interpretation \
                             of the history (Elle's soundness)"
            .to_string(),
        Verdict::Unknown if !open.is_empty() => {
            format!("unknown: the search for {} did not finish", names(&open))
        }
        Verdict::Unknown if unproven => "unknown: a dependency cycle these models forbid passes \
                                         through an indefinite (info) transaction whose writes \
                                         were read; had it aborted, those were dirty reads, \
                                         which these models allow"
            .to_string(),
        Verdict::Unknown => "unknown: a read returned a value no transaction wrote; the database \
                             may have invented it, or the history lacks a write or starts from \
                             a state other than nil"
            .to_string(),
        Verdict::Valid if exact => "valid, exactly: the version orders are total, so the \
                                    dependency graph is the history's only one, and it has no \
                                    anomaly the models prohibit"
            .to_string(),
        Verdict::Valid => {
            let mut why = Vec::new();
            if !findings.coverage.total {
                why.push(format!(
                    "the version orders of {} key(s) are only partly known",
                    findings.coverage.partial_keys
                ));
            }
            if !partial_models.is_empty() {
                why.push(format!(
                    "{} checked only by Elle's partial list of anomalies",
                    names_m(&partial_models)
                ));
            }
            format!(
                "valid as far as inferred: no prohibited anomaly under the inferred orders ({})",
                why.join("; ")
            )
        }
    };
    let mut anomaly_types: Vec<Anomaly> = anomalies.keys().copied().collect();
    // Elle sorts the type names.
    anomaly_types.sort_by_key(|a| a.name());
    Partial {
        verdict,
        anomaly_types,
        anomalies,
        anomaly_counts: counts,
        found,
        not,
        also_not,
        scope: Scope {
            orders_total: findings.coverage.total,
            order_gaps: findings.coverage.gaps,
            models_complete: partial_models.is_empty(),
            partial_models,
            exact: exact && verdict == Verdict::Valid,
            statement,
        },
    }
}

fn names(anomalies: &[Anomaly]) -> String {
    anomalies
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn names_m(models: &[ConsistencyModel]) -> String {
    models
        .iter()
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of a report [`assemble`] decides.
pub struct Partial {
    /// See [`TxnReport::verdict`].
    pub verdict: Verdict,
    /// See [`TxnReport::anomaly_types`].
    pub anomaly_types: Vec<Anomaly>,
    /// See [`TxnReport::anomalies`].
    pub anomalies: BTreeMap<Anomaly, Vec<Case>>,
    /// See [`TxnReport::anomaly_counts`].
    pub anomaly_counts: BTreeMap<Anomaly, usize>,
    /// See [`TxnReport::found`].
    pub found: BTreeSet<Anomaly>,
    /// See [`TxnReport::not`].
    pub not: BTreeSet<ConsistencyModel>,
    /// See [`TxnReport::also_not`].
    pub also_not: BTreeSet<ConsistencyModel>,
    /// See [`TxnReport::scope`].
    pub scope: Scope,
}
