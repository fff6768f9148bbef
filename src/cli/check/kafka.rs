//! `splitbrain check` for kafka histories: text, JSON and `--html` output. The checking is
//! `splitbrain::checker::kafka`.

use std::io::Write;

use anyhow::Context;
use std::path::Path;

use serde::Serialize;
use splitbrain::checker::kafka::{self, KafkaReport};
use splitbrain::checker::Verdict;
use splitbrain::history::Format;

use super::txn::CheckWorkload;
use super::CheckArgs;

/// At most this many cases per error type are printed as text (32 are in `--json`).
const PRINTED: usize = 3;

/// Whether `file` is checked as a kafka history.
pub fn applies(args: &CheckArgs, file: &Path) -> anyhow::Result<bool> {
    if args.model.is_some() {
        return Ok(false);
    }
    match args.workload {
        Some(CheckWorkload::Kafka) => Ok(true),
        Some(CheckWorkload::Txn(_) | CheckWorkload::Bank) => Ok(false),
        None if args.consistency_models.is_some() => Ok(false),
        None => Ok(kafka::file_is_kafka(file, args.format)?),
    }
}

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a Path,
    format: &'static str,
    workload: &'static str,
    /// Jepsen's `:valid?`.
    valid: bool,
    #[serde(flatten)]
    report: &'a KafkaReport,
}

/// Checks one file; returns the exit code.
pub fn check_file(args: &CheckArgs, file: &Path, out: &mut dyn Write) -> anyhow::Result<u8> {
    let (format, report) = kafka::check_file(file, args.format)?;
    if let Some(out) = &args.html {
        write_html(file, format, out)?;
    }
    if args.json {
        let line = FileResult {
            file,
            format: format.name(),
            workload: "kafka",
            valid: report.verdict == Verdict::Valid,
            report: &report,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    } else {
        write!(out, "{}", render(file, format, &report))?;
    }
    Ok(report.verdict.exit_code())
}

/// Writes the HTML report of `file` to `out`: the history is read again for the timeline's
/// operations and the nemesis's faults, and checked again over exactly those operations (the
/// cases name operations by their position in the list).
fn write_html(file: &Path, format: Format, out: &Path) -> anyhow::Result<()> {
    let (_, history) = splitbrain::history::format::read(file, Some(format))?;
    let path: std::sync::Arc<Path> = file.into();
    let ops = history.ops(Some(path.clone()))?;
    let report = kafka::check_ops(&ops, Some(&path))?;
    let faults = splitbrain::report::intervals(&history.events);
    let page =
        splitbrain::report::kafka_check_report(&file.display().to_string(), &ops, &faults, &report);
    std::fs::write(out, page).with_context(|| format!("cannot write {}", out.display()))
}

fn render(file: &Path, format: Format, report: &KafkaReport) -> String {
    let mut out = format!(
        "{}: {} (kafka; from {format}) {}\n",
        file.display(),
        report.verdict,
        report.summary()
    );
    for (kind, cases) in &report.errors {
        let allowed = if kind.allowed() { ", allowed" } else { "" };
        out.push_str(&format!(
            "  {} ({} case{}{allowed}):\n",
            kind.name(),
            cases.count,
            if cases.count == 1 { "" } else { "s" }
        ));
        for case in cases.cases.iter().take(PRINTED) {
            out.push_str(&format!("  * {}\n", case.text));
            for op in &case.ops {
                out.push_str(&format!(
                    "      p{} {} {} ({}): {}\n",
                    op.process,
                    serde_json::to_value(op.f)
                        .unwrap_or_default()
                        .as_str()
                        .unwrap_or(""),
                    serde_json::to_value(op.outcome)
                        .unwrap_or_default()
                        .as_str()
                        .unwrap_or(""),
                    op.lines,
                    op.value
                ));
            }
        }
        if cases.count > PRINTED {
            out.push_str(&format!(
                "    ... {} more (--json)\n",
                cases.count - PRINTED
            ));
        }
    }
    out
}
