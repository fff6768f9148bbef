//! The end of a run, whatever ended it: `history.edn`, the workload's check (off the async
//! threads; an interruption gives up on it), a `valid` that proves nothing demoted to
//! `unknown`, the trace validation of a reference node run (`validation.json`; its verdict
//! folds into the run's), the outcome, and `results.json`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::checker::Verdict;
use crate::history::{format, EventKind, Format, History};
use crate::runner::backend::BackendSummary;
use crate::runner::nemesis::Scheduled;
use crate::runner::outcome::{OpStats, RunOutcome, RunStatus, TraceCheck};
use crate::runner::plan::{NodeCommand, RunPlan};
use crate::runner::recorder::Recorder;
use crate::runner::store::Store;
use crate::runner::workload::{Workload, WorkloadCheck};
use crate::runner::{RunError, RunProgress, StopHandle};
use crate::validate::{self, ValidateOptions};

/// Everything the end of a run needs.
pub(super) struct Ending<'a> {
    pub(super) plan: &'a RunPlan,
    pub(super) replay: String,
    pub(super) store: Store,
    pub(super) recorder: Arc<Recorder>,
    /// How the phases ended.
    pub(super) result: Result<(), RunError>,
    /// The workload, if the clients got as far as being created.
    pub(super) workload: Option<Box<dyn Workload>>,
    pub(super) applied: Vec<Scheduled>,
    /// The requested fault kinds that never took effect, with why.
    pub(super) faults_without_effect: Vec<String>,
    pub(super) summary: BackendSummary,
    /// How long the client phase lasted.
    pub(super) client_time: Duration,
    pub(super) stop: StopHandle,
    pub(super) progress: Arc<RunProgress>,
    pub(super) started: std::time::Instant,
}

pub(super) async fn finish(end: Ending<'_>) -> Result<RunOutcome, RunError> {
    end.recorder.flush();
    let history = end.recorder.history();
    write_edn(&end.store, &history)?;
    let interrupted = end.stop.is_stopped();
    let status = match (end.result, end.workload) {
        (Err(e), _) => RunStatus::Failed(e),
        (Ok(()), None) if interrupted => RunStatus::Checked(crate::runner::workload::interrupted()),
        (Ok(()), None) => RunStatus::Failed(RunError::Plan("no client ran".into())),
        (Ok(()), Some(workload)) => {
            end.progress.set_phase("checking");
            match check(workload, history.clone(), !interrupted, &end.stop).await {
                Ok(check) => RunStatus::Checked(check),
                Err(e) => RunStatus::Failed(e),
            }
        }
    };
    let trace = match &status {
        RunStatus::Checked(_) if wants_validation(end.plan) && !interrupted => {
            end.progress.set_phase("validating");
            Some(validate_trace(end.store.dir().to_path_buf()).await)
        }
        _ => None,
    };
    let ops = OpStats::of(&history);
    let ok_per_second = ok_per_second(&history, end.client_time);
    let mut outcome = RunOutcome {
        store: end.store.dir().to_path_buf(),
        seed: end.plan.seed,
        replay: end.replay,
        status,
        interrupted,
        ops,
        net: end.summary.net,
        faults: end.applied,
        elapsed: end.started.elapsed(),
        ok_per_second,
        backend: end.summary.section,
        notes: end.summary.notes,
        faults_without_effect: end.faults_without_effect,
        trace,
    };
    if let RunStatus::Checked(c) = &mut outcome.status {
        demote_unproven(c, &outcome.ops, interrupted);
        demote_without_faults(c, &outcome.faults_without_effect);
        if let Some(note) = check_availability(c, &outcome.ops, end.plan.availability) {
            outcome.notes.push(note);
        }
    }
    let results = serde_json::to_vec_pretty(&outcome.results_json()).unwrap_or_default();
    let path = end.store.path("results.json");
    std::fs::write(&path, results).map_err(|source| RunError::Store {
        path,
        error: source,
    })?;
    Ok(outcome)
}

/// Whether the run's nodes keep journals to validate: splitbrain's reference nodes that have a
/// model spec, unless the plan says not to.
fn wants_validation(plan: &RunPlan) -> bool {
    plan.validate
        && matches!(&plan.node, NodeCommand::Named { name, .. }
            if validate::VALIDATABLE.contains(&name.as_str()))
}

/// Validates the run in `dir` against the correct model (off the async threads), writes
/// `validation.json`; a run that cannot be validated is `unknown`, never `valid`.
async fn validate_trace(dir: PathBuf) -> TraceCheck {
    let task = tokio::task::spawn_blocking(move || {
        if !validate::has_journals(&dir) {
            return Err(
                "the nodes kept no journals (no data/n0/journal.jsonl beside a messages.jsonl)"
                    .to_string(),
            );
        }
        let validation =
            validate::validate(&dir, &ValidateOptions::default()).map_err(|e| e.to_string())?;
        let text = serde_json::to_vec_pretty(&validation).unwrap_or_default();
        let path = dir.join(validate::VALIDATION_FILE);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(validation)
    });
    let result = match task.await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    match result {
        Ok(v) => TraceCheck {
            verdict: v.verdict,
            summary: v.summary(),
            mark: v.mark(),
            error: None,
        },
        Err(why) => TraceCheck {
            verdict: Verdict::Unknown,
            summary: format!("not validated: {why}"),
            mark: None,
            error: Some(why),
        },
    }
}

