//! `splitbrain check FILE...`: read histories, check them, print verdicts and witnesses.
//!
//! Single-object histories go to the linearizability checker (here); transactional ones
//! (micro-op lists, or `--workload`/`--consistency-models` given) to `check/txn.rs`; kafka ones
//! (`send`/`poll`/`assign`/`crash` operations, or `--workload kafka`) to `check/kafka.rs`; bank
//! ones (`transfer` operations, or `--workload bank`) to `check/bank.rs`.

mod bank;
mod kafka;
mod txn;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use splitbrain::checker::bank::looks_bank;
use splitbrain::checker::kafka::looks_kafka;
use splitbrain::checker::transactional::looks_transactional;
use splitbrain::checker::{self, CheckOptions, KeyReport, Model, Progress, Report, Verdict};
use splitbrain::history::{format, Event, Format, Op, Paired, Value};
use splitbrain::report;

use super::EXIT_ERROR;
use splitbrain::units;

/// Arguments of `splitbrain check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// History files: native JSON lines, Jepsen EDN, or Porcupine logs (detected).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Sequential spec: register, cas-register, etcd-register, kv, append-kv, mutex, set,
    /// queue, counter, multi-register. Inferred from the history when omitted.
    #[arg(long, value_parser = parse_model)]
    model: Option<Model>,
    /// Workload: list-append, rw-register (transactional), kafka or bank. Inferred when
    /// omitted: a history of send/poll operations is kafka, one with transfers bank, one of
    /// micro-op lists transactional.
    #[arg(long, value_parser = txn::parse_workload)]
    workload: Option<txn::CheckWorkload>,
    #[arg(long, value_parser = txn::parse_models, help = txn::models_help())]
    consistency_models: Option<txn::Models>,
    /// rw-register: assume each key is sequentially consistent (versions follow each
    /// process's order of transactions).
    #[arg(long)]
    sequential_keys: bool,
    /// rw-register: assume each key is linearizable (versions follow real-time order).
    #[arg(long)]
    linearizable_keys: bool,
    /// Transactional: work allowed to the search for one cycle type in one strongly connected
    /// component (edge visits); when it runs out the type is reported as
    /// cycle-search-incomplete.
    #[arg(long, value_name = "EDGES")]
    cycle_search_budget: Option<u64>,
    /// Input format: jsonl, edn, porcupine-etcd. Detected when omitted.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// bank: the total every read must sum to (default: the sum most reads agree on).
    #[arg(long)]
    total: Option<i64>,
    /// bank: balances may be negative (Jepsen's `:negative-balances?`).
    #[arg(long)]
    negative_balances: bool,
    /// multi-register: the value every key holds before its first write (default nil), as
    /// JSON or EDN: 0, "a", :a, nil.
    #[arg(long, value_parser = parse_initial_value, value_name = "VALUE")]
    initial_value: Option<Value>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
    /// Give up on a file after this long (e.g. 30s, 500ms); the verdict is then `unknown`.
    #[arg(long, value_parser = units::parse_duration)]
    time_limit: Option<Duration>,
    /// Give up when the search's memory passes this size (e.g. 2GiB); the verdict is then
    /// `unknown`. Default: half of the machine's memory.
    #[arg(long, value_parser = units::parse_bytes)]
    memory_limit: Option<u64>,
    /// Worker threads for checking keys in parallel (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Stop at the first key found invalid instead of giving every key a verdict.
    #[arg(long)]
    first_failure: bool,
    /// Skip computing witnesses (minimal failing sub-histories) for invalid keys.
    #[arg(long)]
    no_witness: bool,
    /// Also write a self-contained HTML report (timeline, counterexample; for a transactional
    /// history, each anomaly's cycle drawn and linked to the timeline; for a kafka history, each
    /// error's operations listed and outlined on the timeline) to OUT; takes one history file.
    #[arg(long, value_name = "OUT")]
    html: Option<PathBuf>,
}

