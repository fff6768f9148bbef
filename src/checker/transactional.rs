//! Transactional consistency checking, Elle-class: infer version orders from what reads
//! reveal, build the dependency graph, find the anomalies, name the consistency models they
//! rule out.
//!
//! ```text
//! events ──extract──▶ Transactions ──infer──▶ data edges ──graph──▶ DepGraph ──cycles──▶ cycles
//!                          │                                                               │
//!                          └──anomalies──▶ non-cycle cases        explain + verify ◀───────┘
//!                                                  └──────────▶ report (verdict, not, also_not)
//! ```
//!
//! Map of this module, in reading order:
//! - [`TxnOptions`], [`Workload`] (`options.rs`): what to check;
//! - `txn.rs`: the compact history (`Txn`, micro-ops, interned keys and values, list
//!   reads as prefixes of a per-key trace);
//! - `extract.rs`: events → transactions, streaming, with the assumptions Elle makes checked;
//! - `infer.rs` + `infer/`: version orders and the ww/wr/rw edges they imply, per workload;
//! - `graph.rs`: the dependency graph (petgraph CSR), with process and realtime edges;
//! - `scc.rs`: strongly connected components (iterative Tarjan);
//! - `cycles.rs` + `cycles/`: the search for a short cycle of each type per component;
//! - `anomalies.rs` + `anomalies/`: the non-cycle anomalies (G1a, G1b, internal, ...);
//! - [`Anomaly`] (`anomaly.rs`) and [`ConsistencyModel`] (`models.rs`): names, and the lattice
//!   of models and anomalies, as data;
//! - [`Case`] (`case.rs`), `explain.rs` + `explain/`: cases, and cycles explained in words;
//! - `verify.rs`: every cycle re-derived from the history before it is reported;
//! - [`TxnReport`] (`report.rs`): the verdict and how far it holds.
//!
//! The answer is sound in Elle's sense: every anomaly reported is present in every
//! interpretation of the history. `valid` is exact only when every key's inferred version
//! order is total and the models are fully characterised ([`Scope`]); otherwise it means "no
//! prohibited anomaly under the inferred orders".
//!
//! For comparisons with a complete reference checker: an `invalid` must be invalid there too; a
//! `valid` with [`Scope::exact`] must be valid there; any other `valid` may be invalid there
//! (the anomaly hides in an order that cannot be inferred); `unknown` claims nothing.

mod anomalies;
mod anomaly;
mod case;
mod cycles;
mod explain;
mod extract;
mod graph;
mod infer;
pub mod isolation;
mod models;
mod options;
mod report;
pub(crate) mod scc;
mod txn;
mod verify;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hashbrown::HashMap;

pub use anomaly::Anomaly;
pub use case::{Case, CycleCase, Evidence, Step, TxnId};
pub use explain::text::case_lines;
pub use models::{boundary, prohibited_by, ConsistencyModel};
pub use options::{TxnOptions, Workload};
pub use report::{Scope, Stats, TxnReport, TxnView, MAX_CASES};

use crate::checker::{CheckError, Verdict};
use crate::history::format::{self, Format};
use crate::history::{History, HistoryError, Value};
use extract::{Extractor, Written};

/// A history's transactions in compact form, ready to check (reading is separate from
/// checking so callers can time them apart).
pub struct Transactions {
    history: txn::TxnHistory,
    writes: HashMap<u64, Written>,
    workload_inferred: bool,
}

impl Transactions {
    /// Extracts the transactions of `history`; errors name `file`.
    pub fn from_history(
        history: &History,
        workload: Option<Workload>,
        file: Option<Arc<Path>>,
    ) -> Result<Transactions, CheckError> {
        let mut extractor = Extractor::new(workload, file);
        for event in &history.events {
            extractor.push_ref(event)?;
        }
        Ok(Transactions::finish(extractor, workload.is_none()))
    }

