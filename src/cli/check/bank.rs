//! `splitbrain check` for bank histories: text and JSON output. The checking is
//! `splitbrain::checker::bank`.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use splitbrain::checker::bank::{self, BankOptions, BankReport};
use splitbrain::checker::Verdict;
use splitbrain::history::Format;

use super::txn::CheckWorkload;
use super::CheckArgs;

/// At most this many cases are printed as text (all are in `--json`).
const PRINTED: usize = 5;

/// Whether `file` is checked as a bank history.
pub fn applies(args: &CheckArgs, file: &Path) -> anyhow::Result<bool> {
    if args.model.is_some() {
        return Ok(false);
    }
    match args.workload {
        Some(CheckWorkload::Bank) => Ok(true),
        Some(_) => Ok(false),
        None if args.consistency_models.is_some() => Ok(false),
        None => Ok(bank::file_is_bank(file, args.format)?),
    }
}

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a Path,
    format: &'static str,
    workload: &'static str,
    /// Jepsen's `:valid?`: true, false or "unknown".
    valid: serde_json::Value,
    #[serde(flatten)]
    report: &'a BankReport,
}

/// Checks one file; returns the exit code.
pub fn check_file(args: &CheckArgs, file: &Path, out: &mut dyn Write) -> anyhow::Result<u8> {
    let options = BankOptions {
        total: args.total,
        accounts: None,
        negative_balances: args.negative_balances,
    };
    let (format, report) = bank::check_file(file, args.format, &options)?;
    if args.json {
        let valid = match report.verdict {
            Verdict::Valid => serde_json::Value::Bool(true),
            Verdict::Invalid => serde_json::Value::Bool(false),
            Verdict::Unknown => serde_json::Value::from("unknown"),
        };
        let line = FileResult {
            file,
            format: format.name(),
            workload: "bank",
            valid,
            report: &report,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    } else {
        write!(out, "{}", render(file, format, &report))?;
    }
    Ok(report.verdict.exit_code())
}

fn render(file: &Path, format: Format, report: &BankReport) -> String {
    let mut out = format!(
        "{}: {} (bank; from {format}) {}\n",
        file.display(),
        report.verdict,
        report.summary()
    );
    for case in report.cases.iter().take(PRINTED) {
        out.push_str(&format!("  * {}: {}\n", case.error.name(), case.text));
        out.push_str(&format!("      read: {}\n", case.read));
        for t in &case.transfers {
            out.push_str(&format!("      transfer: {t}\n"));
        }
    }
    if report.cases.len() > PRINTED {
        out.push_str(&format!(
            "    ... {} more (--json)\n",
            report.cases.len() - PRINTED
        ));
    }
    out
}
