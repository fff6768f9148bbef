//! Times the complete read-committed / read-atomic / causal checks alone (no cycle search), in
//! the shape of `awdit check`, for the side-by-side benchmark (`benches/isolation_vs_awdit.sh`).
//!
//! ```text
//! cargo run --release --example isolation_bench -- FILE LEVEL [FORMAT]
//! ```
//!
//! LEVEL is `read-committed`, `read-atomic` or `causal`; FORMAT (`plume`, `awdit`, `jsonl`,
//! `edn`) is detected when omitted. Prints `Done parsing: N ms`, the verdict (`Consistent.` /
//! `Inconsistent.` with the pattern, or `Unknown.`), `Done checking: N ms`. Exit code 0 for a
//! verdict, 3 for an error.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use splitbrain::checker::transactional::isolation::Level;
use splitbrain::checker::transactional::{Transactions, Workload};
use splitbrain::checker::Verdict;
use splitbrain::history::Format;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(level)) = (args.first(), args.get(1)) else {
        eprintln!("usage: isolation_bench FILE read-committed|read-atomic|causal [FORMAT]");
        return ExitCode::from(3);
    };
    let Some(level) = Level::ALL.into_iter().find(|l| l.name() == level) else {
        eprintln!("unknown level {level}");
        return ExitCode::from(3);
    };
    let format = args.get(2).and_then(|f| Format::from_name(f));
    let start = Instant::now();
    let txns = match Transactions::read(Path::new(file), format, Some(Workload::RwRegister))
        .or_else(|_| Transactions::read(Path::new(file), format, None))
    {
        Ok((_, t)) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(3);
        }
    };
    println!("Done parsing: {}ms", start.elapsed().as_millis());
    let start = Instant::now();
    let result = txns.isolation(level, None);
    match result.verdict {
        Verdict::Valid => println!("Consistent."),
        Verdict::Invalid => println!(
            "Inconsistent. ({})",
            result.pattern.map_or("", |p| p.name())
        ),
        Verdict::Unknown => println!("Unknown. ({})", result.reason.unwrap_or_default()),
    }
    println!(
        "Done checking: {}ms ({} forced edges)",
        start.elapsed().as_millis(),
        result.forced_edges
    );
    ExitCode::SUCCESS
}
