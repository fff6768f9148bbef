//! `splitbrain gen`: a seeded synthetic history.
//!
//! Two families: single-object histories from a simulated correct object (`--workload register`
//! or `cas-register`, optionally with an injected stale read), and transactional histories
//! recorded from a simulated database (`--workload list-append` or `rw-register` with `--db`).
//! Options that belong to the other family are refused rather than ignored.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use splitbrain::generate::{
    self, Anomaly, GenOptions, KeyDist, SimDb, TxnOptions, TxnWorkload, Values, Workload,
};
use splitbrain::history::{format, Format, History};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum WorkloadArg {
    /// read and write
    Register,
    /// read, write and compare-and-set
    CasRegister,
    /// transactions of appends to and reads of lists (Elle's list-append)
    ListAppend,
    /// transactions of writes and reads of registers (Elle's rw-register)
    RwRegister,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AnomalyArg {
    /// a linearizable history
    None,
    /// one late read returns a value overwritten before it began
    StaleRead,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DbArg {
    /// serializable (strict): snapshot reads, updates validated on all keys read and written
    Ssi,
    /// snapshot isolation, first committer wins: write skew (G2-item)
    Si,
    /// snapshot reads without conflict checks: lost updates
    Prefix,
    /// long write locks, reads of the latest committed version: non-repeatable reads
    ReadCommitted,
    /// no concurrency control, aborts not rolled back: dirty reads (G0, G1a, G1b)
    Brat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KeyDistArg {
    /// each key twice as likely as the next
    Exponential,
    /// every key equally likely
    Uniform,
}

/// Arguments of `splitbrain gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Operations (transactions, for list-append and rw-register).
    #[arg(long, visible_alias = "limit", default_value_t = 1000)]
    ops: usize,
    /// Concurrent clients.
    #[arg(long, visible_alias = "concurrency", default_value_t = 10)]
    clients: usize,
    /// Keys [default: 1 for register and cas-register (a single register, no keys), 10 for
    /// list-append and rw-register (active at a time)].
    #[arg(long, visible_alias = "key-count")]
    keys: Option<usize>,
    /// Operations to generate.
    #[arg(long, value_enum, default_value = "register")]
    workload: WorkloadArg,
    /// The simulated database (list-append and rw-register only) [default: ssi].
    #[arg(long, value_enum)]
    db: Option<DbArg>,
    /// How micro-ops pick keys (list-append and rw-register only) [default: exponential].
    #[arg(long, value_enum)]
    key_dist: Option<KeyDistArg>,
    /// Fewest micro-ops per transaction (list-append and rw-register only) [default: 1].
    #[arg(long)]
    min_txn_length: Option<usize>,
    /// Most micro-ops per transaction (list-append and rw-register only) [default: 4].
    #[arg(long)]
    max_txn_length: Option<usize>,
    /// Writes a key gets before a fresh key replaces it (list-append and rw-register only)
    /// [default: 32].
    #[arg(long)]
    max_writes_per_key: Option<usize>,
    /// Fraction of transactions the client aborts (list-append and rw-register only)
    /// [default: 0.05].
    #[arg(long)]
    abort_rate: Option<f64>,
    /// Values written: `unique`, or `small:N` for values drawn from 0..N (register and
    /// cas-register only) [default: unique].
    #[arg(long, value_parser = parse_values)]
    values: Option<Values>,
    /// Fraction of operations that are reads (register and cas-register only) [default: 0.5].
    #[arg(long)]
    read_fraction: Option<f64>,
    /// Fraction of operations that crash (complete as `info`, take effect or not) [default: 0
    /// for register and cas-register, 0.01 for list-append and rw-register].
    #[arg(long)]
    crash_rate: Option<f64>,
    /// Inject a bug so the history is not linearizable (register and cas-register only).
    #[arg(long, value_enum)]
    anomaly: Option<AnomalyArg>,
    /// Seed: the same seed and options always give the same history.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (standard output when omitted).
    #[arg(long, short, visible_alias = "out")]
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

/// What `gen` writes: a history held whole, or transactions streamed as they are recorded.
enum Generated {
    Whole(History),
    Streamed(TxnOptions),
}

/// Runs `gen`; returns the exit code.
pub fn run(args: GenArgs) -> anyhow::Result<u8> {
    // Everything is checked before the output file is created.
    let generated = match args.workload {
        WorkloadArg::Register | WorkloadArg::CasRegister => {
            Generated::Whole(register_history(&args)?)
        }
        WorkloadArg::ListAppend | WorkloadArg::RwRegister => {
            let options = txn_options(&args)?;
            // Native lines are written as the events happen: no history in memory.
            if args.format == Format::Jsonl {
                Generated::Streamed(options)
            } else {
                Generated::Whole(generate::generate_txn(&options)?)
            }
        }
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match generated {
        Generated::Whole(history) => {
            format::write(&history, args.format, &mut out)?;
            // Freeing millions of small values one by one costs about as long as generating
            // them; the process is about to exit and the system reclaims the memory at once.
            std::mem::forget(history);
        }
        Generated::Streamed(options) => {
            let mut failure = None;
            generate::for_each_txn_event(&options, &mut |event| {
                if failure.is_none() {
                    failure = format::write_jsonl_event(&event, &mut out).err();
                }
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// Refuses the options named in `given` that `workload` does not use.
fn refuse(workload: WorkloadArg, given: &[(&str, bool)]) -> anyhow::Result<()> {
    let name = workload
        .to_possible_value()
        .map(|v| v.get_name().to_string());
    for (flag, present) in given {
        if *present {
            bail!(
                "--{flag} does not apply to --workload {}",
                name.unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn register_history(args: &GenArgs) -> anyhow::Result<History> {
    refuse(
        args.workload,
        &[
            ("db", args.db.is_some()),
            ("key-dist", args.key_dist.is_some()),
            ("min-txn-length", args.min_txn_length.is_some()),
            ("max-txn-length", args.max_txn_length.is_some()),
            ("max-writes-per-key", args.max_writes_per_key.is_some()),
            ("abort-rate", args.abort_rate.is_some()),
        ],
    )?;
    let options = GenOptions {
        ops: args.ops,
        clients: args.clients,
        keys: args.keys.unwrap_or(1),
        read_fraction: args.read_fraction.unwrap_or(0.5),
        crash_rate: args.crash_rate.unwrap_or(0.0),
        workload: match args.workload {
            WorkloadArg::CasRegister => Workload::CasRegister,
            _ => Workload::Register,
        },
        values: args.values.unwrap_or(Values::Unique),
        anomaly: match args.anomaly {
            Some(AnomalyArg::StaleRead) => Anomaly::StaleRead,
            _ => Anomaly::None,
        },
        seed: args.seed,
    };
    Ok(generate::generate(&options))
}

fn txn_options(args: &GenArgs) -> anyhow::Result<TxnOptions> {
    refuse(
        args.workload,
        &[
            ("values", args.values.is_some()),
            ("read-fraction", args.read_fraction.is_some()),
            ("anomaly", args.anomaly.is_some()),
        ],
    )?;
    let defaults = TxnOptions::default();
    let options = TxnOptions {
        workload: match args.workload {
            WorkloadArg::RwRegister => TxnWorkload::RwRegister,
            _ => TxnWorkload::ListAppend,
        },
        db: match args.db.unwrap_or(DbArg::Ssi) {
            DbArg::Ssi => SimDb::Ssi,
            DbArg::Si => SimDb::Si,
            DbArg::Prefix => SimDb::Prefix,
            DbArg::ReadCommitted => SimDb::ReadCommitted,
            DbArg::Brat => SimDb::Brat,
        },
        txns: args.ops,
        concurrency: args.clients,
        key_count: args.keys.unwrap_or(defaults.key_count),
        key_dist: match args.key_dist {
            Some(KeyDistArg::Uniform) => KeyDist::Uniform,
            _ => KeyDist::Exponential,
        },
        min_txn_length: args.min_txn_length.unwrap_or(defaults.min_txn_length),
        max_txn_length: args.max_txn_length.unwrap_or(defaults.max_txn_length),
        max_writes_per_key: args
            .max_writes_per_key
            .unwrap_or(defaults.max_writes_per_key),
        crash_rate: args.crash_rate.unwrap_or(defaults.crash_rate),
        abort_rate: args.abort_rate.unwrap_or(defaults.abort_rate),
        seed: args.seed,
    };
    options.validate()?;
    Ok(options)
}