    /// Reads and extracts the file at `path` (format detected when `None`), streaming: parsed
    /// values are dropped as soon as their transaction is in compact form. The flat formats
    /// (Plume, AWDIT) go into compact form whole, with no events made.
    pub fn read(
        path: &Path,
        format: Option<Format>,
        workload: Option<Workload>,
    ) -> Result<(Format, Transactions), CheckError> {
        let mut extractor = Extractor::new(workload, Some(path.into()));
        let flat = format::for_each_flat_txn(path, format, &mut |t| extractor.push_flat(t))?;
        if let Some(format) = flat {
            return Ok((format, Transactions::finish(extractor, workload.is_none())));
        }
        let mut extractor = Extractor::new(workload, Some(path.into()));
        let format = format::for_each_event(path, format, &mut |e| extractor.push(e))?;
        Ok((format, Transactions::finish(extractor, workload.is_none())))
    }

    fn finish(extractor: Extractor, inferred: bool) -> Transactions {
        let (history, writes) = extractor.finish();
        Transactions {
            history,
            writes,
            workload_inferred: inferred,
        }
    }

    /// The workload (given or inferred).
    pub fn workload(&self) -> Option<Workload> {
        self.history.workload
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.history.txns.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.history.txns.is_empty()
    }

    /// Decides `level` completely (see [`isolation`]), alone: no cycle search.
    pub fn isolation(
        &self,
        level: isolation::Level,
        deadline: Option<Instant>,
    ) -> isolation::IsolationResult {
        isolation::check(&self.history, &self.writes, level, deadline)
    }

    /// The text lines describing one case of a report made from these transactions.
    pub fn case_lines(&self, anomaly: Anomaly, case: &Case) -> Vec<String> {
        case_lines(&self.history, anomaly, case)
    }
}

/// Checks a history's transactions (see the module documentation).
pub fn check(history: &History, options: &TxnOptions) -> Result<TxnReport, CheckError> {
    let txns = Transactions::from_history(history, options.workload, options.file.clone())?;
    check_transactions(&txns, options)
}

/// Whether a history looks transactional: its first client operation's value is a list of
/// micro-ops (`[f k v]` with `f` one of `r`, `append`, `w`), or its function is `txn` — unless
/// its micro-ops are all Knossos' `[read k v]` / `[write k v]`, which the linearizability
/// checker's `multi-register` model decides (Knossos' histories repeat values, which Elle's
/// inference cannot order).
pub fn looks_transactional(event: &crate::history::Event) -> bool {
    let mops = event.value.as_list();
    let all_micro = |names: &[&str]| {
        mops.is_some_and(|mops| {
            !mops.is_empty()
                && mops.iter().all(|m| {
                    m.as_list().is_some_and(|p| {
                        (2..=3).contains(&p.len())
                            && p[0].as_text().is_some_and(|f| names.contains(&f))
                    })
                })
        })
    };
    if &*event.f == "txn" {
        return !all_micro(&["read", "write"]);
    }
    all_micro(&["r", "append", "w"])
}

/// Whether the file at `path` holds a transactional history (judged by its first client
/// event; see [`looks_transactional`]).
pub fn file_is_transactional(path: &Path, format: Option<Format>) -> Result<bool, HistoryError> {
    let mut verdict = None;
    let stop = |at| HistoryError::malformed(crate::history::Location::new(None, at, 0), "stop");
    let read = format::for_each_event(path, format, &mut |e| {
        if matches!(e.process, crate::history::Process::Client(_)) {
            verdict = Some(looks_transactional(&e));
            return Err(stop(e.line));
        }
        Ok(())
    });
    match (read, verdict) {
        (_, Some(v)) => Ok(v),
        (Ok(_), None) => Ok(false),
        (Err(e), None) => Err(e),
    }
}

