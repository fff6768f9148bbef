//! `splitbrain report STORE_DIR [--out FILE]`: re-render a run's `report.html`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use splitbrain::report;

/// Arguments of `splitbrain report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run's store directory (e.g. store/latest).
    dir: PathBuf,
    /// Where to write the page (default: STORE_DIR/report.html).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `report`; returns the exit code (errors become exit code 3 in the caller).
pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let out = report::write_run_report(&args.dir, args.out.as_deref())?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    // `writeln!(…)?`, not `println!`, which panics on a closed pipe; `cli::main` ends quietly
    // on the `BrokenPipe` error.
    writeln!(
        std::io::stdout(),
        "report: {} ({:.1} KiB, {:.2} s)",
        out.display(),
        size as f64 / 1024.0,
        started.elapsed().as_secs_f64()
    )?;
    Ok(0)
}