fn parse_model(name: &str) -> Result<Model, String> {
    Model::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        format!(
            "unknown model {name:?}; expected one of: {}",
            names.join(", ")
        )
    })
}

/// A scalar given on the command line, in JSON or EDN spelling.
fn parse_initial_value(text: &str) -> Result<Value, String> {
    let text = text.trim();
    Ok(match text {
        "nil" | "null" => Value::Nil,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ if text.starts_with(':') && text.len() > 1 => Value::Keyword(text[1..].into()),
        _ if text.starts_with('"') => match serde_json::from_str::<String>(text) {
            Ok(s) => Value::str(s),
            Err(e) => return Err(format!("not a JSON string: {e}")),
        },
        _ => match (text.parse::<i64>(), text.parse::<f64>()) {
            (Ok(n), _) => Value::Int(n),
            (_, Ok(x)) if x.is_finite() => Value::Float(x),
            _ => {
                return Err(format!(
                    "expected a number, a quoted string, a :keyword, true, false or nil; found \
                     {text:?}"
                ))
            }
        },
    })
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown format {name:?}; expected one of: {}",
            names.join(", ")
        )
    })
}

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a Path,
    format: Option<&'static str>,
    #[serde(flatten)]
    report: &'a Report,
}

#[derive(Serialize)]
struct FileError<'a> {
    file: &'a Path,
    verdict: &'static str,
    error: String,
}

/// Runs `check`; returns the exit code.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .context("cannot start the worker threads")?;
    }
    if args.html.is_some() && args.files.len() != 1 {
        anyhow::bail!(
            "--html writes the report of one history; {} files were given",
            args.files.len()
        );
    }
    let mut stdout = std::io::stdout().lock();
    let mut worst: u8 = 0;
    // Read once: /proc/meminfo costs as much as checking a small history.
    let memory = half_of_memory();
    for (n, file) in args.files.iter().enumerate() {
        let last = n + 1 == args.files.len();
        let plain = read_plain(&args, file);
        if plain.is_none() {
            if let Some(code) = dedicated_check(&args, file, &mut stdout)? {
                worst = severity(worst, code);
                continue;
            }
            let transactional = match txn::applies(&args, file) {
                Ok(t) => t,
                Err(e) => {
                    report_error(&args, file, &e, &mut stdout)?;
                    worst = severity(worst, EXIT_ERROR);
                    continue;
                }
            };
            if transactional {
                let code = match txn::check_file(&args, file, &mut stdout, memory) {
                    Ok(code) => code,
                    Err(e) => {
                        report_error(&args, file, &e, &mut stdout)?;
                        EXIT_ERROR
                    }
                };
                worst = severity(worst, code);
                continue;
            }
        }
        let code = match check_file(&args, file, plain, memory) {
            Ok((format, ops, report)) => {
                if let Some(out) = &args.html {
                    // Read again for the nemesis events, which pairing leaves out.
                    let (_, history) = format::read(file, Some(format))?;
                    let faults = report::intervals(&history.events);
                    let page =
                        report::check_report(&file.display().to_string(), &ops, &faults, &report);
                    std::fs::write(out, page)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                }
                if args.json {
                    let line = FileResult {
                        file,
                        format: Some(format.name()),
                        report: &report,
                    };
                    writeln!(stdout, "{}", serde_json::to_string(&line)?)?;
                } else {
                    write!(stdout, "{}", render(file, format, &report))?;
                }
                let code = report.verdict.exit_code();
                if last {
                    // The process ends now: returning a million operations' memory to the
                    // allocator one value at a time would only delay the exit (the kernel
                    // takes the pages back at once).
                    std::mem::forget((ops, report));
                }
                code
            }
            Err(e) => {
                report_error(&args, file, &e, &mut stdout)?;
                EXIT_ERROR
            }
        };
        worst = severity(worst, code);
    }
    Ok(worst)
}