/// Checks extracted transactions.
pub fn check_transactions(
    txns: &Transactions,
    options: &TxnOptions,
) -> Result<TxnReport, CheckError> {
    let start = Instant::now();
    let deadline = options.time_limit.map(|d| start + d);
    let history = &txns.history;
    let mut notes = Vec::new();
    let out_of_time = |what: &str| -> Result<(), String> {
        match (deadline, options.time_limit) {
            (Some(d), Some(limit)) if Instant::now() >= d => Err(format!(
                "time limit of {} reached while {what}",
                humantime(limit)
            )),
            _ => Ok(()),
        }
    };
    let unknown = |reason: String| unknown_report(txns, options, reason, start);
    if let Err(r) = out_of_time("reading") {
        return Ok(unknown(r));
    }
    let inferred = infer_all(txns, options, &mut notes);
    if let Err(r) = out_of_time("inferring version orders") {
        return Ok(unknown(r));
    }
    let needs = prohibited_by(&options.consistency_models);
    let orders = graph::Orders {
        process: needs.iter().any(|a| a.name().contains("-process")),
        realtime: needs.iter().any(|a| a.name().contains("-realtime")),
    };
    let estimate =
        (inferred.edges.len() as u64 + 3 * history.txns.len() as u64) * graph::BYTES_PER_EDGE;
    if let Some(limit) = options.memory_limit {
        if estimate > limit {
            return Ok(unknown(format!(
                "memory limit of {} MiB reached: the dependency graph needs about {} MiB",
                limit >> 20,
                estimate >> 20
            )));
        }
    }
    let edge_total = inferred.edges.len();
    let graph = graph::build(history, inferred.edges, orders);
    if edge_total == 0 {
        notes.push("no dependency between transactions was inferred".to_string());
    }
    let search = cycles::SearchOptions {
        budget: options.cycle_search_budget,
        deadline,
        models: ConsistencyModel::ALL.to_vec(),
    };
    let Ok(found) = cycles::search(&graph, &search) else {
        return Ok(unknown(format!(
            "time limit of {} reached while searching for cycles",
            humantime(options.time_limit.unwrap_or_default())
        )));
    };
    let analysis = match &inferred.order {
        Order::ListAppend(o) => explain::Analysis::list_append(history, o, &txns.writes),
        Order::RwRegister(o, access) => explain::Analysis::rw_register(o, access),
    };
    let mut cases = inferred.cases;
    for (anomaly, raw) in &found.cycles {
        let cycle = explain::cycle_case(history, &analysis, *anomaly, raw)?;
        verify::verify(history, &txns.writes, &cycle, true).map_err(|why| {
            CheckError::Harness(format!("a {anomaly} cycle failed re-verification: {why}"))
        })?;
        cases.push((*anomaly, Case::Cycle(cycle)));
    }
    for (model, anomaly, size, raw) in &found.exists {
        let cycle = explain::cycle_case(history, &analysis, *anomaly, raw)?;
        verify::verify(history, &txns.writes, &cycle, false).map_err(|why| {
            CheckError::Harness(format!("a {anomaly} witness failed re-verification: {why}"))
        })?;
        cases.push((
            *anomaly,
            Case::CycleExists {
                model: *model,
                scc_size: *size,
                cycle,
            },
        ));
    }
    let findings = report::Findings {
        indefinite: (history.txns.iter())
            .map(|t| t.outcome == crate::history::Outcome::Info)
            .collect(),
        cases,
        incomplete: found.incomplete.iter().map(|(a, _)| *a).collect(),
        coverage: inferred.coverage,
    };
    let partial = report::assemble(&options.consistency_models, findings, &mut notes);
    let views = views(history, &partial.anomalies);
    let reason = (partial.verdict == Verdict::Unknown).then(|| partial.scope.statement.clone());
    Ok(TxnReport {
        verdict: partial.verdict,
        workload: history.workload,
        workload_inferred: txns.workload_inferred,
        consistency_models: options.consistency_models.clone(),
        anomaly_types: partial.anomaly_types,
        anomalies: partial.anomalies,
        anomaly_counts: partial.anomaly_counts,
        found: partial.found,
        not: partial.not,
        also_not: partial.also_not,
        scope: partial.scope,
        reason,
        notes,
        txns: views,
        stats: stats(txns, graph.edge_count, &found, start.elapsed()),
        isolation: Vec::new(),
    }
    .with_isolation(txns, options, deadline))
}

