//! [`RunOutcome`]: what a run produced, and `results.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value as Json};

use super::nemesis::Scheduled;
use super::net_stats::NetStats;
use super::workload::WorkloadCheck;
use super::RunError;
use crate::checker::Verdict;
use crate::history::{History, Outcome};

/// How a run ended.
#[derive(Debug)]
pub enum RunStatus {
    /// The history was checked.
    Checked(WorkloadCheck),
    /// The run stopped on an error (a node broke the protocol, ...); the partial history is in
    /// the store.
    Failed(RunError),
}

/// Operation counts, overall and per function.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OpStats {
    /// Client operations invoked.
    pub count: u64,
    /// Completed `ok`.
    pub ok: u64,
    /// Completed `fail`.
    pub fail: u64,
    /// Completed `info`, or never completed.
    pub info: u64,
    /// The same per function: `[count, ok, fail, info]`.
    pub by_f: BTreeMap<String, [u64; 4]>,
}

impl OpStats {
    /// Counts the operations of `history` (unpairable histories count nothing).
    pub fn of(history: &History) -> OpStats {
        let mut s = OpStats::default();
        for op in history.ops(None).unwrap_or_default() {
            let slot = match op.outcome {
                Outcome::Ok => 1,
                Outcome::Fail => 2,
                Outcome::Info => 3,
            };
            let row = s.by_f.entry(op.f.to_string()).or_default();
            row[0] += 1;
            row[slot] += 1;
            s.count += 1;
            match op.outcome {
                Outcome::Ok => s.ok += 1,
                Outcome::Fail => s.fail += 1,
                Outcome::Info => s.info += 1,
            }
        }
        s
    }
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The run's store directory.
    pub store: PathBuf,
    /// The seed.
    pub seed: u64,
    /// The command that replays the run's schedule.
    pub replay: String,
    /// Checked, or failed.
    pub status: RunStatus,
    /// Whether SIGINT/SIGTERM (or a [`super::StopHandle`]) cut the run short.
    pub interrupted: bool,
    /// Operation counts.
    pub ops: OpStats,
    /// Network counters.
    pub net: NetStats,
    /// The faults applied, with their times.
    pub faults: Vec<Scheduled>,
    /// Wall time of the run, checking included.
    pub elapsed: Duration,
    /// Completed (`ok`) client operations per second of the client phase.
    pub ok_per_second: f64,
    /// The backend's own section of `results.json` (`"netns": {...}`), if it has one.
    pub backend: Option<(&'static str, Json)>,
    /// What the backend wants the user told (a node that exited on its own, failover times).
    pub notes: Vec<String>,
    /// The requested fault kinds that never took effect, each with why (a `valid` verdict of
    /// such a run is demoted to `unknown`).
    pub faults_without_effect: Vec<String>,
    /// The trace check of a reference node run (`splitbrain validate`), when it ran.
    pub trace: Option<TraceCheck>,
}

/// The end-of-run trace validation of a reference node run: its verdict is folded into the
/// run's (an invalid trace makes the run invalid even when the history is valid).
#[derive(Clone, Debug)]
pub struct TraceCheck {
    /// valid, invalid or unknown (unknown also when validation could not run).
    pub verdict: Verdict,
    /// One line.
    pub summary: String,
    /// Where the first divergent step is, for the report.
    pub mark: Option<crate::validate::Mark>,
    /// Why validation could not run, if it could not.
    pub error: Option<String>,
}

impl RunOutcome {
    /// The verdict, when the history was checked: the history's, combined with the trace's
    /// when the run was validated (either invalid: invalid; else either unknown: unknown).
    pub fn verdict(&self) -> Option<Verdict> {
        match &self.status {
            RunStatus::Checked(c) => Some(match &self.trace {
                Some(trace) => c.verdict.combine(trace.verdict),
                None => c.verdict,
            }),
            RunStatus::Failed(_) => None,
        }
    }

    /// The exit code: 0 valid, 1 invalid, 2 unknown, 3 error.
    pub fn exit_code(&self) -> u8 {
        self.verdict().map_or(3, Verdict::exit_code)
    }

    /// `results.json`.
    pub fn results_json(&self) -> Json {
        let (verdict, summary, details, error) = match &self.status {
            RunStatus::Checked(c) => (
                self.verdict().unwrap_or(c.verdict).to_string(),
                c.summary.clone(),
                c.details.clone(),
                Json::Null,
            ),
            RunStatus::Failed(e) => (
                "error".to_string(),
                String::new(),
                Json::Null,
                Json::String(e.to_string()),
            ),
        };
        let mut results = json!({
            "verdict": verdict,
            "summary": summary,
            "checks": self.checks(),
            "error": error,
            "interrupted": self.interrupted,
            "seed": self.seed,
            "replay": self.replay,
            "store": self.store,
            "elapsed": self.elapsed.as_secs_f64(),
            "stats": self.ops,
            "net": self.net,
            "nemesis": self.faults,
            "faults_without_effect": self.faults_without_effect,
            "workload": details,
            "ok_per_second": self.ok_per_second,
        });
        if let Some((name, section)) = &self.backend {
            results[*name] = section.clone();
        }
        if let Some(trace) = &self.trace {
            results["validation"] = json!({
                "verdict": trace.verdict,
                "summary": trace.summary,
                "error": trace.error,
                "mark": trace.mark,
                "file": crate::validate::VALIDATION_FILE,
            });
        }
        results
    }

    /// Each check's verdict: `history` (the workload's checker) and, for reference nodes,
    /// `trace` (validation against the model).
    fn checks(&self) -> Json {
        let mut checks = serde_json::Map::new();
        if let RunStatus::Checked(c) = &self.status {
            checks.insert("history".into(), json!(c.verdict));
        }
        if let Some(trace) = &self.trace {
            checks.insert("trace".into(), json!(trace.verdict));
        }
        Json::Object(checks)
    }
}
