//! Splitting a history by key and checking the keys.
//!
//! Operations on different keys act on different objects, so a history is linearizable iff
//! every key's sub-history is (Herlihy & Wing's locality; Horn & Kroening's P-compositionality).
//! Keys are checked in parallel on rayon's pool, cheapest first, so a hard key does not hold up
//! the verdicts of easy ones. Every key gets a verdict unless `first_failure` is set, in which
//! case the first invalid key cancels the rest.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::budget::{Budget, Exhausted};
use super::linearizable;
use super::spec::{
    self, AppendKv, Counter, MultiRegister, Mutex, Queue, Register, Semantics, Set, Spec,
};
use super::witness;
use super::{CheckError, CheckOptions, KeyReport, Method, Model, Report, Verdict};
use crate::history::{Functions, HistoryError, KeyGroups, Location, Op, Value};

/// Operations below which keys are checked on the calling thread.
const PARALLEL_THRESHOLD: usize = 4096;
/// Least time a witness may take (more when the check itself took long).
const WITNESS_MIN_TIME: Duration = Duration::from_secs(1);

/// Checks `ops` as `options` say.
pub fn check(ops: &[Op], options: &CheckOptions) -> Result<Report, CheckError> {
    check_grouped(ops, KeyGroups::of(ops), &Functions::of(ops), options)
}

/// [`check`], with the operations already grouped by key and their functions known (see
/// [`crate::history::Paired`]).
pub fn check_grouped(
    ops: &[Op],
    keys: KeyGroups,
    functions: &Functions,
    options: &CheckOptions,
) -> Result<Report, CheckError> {
    let (model, inferred) = match options.model {
        Some(model) => (model, false),
        None => (
            Model::infer_from(ops, functions, keys.keyed(), options.format)?,
            true,
        ),
    };
    if options.initial_value.is_some() && model != Model::MultiRegister {
        return Err(CheckError::Usage(format!(
            "--initial-value applies to the multi-register model only, and this history is checked \
             against {model}"
        )));
    }
    let started = Instant::now();
    let mut report = match model {
        Model::Register => run(&Register::new(Semantics::ReadWrite), ops, keys, options),
        Model::CasRegister | Model::Kv => {
            run(&Register::new(Semantics::Jepsen), ops, keys, options)
        }
        Model::EtcdRegister => run(&Register::new(Semantics::Etcd), ops, keys, options),
        Model::AppendKv => run(&AppendKv, ops, keys, options),
        Model::Mutex => run(&Mutex, ops, keys, options),
        Model::Set => run(&Set, ops, keys, options),
        Model::Queue => run(&Queue, ops, keys, options),
        Model::Counter => run(&Counter, ops, keys, options),
        Model::MultiRegister => run(
            &MultiRegister::new(options.initial_value.clone().unwrap_or(Value::Nil)),
            ops,
            keys,
            options,
        ),
    }?;
    report.model = model;
    report.model_inferred = inferred;
    report.elapsed = started.elapsed();
    Ok(report)
}

struct Key<S: Spec> {
    key: Option<Value>,
    /// Indices of the key's operations in the history.
    members: Vec<usize>,
    /// Lifted and simplified entries.
    entries: Vec<spec::Entry<S::Op>>,
}