impl TxnReport {
    /// Adds the complete answers for the levels asked for (read-committed, read-atomic,
    /// causal) and folds them into the verdict: an invalid level makes the history invalid; a
    /// valid one makes `valid` exact when every model asked for is decided completely. The
    /// complete answer never overrides an anomaly the cycle checker proved; if the two
    /// disagree, a note says so.
    fn with_isolation(
        mut self,
        txns: &Transactions,
        options: &TxnOptions,
        deadline: Option<Instant>,
    ) -> TxnReport {
        let levels: std::collections::BTreeSet<isolation::Level> = (options.consistency_models)
            .iter()
            .filter_map(|m| isolation::Level::of(*m))
            .collect();
        if levels.is_empty() || !options.complete_levels {
            return self;
        }
        let assumptions = options.sequential_keys || options.linearizable_keys;
        for level in levels {
            let result = isolation::check(&txns.history, &txns.writes, level, deadline);
            match result.verdict {
                Verdict::Invalid => {
                    self.verdict = Verdict::Invalid;
                    for &m in &options.consistency_models {
                        if isolation::Level::of(m) == Some(level)
                            && !self.not.contains(&m)
                            && !self.also_not.contains(&m)
                        {
                            self.not.insert(m);
                        }
                    }
                }
                Verdict::Unknown if self.verdict == Verdict::Valid => {
                    self.verdict = Verdict::Unknown;
                    self.reason = Some(format!(
                        "the complete {level} check stopped: {}",
                        result.reason.as_deref().unwrap_or("limit")
                    ));
                }
                Verdict::Valid if !assumptions => {
                    let model = match level {
                        isolation::Level::ReadCommitted => ConsistencyModel::ReadCommitted,
                        isolation::Level::ReadAtomic => ConsistencyModel::ReadAtomic,
                        isolation::Level::Causal => ConsistencyModel::CausalCerone,
                    };
                    let forbidden = prohibited_by(&[model]);
                    let seen: Vec<&str> = (self.found.iter())
                        .filter(|a| forbidden.contains(a))
                        .map(|a| a.name())
                        .collect();
                    if !seen.is_empty() {
                        self.notes.push(format!(
                            "disagreement: the cycle checker found {}, which {} forbids, but \
                             the complete {level} check found a commit order",
                            seen.join(", "),
                            model.name()
                        ));
                    }
                }
                _ => {}
            }
            self.isolation.push(result);
        }
        let all_decided =
            (options.consistency_models.iter()).all(|m| isolation::Level::of(*m).is_some());
        if self.verdict == Verdict::Valid && all_decided {
            let names: Vec<&str> = self.isolation.iter().map(|r| r.level.name()).collect();
            self.scope.exact = true;
            self.scope.statement = format!(
                "valid: decided completely for {} (Biswas–Enea axioms: a commit order exists)",
                names.join(", ")
            );
        }
        self
    }
}

enum Order {
    ListAppend(infer::list_append::ListAppendOrder),
    RwRegister(
        infer::rw_register::RegisterOrder,
        infer::rw_register::Access,
    ),
}

struct Inferred {
    order: Order,
    edges: Vec<infer::DataEdge>,
    cases: Vec<(Anomaly, Case)>,
    coverage: infer::OrderCoverage,
}

