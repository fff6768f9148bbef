//! `splitbrain check` for transactional histories (list-append, rw-register): options, text and
//! JSON output. The checking is `splitbrain::checker::transactional`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use splitbrain::checker::transactional::{
    self, Anomaly, ConsistencyModel, Transactions, TxnOptions, TxnReport, Workload,
};
use splitbrain::checker::Verdict;
use splitbrain::history::Format;

use super::CheckArgs;

/// The `--consistency-models` help, from the same list the parser accepts.
pub fn models_help() -> String {
    format!(
        "Consistency models a transactional history must satisfy, comma-separated (default \
         strict-serializable). Accepted: {}",
        ConsistencyModel::accepted_names()
    )
}

/// The models given with `--consistency-models` (one argument, a comma-separated list).
#[derive(Clone, Debug)]
pub struct Models(pub Vec<ConsistencyModel>);

/// Parses `--consistency-models`.
pub fn parse_models(list: &str) -> Result<Models, String> {
    ConsistencyModel::parse_list(list).map(Models)
}

/// What `--workload` names: a transactional workload, or kafka.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckWorkload {
    /// list-append or rw-register.
    Txn(Workload),
    /// send/poll logs (`check/kafka.rs`).
    Kafka,
}

/// Parses `--workload`.
pub fn parse_workload(name: &str) -> Result<CheckWorkload, String> {
    if name == "kafka" {
        return Ok(CheckWorkload::Kafka);
    }
    Workload::from_name(name)
        .map(CheckWorkload::Txn)
        .ok_or_else(|| {
            let mut names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
            names.push("kafka");
            format!(
                "unknown workload {name:?}; expected one of: {}",
                names.join(", ")
            )
        })
}

/// The transactional workload `--workload` names, if it names one.
fn txn_workload(args: &CheckArgs) -> Option<Workload> {
    match args.workload {
        Some(CheckWorkload::Txn(w)) => Some(w),
        _ => None,
    }
}

/// Whether `file` is checked as a transactional history.
pub fn applies(args: &CheckArgs, file: &Path) -> anyhow::Result<bool> {
    if args.model.is_some() {
        return Ok(false);
    }
    if args.workload.is_some() || args.consistency_models.is_some() {
        return Ok(true);
    }
    Ok(transactional::file_is_transactional(file, args.format)?)
}

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a Path,
    format: &'static str,
    /// Elle's `:valid?`: true, false or "unknown".
    valid: serde_json::Value,
    #[serde(flatten)]
    report: &'a TxnReport,
}

