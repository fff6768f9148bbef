//! `splitbrain gen`: a seeded synthetic history.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use splitbrain::generate::{self, Anomaly, GenOptions, Values, Workload};
use splitbrain::history::{format, Format};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum WorkloadArg {
    /// read and write
    Register,
    /// read, write and compare-and-set
    CasRegister,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AnomalyArg {
    /// a linearizable history
    None,
    /// one late read returns a value overwritten before it began
    StaleRead,
}

/// Arguments of `splitbrain gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Operations.
    #[arg(long, default_value_t = 1000)]
    ops: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Keys (1 gives a single-register history without keys).
    #[arg(long, default_value_t = 1)]
    keys: usize,
    /// Operations to generate.
    #[arg(long, value_enum, default_value = "register")]
    workload: WorkloadArg,
    /// Values written: `unique`, or `small:N` for values drawn from 0..N.
    #[arg(long, default_value = "unique", value_parser = parse_values)]
    values: Values,
    /// Fraction of operations that are reads.
    #[arg(long, default_value_t = 0.5)]
    read_fraction: f64,
    /// Fraction of writes that crash (complete as `info`, take effect or not).
    #[arg(long, default_value_t = 0.0)]
    crash_rate: f64,
    /// Inject a bug so the history is not linearizable.
    #[arg(long, value_enum, default_value = "none")]
    anomaly: AnomalyArg,
    /// Seed: the same seed and options always give the same history.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (standard output when omitted).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Output format: jsonl or edn.
    #[arg(long, default_value = "jsonl", value_parser = parse_format)]
    format: Format,
}

fn parse_values(text: &str) -> Result<Values, String> {
    match text.split_once(':') {
        None if text == "unique" => Ok(Values::Unique),
        Some(("small", n)) => n
            .parse()
            .map(Values::Small)
            .map_err(|_| format!("expected small:N with N a number, found {text:?}")),
        _ => Err(format!("expected `unique` or `small:N`, found {text:?}")),
    }
}

fn parse_format(name: &str) -> Result<Format, String> {
    match Format::from_name(name) {
        Some(f) if f.can_write() => Ok(f),
        _ => Err(format!("expected jsonl or edn, found {name:?}")),
    }
}

/// Runs `gen`; returns the exit code.
pub fn run(args: GenArgs) -> anyhow::Result<u8> {
    let options = GenOptions {
        ops: args.ops,
        clients: args.clients,
        keys: args.keys,
        read_fraction: args.read_fraction,
        crash_rate: args.crash_rate,
        workload: match args.workload {
            WorkloadArg::Register => Workload::Register,
            WorkloadArg::CasRegister => Workload::CasRegister,
        },
        values: args.values,
        anomaly: match args.anomaly {
            AnomalyArg::None => Anomaly::None,
            AnomalyArg::StaleRead => Anomaly::StaleRead,
        },
        seed: args.seed,
    };
    let history = generate::generate(&options);
    match &args.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            format::write(&history, args.format, &mut out)?;
            out.flush()?;
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            format::write(&history, args.format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}