fn infer_all(txns: &Transactions, options: &TxnOptions, notes: &mut Vec<String>) -> Inferred {
    let history = &txns.history;
    match history.workload {
        Some(Workload::RwRegister) => {
            let order = infer::rw_register::order(
                history,
                options.sequential_keys,
                options.linearizable_keys,
            );
            notes.push(format!(
                "rw-register version orders inferred from: {}",
                order.sources.join(", ")
            ));
            let access = infer::rw_register::access(history, &order, &txns.writes);
            let edges = infer::rw_register::edges(history, &order, &access);
            let coverage = infer::rw_register::coverage(history, &order, &access);
            let mut cases = anomalies::rw_register(history, &txns.writes);
            cases.extend(
                order
                    .cyclic
                    .iter()
                    .map(|c| (Anomaly::CyclicVersions, c.clone())),
            );
            Inferred {
                order: Order::RwRegister(order, access),
                edges,
                cases,
                coverage,
            }
        }
        _ => {
            let order = infer::list_append::order(history, &txns.writes);
            let edges = infer::list_append::edges(history, &order);
            let coverage = infer::list_append::coverage(history, &order);
            let cases = anomalies::list_append(history, &txns.writes, &order);
            Inferred {
                order: Order::ListAppend(order),
                edges,
                cases,
                coverage,
            }
        }
    }
}

/// The transactions the reported cases name.
fn views(
    history: &txn::TxnHistory,
    anomalies: &std::collections::BTreeMap<Anomaly, Vec<Case>>,
) -> std::collections::BTreeMap<TxnId, TxnView> {
    let mut ids: Vec<TxnId> = Vec::new();
    for case in anomalies.values().flatten() {
        match case {
            Case::Cycle(c) | Case::CycleExists { cycle: c, .. } => ids.extend(&c.txns),
            Case::Read { reader, writer, .. } => {
                ids.extend(std::iter::once(*reader).chain(*writer))
            }
            Case::Internal { txn, .. }
            | Case::FutureRead { txn, .. }
            | Case::DuplicateElements { txn, .. }
            | Case::IncompatibleOrder { txn, .. } => ids.push(*txn),
            Case::AppendOrder { txn, writer, .. } => ids.extend([*txn, *writer]),
            Case::DirtyUpdate { txns, .. } | Case::LostUpdate { txns, .. } => ids.extend(txns),
            Case::CyclicVersions { .. } | Case::SearchIncomplete { .. } => {}
        }
    }
    ids.into_iter()
        .map(|t| {
            let txn = &history.txns[t as usize];
            (
                t,
                TxnView {
                    process: txn.process,
                    outcome: txn.outcome,
                    lines: txn.lines,
                    indices: txn.indices,
                    ops: explain::text::txn_ops(history, t),
                },
            )
        })
        .collect()
}

fn stats(txns: &Transactions, edges: usize, found: &cycles::Found, elapsed: Duration) -> Stats {
    use crate::history::Outcome;
    let h = &txns.history;
    let count = |o: Outcome| h.txns.iter().filter(|t| t.outcome == o).count();
    Stats {
        txns: h.txns.len(),
        ok: count(Outcome::Ok),
        fail: count(Outcome::Fail),
        info: count(Outcome::Info),
        keys: h.keys.len(),
        edges,
        cyclic_components: found.components,
        largest_component: found.largest,
        elapsed,
    }
}

fn unknown_report(
    txns: &Transactions,
    options: &TxnOptions,
    reason: String,
    start: Instant,
) -> TxnReport {
    TxnReport {
        verdict: Verdict::Unknown,
        workload: txns.history.workload,
        workload_inferred: txns.workload_inferred,
        consistency_models: options.consistency_models.clone(),
        anomaly_types: Vec::new(),
        anomalies: Default::default(),
        anomaly_counts: Default::default(),
        found: Default::default(),
        not: Default::default(),
        also_not: Default::default(),
        scope: Scope {
            orders_total: false,
            order_gaps: Vec::new(),
            models_complete: false,
            partial_models: Vec::new(),
            exact: false,
            statement: format!("unknown: {reason}"),
        },
        reason: Some(reason),
        notes: Vec::new(),
        txns: Default::default(),
        stats: stats(txns, 0, &cycles::Found::default(), start.elapsed()),
        isolation: Vec::new(),
    }
}

fn humantime(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.3} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// A key or value of a case, for callers building their own text.
pub fn show(value: &Value) -> String {
    explain::text::short(value)
}
