//! Reading a run's store directory (see `runner::store`) into a [`RunInput`], and writing its
//! `report.html`. The only I/O of the report module.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use super::{journal, run_report, KafkaErrors, ReportError, RunInput, TxnAnomalies};
use crate::checker::{self, CheckOptions, Model};
use crate::history::{format, Format};

/// Lines of each node's log shown.
const LOG_LINES: usize = 40;
/// A re-check that takes longer gives no counterexample rather than no report.
const RECHECK_LIMIT: Duration = Duration::from_secs(30);

fn read(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ReportError::Io {
                path: path.to_path_buf(),
                error,
            }
        }
    })
}

/// Reads the run in `dir`. `history.jsonl` and `results.json` must be there; `messages.jsonl`
/// and node logs are shown when present.
pub fn load_run(dir: &Path) -> Result<RunInput, ReportError> {
    let results_path = dir.join("results.json");
    let history_path = dir.join("history.jsonl");
    let results_text = read(&results_path)?;
    let history_text = read(&history_path)?;
    let results: Json =
        serde_json::from_str(&results_text).map_err(|e| ReportError::Malformed {
            file: results_path.clone(),
            line: e.line(),
            what: format!("{e}; expected the JSON object a run writes"),
        })?;
    let file: std::sync::Arc<Path> = history_path.as_path().into();
    let history = format::parse(history_text.as_bytes(), Format::Jsonl, Some(file.clone()))?;
    let ops = history.ops(Some(file.clone()))?;
    let messages_path = dir.join("messages.jsonl");
    let journal = match read(&messages_path) {
        Ok(text) => Some(journal::parse(&text, &messages_path)?),
        Err(ReportError::Missing { .. }) => None,
        Err(e) => return Err(e),
    };
    let anomalies = txn_anomalies(&results, &history);
    let kafka = kafka_errors(&results, &ops, &file);
    let (check, note) = if anomalies.is_empty() && kafka.is_empty() {
        recheck(&results, &ops)
    } else {
        (None, None)
    };
    Ok(RunInput {
        title: dir.display().to_string(),
        results,
        events: history.events,
        ops,
        check,
        journal,
        logs: logs(&dir.join("node-logs")),
        note,
        anomalies,
        kafka,
    })
}

/// For an invalid transactional run (`results.json`'s `workload.workload` is `list-append` or
/// `rw-register`): the history checked again against the run's models, and per anomaly type the
/// text of its first cases and their cycles drawn. Empty otherwise, or if the re-check fails.
fn txn_anomalies(results: &Json, history: &crate::history::History) -> TxnAnomalies {
    use crate::checker::transactional::{self, ConsistencyModel, Transactions, TxnOptions};
    if results.get("verdict").and_then(Json::as_str) != Some("invalid") {
        return TxnAnomalies::default();
    }
    let Some(workload) = results
        .pointer("/workload/workload")
        .and_then(Json::as_str)
        .and_then(transactional::Workload::from_name)
    else {
        return TxnAnomalies::default();
    };
    let models: Vec<ConsistencyModel> = results
        .pointer("/workload/consistency_models")
        .and_then(Json::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.as_str().and_then(ConsistencyModel::from_name))
                .collect()
        })
        .unwrap_or_default();
    if models.is_empty() {
        return TxnAnomalies::default();
    }
    let Ok(txns) = Transactions::from_history(history, Some(workload), None) else {
        return TxnAnomalies::default();
    };
    let mut options = TxnOptions::with_models(&models);
    options.workload = Some(workload);
    options.time_limit = Some(RECHECK_LIMIT);
    let Ok(report) = transactional::check_transactions(&txns, &options) else {
        return TxnAnomalies::default();
    };
    TxnAnomalies::of(&txns, &report)
}

/// For an invalid kafka run (`results.json`'s `workload.bad_error_types`, the kafka checker's
/// report): the history checked again, and per error type its first cases with their
/// operations. Empty otherwise, or if the re-check fails.
fn kafka_errors(
    results: &Json,
    ops: &[crate::history::Op],
    file: &std::sync::Arc<Path>,
) -> KafkaErrors {
    let invalid = results.get("verdict").and_then(Json::as_str) == Some("invalid");
    let kafka = results
        .pointer("/workload/bad_error_types")
        .and_then(Json::as_array)
        .is_some_and(|bad| !bad.is_empty());
    if !invalid || !kafka {
        return KafkaErrors::default();
    }
    match checker::kafka::check_ops(ops, Some(file)) {
        Ok(report) => KafkaErrors::of(&report, ops),
        Err(_) => KafkaErrors::default(),
    }
}

/// For an invalid run whose workload names its spec (`results.json`'s `workload.model`, or
/// `workload.mutex.model` for lock), the history checked again for its witnesses.
fn recheck(
    results: &Json,
    ops: &[crate::history::Op],
) -> (Option<checker::Report>, Option<String>) {
    if results.get("verdict").and_then(Json::as_str) != Some("invalid") {
        return (None, None);
    }
    // lin-kv's details are the checker's report; lock's hold it under `mutex`.
    let model = ["/workload/model", "/workload/mutex/model"]
        .iter()
        .find_map(|at| results.pointer(at).and_then(Json::as_str))
        .and_then(Model::from_name);
    let Some(model) = model else {
        return (
            None,
            Some(
                "The run was invalid; its workload's checker is not a linearizability check, \
                  so there is no counterexample view; see the summary."
                    .into(),
            ),
        );
    };
    let mut options = CheckOptions::with_model(model);
    options.time_limit = Some(RECHECK_LIMIT);
    match checker::check(ops, &options) {
        Ok(report) if report.verdict == checker::Verdict::Invalid => (Some(report), None),
        Ok(report) => (
            None,
            Some(format!(
                "The run was invalid, but the history is {} under the {} spec: the violation is \
                 one the workload checks besides linearizability (see the summary).",
                report.verdict, report.model
            )),
        ),
        Err(e) => (
            None,
            Some(format!("Checking the history again failed: {e}")),
        ),
    }
}

/// The last lines of each `node-logs/*.log`, by node name.
fn logs(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut logs: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            let name = path.file_stem()?.to_string_lossy().into_owned();
            let bytes = fs::read(&path).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_LINES)..].join("\n");
            Some((name, tail))
        })
        .collect();
    logs.sort();
    logs
}

/// Renders the run in `dir` to `out` (default `dir/report.html`); returns where it went.
pub fn write_run_report(dir: &Path, out: Option<&Path>) -> Result<PathBuf, ReportError> {
    let input = load_run(dir)?;
    let page = run_report(&input);
    let out = out.map_or_else(|| dir.join("report.html"), Path::to_path_buf);
    fs::write(&out, page).map_err(|error| ReportError::Io {
        path: out.clone(),
        error,
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_that_is_not_a_run_names_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_run(dir.path()).unwrap_err();
        assert!(matches!(err, ReportError::Missing { .. }));
        assert!(err.to_string().contains("results.json"), "{err}");
    }
}