/// The file read as a single-object history, for the linearizability check, when no other
/// checker would take it: one read, where asking each checker first would read the start of the
/// file three times and a register history's every byte once more (for a bank transfer).
/// `None` when another checker may take it, or the read failed: the checkers are then asked in
/// order (bank, kafka, transactional), which reads again and reports any error as before.
fn read_plain(args: &CheckArgs, file: &Path) -> Option<(Format, Paired)> {
    if args.workload.is_some() || args.consistency_models.is_some() {
        return None;
    }
    // A model given on the command line means a single-object history, whatever it holds.
    let forced = args.model.is_some();
    // What `kafka::applies` and `txn::applies` ask of the first client event.
    let take = |e: &Event| forced || !(looks_kafka(e) || looks_transactional(e));
    let (format, paired) = format::read_paired(file, args.format, &take).ok()??;
    // What `bank::applies` asks: a transfer anywhere (every operation's completion names the
    // function its invocation does, or pairing failed).
    if !forced && paired.functions.names().iter().any(|f| looks_bank(f)) {
        return None;
    }
    Some((format, paired))
}

/// Whether a workload's own checker takes a file, and that checker.
type Dedicated = (
    fn(&CheckArgs, &Path) -> anyhow::Result<bool>,
    fn(&CheckArgs, &Path, &mut dyn Write) -> anyhow::Result<u8>,
);

/// The workloads with checkers of their own, tried in order before the transactional and
/// linearizability checks (bank first: its transfers are unambiguous).
const DEDICATED: [Dedicated; 2] = [
    (bank::applies, bank::check_file),
    (kafka::applies, kafka::check_file),
];

/// The exit code of the first dedicated checker that takes `file` (an error reported, exit 3),
/// or `None` when none does.
fn dedicated_check(
    args: &CheckArgs,
    file: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<Option<u8>> {
    for (applies, check) in DEDICATED {
        let checked = match applies(args, file) {
            Ok(false) => continue,
            Ok(true) => check(args, file, out),
            Err(e) => Err(e),
        };
        return match checked {
            Ok(code) => Ok(Some(code)),
            Err(e) => {
                report_error(args, file, &e, out)?;
                Ok(Some(EXIT_ERROR))
            }
        };
    }
    Ok(None)
}

/// Prints an error about `file` (a JSON line with `--json`, else on stderr).
fn report_error(
    args: &CheckArgs,
    file: &Path,
    e: &anyhow::Error,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    if args.json {
        let line = FileError {
            file,
            verdict: "error",
            error: format!("{e:#}"),
        };
        writeln!(stdout, "{}", serde_json::to_string(&line)?)?;
    } else {
        writeln!(std::io::stderr(), "error: {e:#}")?;
    }
    Ok(())
}

/// Half of the machine's memory (from /proc/meminfo), so a runaway search ends as `unknown`
/// instead of being killed.
fn half_of_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024 / 2)
}