fn run<S: Spec>(
    spec: &S,
    ops: &[Op],
    keys: KeyGroups,
    options: &CheckOptions,
) -> Result<Report, CheckError> {
    let (groups, group_of) = keys.into_groups_and_index();
    if let Some(progress) = &options.progress {
        progress.keys_total.store(groups.len(), Ordering::Relaxed);
    }
    // Below a few thousand operations, starting threads costs more than it saves.
    let parallel = groups.len() > 1 && ops.len() >= PARALLEL_THRESHOLD;
    let parts = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    // An error is that of the first key in order that has one, before any check.
    let lifted = spec::lift_by_key(spec, ops, &group_of, groups.len(), parts)
        .map_err(|(i, problem)| op_error(options.file.as_ref(), &ops[i], problem))?;
    drop(group_of);
    let budget = Budget::new(options.time_limit, options.memory_limit);
    // Each key is simplified, checked and freed in one job, on all cores: a key's entries are
    // checked while still in cache, and freed on the core that checked them. Cheapest first (by
    // operations), so a hard key does not hold up the verdicts of easy ones.
    type Job<O> = (usize, (Option<Value>, Vec<usize>), Vec<spec::Entry<O>>);
    let mut jobs: Vec<Job<S::Op>> = groups
        .into_iter()
        .zip(lifted)
        .enumerate()
        .map(|(k, (group, raw))| (k, group, raw))
        .collect();
    jobs.sort_by_key(|(_, (_, members), _)| members.len());
    let check_one = |(k, (key, members), raw): Job<S::Op>| {
        let key = Key::<S> {
            key,
            members,
            entries: spec.simplify(raw),
        };
        let report = check_key(spec, ops, &key, options, &budget);
        if let Some(progress) = &options.progress {
            progress.keys_done.fetch_add(1, Ordering::Relaxed);
        }
        (k, report)
    };
    let mut reports: Vec<(usize, KeyReport)> = if parallel {
        jobs.into_par_iter()
            .with_max_len(1)
            .map(check_one)
            .collect()
    } else {
        jobs.into_iter().map(check_one).collect()
    };
    reports.sort_by_key(|(k, _)| *k);
    let keys: Vec<KeyReport> = reports.into_iter().map(|(_, r)| r).collect();
    let verdict = keys
        .iter()
        .fold(Verdict::Valid, |acc, k| acc.combine(k.verdict));
    Ok(Report {
        model: Model::Register,
        model_inferred: false,
        verdict,
        ops: ops.len(),
        keys,
        elapsed: Duration::ZERO,
    })
}

fn check_key<S: Spec>(
    spec: &S,
    ops: &[Op],
    key: &Key<S>,
    options: &CheckOptions,
    budget: &Budget,
) -> KeyReport {
    let started = Instant::now();
    let mut report = KeyReport {
        key: key.key.clone(),
        ops: key.members.len(),
        verdict: Verdict::Unknown,
        method: Method::Skipped,
        reason: None,
        witness: None,
        explored: 0,
        elapsed: Duration::ZERO,
    };
    if let Err(e) = budget.check() {
        report.reason = Some(e.to_string());
        if e != Exhausted::Cancelled {
            report.method = Method::Search;
        }
        return report;
    }
    let outcome = linearizable::check(spec, &key.entries, options.fast_paths, budget);
    report.verdict = outcome.verdict;
    report.method = outcome.method;
    report.explored = outcome.explored;
    report.reason = outcome.reason;
    if outcome.verdict == Verdict::Unknown && budget.is_cancelled() {
        report.method = Method::Skipped;
    }
    if outcome.verdict == Verdict::Invalid {
        if options.first_failure {
            budget.cancel();
        }
        if options.witness {
            let spent = started.elapsed();
            // A witness may take twice the check (at least a second), never past the limit.
            let mut deadline = Instant::now() + WITNESS_MIN_TIME.max(spent * 2);
            if let Some(limit) = budget.deadline() {
                deadline = deadline.min(limit);
            }
            // Lifting cannot fail here: it succeeded before.
            if let Ok(raw) = spec::lift_all(spec, ops, &key.members) {
                report.witness = Some(witness::build(
                    spec,
                    ops,
                    &raw,
                    &key.entries,
                    outcome.violation.as_ref(),
                    outcome.reached,
                    spent,
                    deadline,
                ));
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

fn op_error(file: Option<&Arc<Path>>, op: &Op, problem: String) -> CheckError {
    CheckError::Op(HistoryError::malformed(
        Location::new(file, op.source.invoke_line, 0),
        format!("{op}: {problem}"),
    ))
}