/// Checks one file; returns the exit code.
pub fn check_file(
    args: &CheckArgs,
    file: &Path,
    out: &mut dyn Write,
    half_of_memory: Option<u64>,
) -> anyhow::Result<u8> {
    let (format, txns) = Transactions::read(file, args.format, txn_workload(args))?;
    let options = {
        let mut o = TxnOptions::with_models(
            args.consistency_models
                .as_ref()
                .map_or(&[ConsistencyModel::StrictSerializable][..], |m| &m.0),
        );
        o.workload = txn_workload(args);
        o.sequential_keys = args.sequential_keys;
        o.linearizable_keys = args.linearizable_keys;
        o.time_limit = args.time_limit;
        o.memory_limit = args.memory_limit.or(half_of_memory);
        if let Some(budget) = args.cycle_search_budget {
            o.cycle_search_budget = budget;
        }
        o.file = Some(file.into());
        o
    };
    let report = transactional::check_transactions(&txns, &options)?;
    if let Some(out) = &args.html {
        write_html(file, format, &txns, &report, out)?;
    }
    if args.json {
        let valid = match report.verdict {
            Verdict::Valid => serde_json::Value::Bool(true),
            Verdict::Invalid => serde_json::Value::Bool(false),
            Verdict::Unknown => serde_json::Value::String("unknown".into()),
        };
        let line = FileResult {
            file,
            format: format.name(),
            valid,
            report: &report,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    } else {
        write!(out, "{}", render(file, format, &txns, &report))?;
    }
    Ok(report.verdict.exit_code())
}

/// Writes the HTML report of `file` (checked into `report`) to `out`: the history is read again
/// for the timeline's operations and the nemesis's faults.
fn write_html(
    file: &Path,
    format: Format,
    txns: &Transactions,
    report: &TxnReport,
    out: &Path,
) -> anyhow::Result<()> {
    let (_, history) = splitbrain::history::format::read(file, Some(format))?;
    let ops = history.ops(Some(file.into()))?;
    let faults = splitbrain::report::intervals(&history.events);
    let page = splitbrain::report::txn_check_report(
        &file.display().to_string(),
        &ops,
        &faults,
        txns,
        report,
    );
    std::fs::write(out, page).with_context(|| format!("cannot write {}", out.display()))
}

/// At most this many cases per anomaly type are printed as text (all are in `--json`).
const PRINTED: usize = 3;

fn render(file: &Path, format: Format, txns: &Transactions, report: &TxnReport) -> String {
    let mut out = String::new();
    let workload = report
        .workload
        .map_or_else(|| "no transactions".to_string(), |w| w.name().to_string());
    let how = if report.workload_inferred {
        ", inferred"
    } else {
        ""
    };
    let models: Vec<&str> = report.consistency_models.iter().map(|m| m.name()).collect();
    out.push_str(&format!(
        "{}: {} ({workload}{how}; {}; {} txns from {format}; {})\n",
        file.display(),
        report.verdict,
        models.join(", "),
        report.stats.txns,
        seconds(report.stats.elapsed)
    ));
    if let Some(reason) = &report.reason {
        out.push_str(&format!("  {reason}\n"));
    }
    if !report.anomaly_types.is_empty() {
        let types: Vec<&str> = report.anomaly_types.iter().map(|a| a.name()).collect();
        out.push_str(&format!("  anomalies: {}\n", types.join(", ")));
    }
    if !report.not.is_empty() {
        let names = |set: &std::collections::BTreeSet<ConsistencyModel>| {
            set.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
        };
        out.push_str(&format!("  not {}", names(&report.not)));
        if !report.also_not.is_empty() {
            out.push_str(&format!("; also not {}", names(&report.also_not)));
        }
        out.push('\n');
    }
    for anomaly in &report.anomaly_types {
        render_cases(&mut out, txns, report, *anomaly);
    }
    for r in &report.isolation {
        let what = match (r.verdict, r.pattern) {
            (Verdict::Invalid, Some(p)) => format!("invalid, {}", p.name()),
            (Verdict::Unknown, _) => format!("unknown, {}", r.reason.as_deref().unwrap_or("")),
            (v, _) => format!("{v}, a commit order exists"),
        };
        out.push_str(&format!(
            "  {} (complete check, {} forced edges, {}): {what}\n",
            r.level,
            r.forced_edges,
            seconds(r.elapsed)
        ));
        for (i, line) in r.explanation.iter().enumerate() {
            let bullet = if i == 0 { "  * " } else { "    " };
            out.push_str(&format!("  {bullet}{line}\n"));
        }
    }
    if report.verdict == Verdict::Valid {
        out.push_str(&format!("  {}\n", report.scope.statement));
        for gap in &report.scope.order_gaps {
            out.push_str(&format!("    {gap}\n"));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    out
}

fn render_cases(out: &mut String, txns: &Transactions, report: &TxnReport, anomaly: Anomaly) {
    let cases = &report.anomalies[&anomaly];
    let total = report
        .anomaly_counts
        .get(&anomaly)
        .copied()
        .unwrap_or(cases.len());
    out.push_str(&format!(
        "  {anomaly} ({total} case{}):\n",
        if total == 1 { "" } else { "s" }
    ));
    for case in cases.iter().take(PRINTED) {
        for (i, line) in txns.case_lines(anomaly, case).iter().enumerate() {
            let bullet = if i == 0 { "  * " } else { "    " };
            out.push_str(&format!("  {bullet}{line}\n"));
        }
    }
    if total > PRINTED {
        out.push_str(&format!(
            "    ... {} more (all in --json)\n",
            total - PRINTED
        ));
    }
}

fn seconds(d: std::time::Duration) -> String {
    if d >= std::time::Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    }
}