/// A valid verdict needs successful operations and a whole run: a violation in a partial
/// history is real, its absence proves nothing.
fn demote_unproven(c: &mut WorkloadCheck, ops: &OpStats, interrupted: bool) {
    if c.verdict == Verdict::Valid && ops.ok == 0 {
        c.verdict = Verdict::Unknown;
        c.summary = format!("no operation succeeded ({})", c.summary);
    } else if c.verdict == Verdict::Valid && interrupted {
        c.verdict = Verdict::Unknown;
        c.summary = format!("interrupted; valid so far ({})", c.summary);
    }
}

/// Maelstrom's `--availability`: the fraction of client operations that completed `ok` must
/// reach `target`; below it the run is invalid whatever the workload's verdict. Returns the note
/// that reports the fraction.
fn check_availability(c: &mut WorkloadCheck, ops: &OpStats, target: Option<f64>) -> Option<String> {
    let target = target?;
    let fraction = if ops.count == 0 {
        0.0
    } else {
        ops.ok as f64 / ops.count as f64
    };
    let met = fraction >= target;
    let note = format!(
        "availability: {} of {} operations ok (ok-fraction {fraction:.4}); required {}: {}",
        ops.ok,
        ops.count,
        if target >= 1.0 {
            "total".to_string()
        } else {
            target.to_string()
        },
        if met { "met" } else { "NOT met" }
    );
    if !met && ops.count > 0 {
        c.verdict = Verdict::Invalid;
        c.summary = format!(
            "availability not met: ok-fraction {fraction:.4} < {target}; {}",
            c.summary
        );
    }
    Some(note)
}

/// A valid verdict of a run whose requested faults never took effect says nothing about those
/// faults: it is `unknown`, with the reasons.
fn demote_without_faults(c: &mut WorkloadCheck, without_effect: &[String]) {
    if c.verdict == Verdict::Valid && !without_effect.is_empty() {
        c.verdict = Verdict::Unknown;
        c.summary = format!(
            "{}; valid so far ({})",
            without_effect.join("; "),
            c.summary
        );
    }
}

/// Completed (`ok`) client operations per second of the client phase.
fn ok_per_second(history: &History, client_time: Duration) -> f64 {
    if client_time.is_zero() {
        return 0.0;
    }
    let ok = history
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Ok)
        .count();
    ok as f64 / client_time.as_secs_f64()
}

fn write_edn(store: &Store, history: &History) -> Result<(), RunError> {
    let mut file = store.create_file("history.edn")?;
    format::write(history, Format::Edn, &mut file).map_err(|source| RunError::Store {
        path: store.path("history.edn"),
        error: source,
    })
}

/// Runs the workload's checker on a blocking thread; an interruption gives up on it.
async fn check(
    workload: Box<dyn Workload>,
    history: History,
    complete: bool,
    stop: &StopHandle,
) -> Result<WorkloadCheck, RunError> {
    let task = tokio::task::spawn_blocking(move || workload.check(&history, complete));
    tokio::select! {
        r = task => match r {
            Ok(r) => Ok(r?),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        },
        _ = stop.wait(), if complete => Ok(WorkloadCheck {
            verdict: Verdict::Unknown,
            summary: "the check was interrupted".into(),
            details: Json::Null,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> WorkloadCheck {
        WorkloadCheck {
            verdict: Verdict::Valid,
            summary: "ok".into(),
            details: Json::Null,
        }
    }

    #[test]
    fn total_availability_makes_one_failed_operation_invalid() {
        let ops = OpStats {
            count: 10,
            ok: 9,
            fail: 1,
            ..OpStats::default()
        };
        let mut c = valid();
        let note = check_availability(&mut c, &ops, Some(1.0)).unwrap();
        assert_eq!(c.verdict, Verdict::Invalid);
        assert!(note.contains("NOT met"), "{note}");
        let mut c = valid();
        check_availability(&mut c, &ops, Some(0.9));
        assert_eq!(c.verdict, Verdict::Valid);
        let mut c = valid();
        assert!(check_availability(&mut c, &ops, None).is_none());
    }

    #[test]
    fn a_valid_verdict_without_a_successful_operation_is_unknown() {
        let mut c = valid();
        demote_unproven(&mut c, &OpStats::default(), false);
        assert_eq!(c.verdict, Verdict::Unknown);
        assert!(c.summary.starts_with("no operation succeeded"));
    }

    #[test]
    fn a_valid_verdict_of_an_interrupted_run_is_unknown_but_invalid_stays() {
        let ops = OpStats {
            ok: 3,
            ..OpStats::default()
        };
        let mut c = valid();
        demote_unproven(&mut c, &ops, true);
        assert_eq!(c.verdict, Verdict::Unknown);
        let mut bad = WorkloadCheck {
            verdict: Verdict::Invalid,
            ..valid()
        };
        demote_unproven(&mut bad, &ops, true);
        assert_eq!(bad.verdict, Verdict::Invalid);
    }
}