/// Error beats invalid beats unknown beats valid.
fn severity(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        0 => 0,
        2 => 1,
        1 => 2,
        _ => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Checks `file` for linearizability, its operations already read (`plain`) or read here.
fn check_file(
    args: &CheckArgs,
    file: &Path,
    plain: Option<(Format, Paired)>,
    memory: Option<u64>,
) -> anyhow::Result<(Format, Vec<Op>, Report)> {
    let (format, paired) = match plain {
        Some(read) => read,
        None => format::read_paired(file, args.format, &|_| true)?
            .context("the reader declined a history it was told to take")?,
    };
    let Paired {
        ops,
        keys,
        functions,
    } = paired;
    if ops.is_empty() {
        // An empty file is most often a run that never wrote its history: say so, since the
        // verdict alone (valid) would hide it. Standard input (`-`) has no length to report.
        let what = match std::fs::metadata(file) {
            Ok(m) if m.len() == 0 => "the file is empty",
            _ => "no client operations found (only nemesis events or blank lines?)",
        };
        // Not `eprintln!`, which panics when stderr is a closed pipe (`2>&1 | head`).
        let _ = writeln!(
            std::io::stderr(),
            "warning: {}: {what}; an empty history is trivially valid",
            file.display()
        );
    }
    let progress = Arc::new(Progress::default());
    let options = {
        let mut o = CheckOptions::default();
        o.model = args.model;
        o.format = Some(format);
        o.file = Some(file.into());
        o.time_limit = args.time_limit;
        o.memory_limit = args.memory_limit.or(memory);
        o.initial_value = args.initial_value.clone();
        o.first_failure = args.first_failure;
        o.witness = !args.no_witness;
        o.progress = Some(progress.clone());
        o
    };
    let bar = ProgressBar::start(file, progress);
    let report = checker::check_grouped(&ops, keys, &functions, &options);
    bar.finish();
    let report = report.with_context(|| file.display().to_string())?;
    Ok((format, ops, report))
}

/// A progress bar on stderr, shown only when stderr is a terminal and the check has run for a
/// second.
struct ProgressBar {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressBar {
    fn start(file: &Path, progress: Arc<Progress>) -> ProgressBar {
        if !std::io::stderr().is_terminal() {
            return ProgressBar {
                done: None,
                thread: None,
            };
        }
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let name = file.display().to_string();
        let thread = std::thread::spawn(move || {
            if finished.recv_timeout(Duration::from_secs(1)).is_ok() {
                return;
            }
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{elapsed_precise}] {pos}/{len} keys",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message(name);
            loop {
                bar.set_length(progress.keys_total.load(Ordering::Relaxed) as u64);
                bar.set_position(progress.keys_done.load(Ordering::Relaxed) as u64);
                if finished.recv_timeout(Duration::from_millis(100)).is_ok() {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        ProgressBar {
            done: Some(done),
            thread: Some(thread),
        }
    }

    fn finish(mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn render(file: &Path, format: Format, report: &Report) -> String {
    let mut out = String::new();
    let how = if report.model_inferred {
        if format == Format::PorcupineEtcd {
            ", inferred from the porcupine-etcd format"
        } else {
            ", inferred from the operations"
        }
    } else {
        ""
    };
    let keys = match report.keys.len() {
        0 => String::new(),
        1 if report.keys[0].key.is_none() => String::new(),
        n => {
            let count = |v| report.keys.iter().filter(|k| k.verdict == v).count();
            let mut parts = vec![format!("{} valid", count(Verdict::Valid))];
            for (v, name) in [(Verdict::Invalid, "invalid"), (Verdict::Unknown, "unknown")] {
                if count(v) > 0 {
                    parts.push(format!("{} {name}", count(v)));
                }
            }
            format!(" in {} ({})", plural(n, "key"), parts.join(", "))
        }
    };
    out.push_str(&format!(
        "{}: {} (model {}{how}; {}{keys}; {})\n",
        file.display(),
        report.verdict,
        report.model,
        plural(report.ops, "op"),
        seconds(report.elapsed)
    ));
    let single = report.keys.len() == 1 && report.keys[0].key.is_none();
    for key in &report.keys {
        if key.verdict == Verdict::Valid {
            continue;
        }
        let indent = if single {
            "  ".to_string()
        } else {
            out.push_str(&format!("  key {}: {}\n", key_name(key), describe(key)));
            "    ".to_string()
        };
        if single && key.verdict == Verdict::Unknown {
            out.push_str(&format!("  {}\n", describe(key)));
        }
        if let Some(witness) = &key.witness {
            out.push_str(&witness.to_text(&indent));
        }
    }
    out
}

fn key_name(key: &KeyReport) -> String {
    key.key
        .as_ref()
        .map(|k| k.to_string())
        .unwrap_or_else(|| "(none)".into())
}

fn describe(key: &KeyReport) -> String {
    let how = match key.method {
        checker::Method::Search => format!("search, {} configurations explored", key.explored),
        m => serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    };
    match (&key.reason, key.verdict) {
        (Some(reason), _) => format!("{} — {reason}", key.verdict),
        (None, v) => format!("{v} ({how}, {})", plural(key.ops, "op")),
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    }
}
