//! `splitbrain model list | check | explore`: the model checker over the `splitbrain-models`
//! specifications.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use splitbrain_models::spec::NetworkKind;
use splitbrain_models::{catalog, CheckOutcome, CheckRequest, PropertyStatus, StopWhen, Strategy};

use splitbrain::units;

const EXIT_CODES: &str = "\
Exit codes:
  0  every property as expected (each `always` holds, each `sometimes` has an example)
  1  a violation (or a `sometimes` with no example in the whole space)
  2  a limit was hit before every property was decided (never reported as a pass)
  3  error: unknown spec, bad parameter, bad usage";

/// `splitbrain model` subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List the specifications: parameters, properties (with their sources) and bug variants.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Model check a specification and print each property's outcome.
    #[command(after_help = EXIT_CODES)]
    Check(ModelArgs),
    /// Serve stateright's Explorer web UI for a specification on 127.0.0.1.
    Explore {
        #[command(flatten)]
        args: ModelArgs,
        /// Loopback address to serve on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        address: SocketAddr,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StrategyArg {
    /// Breadth first: shortest counterexamples; keeps every frontier state in memory.
    Bfs,
    /// Depth first: far less memory (the default).
    Dfs,
    /// Seeded random walks: for bugs too deep for exhaustive search; never proves a property.
    Random,
}

/// Arguments shared by `model check` and `model explore`.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The specification (see `splitbrain model list`).
    name: String,
    /// A bug variant of the specification.
    #[arg(long)]
    bug: Option<String>,
    /// Number of servers.
    #[arg(long)]
    servers: Option<u64>,
    /// Number of clients.
    #[arg(long)]
    clients: Option<u64>,
    /// A spec-specific bound, NAME=VALUE (repeatable), e.g. `--bound crashes=1`.
    #[arg(long = "bound", value_parser = parse_bound)]
    bounds: Vec<(String, u64)>,
    #[arg(long, value_parser = parse_network, help = format!(
        "Network semantics: {} (default: the spec's)",
        NetworkKind::ALL.map(NetworkKind::name).join(", ")
    ))]
    network: Option<NetworkKind>,
    /// Let the network lose any message.
    #[arg(long)]
    lossy: bool,
    /// Checker threads (state counts are reproducible with one).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Search strategy.
    #[arg(long, value_enum, default_value = "dfs")]
    strategy: StrategyArg,
    /// Seed of the random walks (`--strategy random`).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Symmetry reduction (DFS and random only; where the spec supports it).
    #[arg(long)]
    symmetry: bool,
    /// Stop after about this many generated states (undecided properties are then unknown).
    #[arg(long)]
    max_states: Option<usize>,
    /// Stop after this long (undecided properties are then unknown), e.g. 30s.
    #[arg(long, value_parser = units::parse_duration)]
    time_limit: Option<Duration>,
    /// Stop once this property is decided (e.g. a bug variant's target).
    #[arg(long)]
    stop_at: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Write the clients' operations along the counterexample as a native history (JSON lines)
    /// that `splitbrain check` reads (the `linearizable` counterexample when there is one).
    #[arg(long)]
    history_out: Option<PathBuf>,
    /// `model check`: also write a self-contained HTML page (properties, the counterexample as
    /// a Lamport diagram and numbered steps) to OUT.
    #[arg(long, value_name = "OUT")]
    html: Option<PathBuf>,
}

fn parse_bound(text: &str) -> Result<(String, u64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, found {text:?}"))?;
    let value = value
        .parse()
        .map_err(|_| format!("expected a number after `{name}=`, found {value:?}"))?;
    Ok((name.to_string(), value))
}

fn parse_network(text: &str) -> Result<NetworkKind, String> {
    text.parse().map_err(|e| format!("{e}"))
}

impl ModelArgs {
    fn request(&self) -> CheckRequest {
        let mut request = CheckRequest::new(self.name.clone());
        request.bug = self.bug.clone();
        request.servers = self.servers;
        request.clients = self.clients;
        request.bounds = self.bounds.iter().cloned().collect();
        request.network = self.network;
        request.lossy = self.lossy;
        request.threads = self.threads.max(1);
        request.strategy = match self.strategy {
            StrategyArg::Bfs => Strategy::Bfs,
            StrategyArg::Dfs => Strategy::Dfs,
            StrategyArg::Random => Strategy::Random { seed: self.seed },
        };
        request.symmetry = self.symmetry;
        request.max_states = self.max_states;
        request.time_limit = self.time_limit;
        if let Some(property) = &self.stop_at {
            request.stop_when = StopWhen::Decided(property.clone());
        }
        request
    }
}

/// Runs a `model` subcommand; returns the exit code.
pub fn run(command: ModelCommand) -> anyhow::Result<u8> {
    match command {
        ModelCommand::List { json } => list(json),
        ModelCommand::Check(args) => check(&args),
        ModelCommand::Explore { args, address } => {
            if !address.ip().is_loopback() {
                bail!("the Explorer binds only to loopback; got {address}");
            }
            let _ = writeln!(
                std::io::stderr(),
                "Explorer for {} on http://{address}/ (Ctrl-C to stop)",
                args.name
            );
            splitbrain_models::explore(&args.request(), &address.to_string())?;
            Ok(0)
        }
    }
}

// Output goes through `writeln!(…)?`, never `println!`, which panics on a closed pipe
// (`splitbrain model list | head -1`); `cli::main` ends quietly on the `BrokenPipe` error.
fn list(json: bool) -> anyhow::Result<u8> {
    let specs = catalog();
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&specs)?)?;
        return Ok(0);
    }
    for spec in specs {
        writeln!(out, "{} — {}", spec.name, spec.description)?;
        let parameters: Vec<String> = spec
            .parameters
            .iter()
            .map(|p| format!("{}={} ({}–{})", p.name, p.default, p.min, p.max))
            .collect();
        writeln!(out, "  sizes: {}", parameters.join(", "))?;
        writeln!(
            out,
            "  network: {}{}",
            spec.network.name(),
            if spec.symmetry {
                "; --symmetry applies"
            } else {
                ""
            }
        )?;
        for p in &spec.properties {
            writeln!(
                out,
                "  {:?} {}: {} [{}]",
                p.kind, p.name, p.description, p.source
            )?;
        }
        for bug in &spec.bugs {
            writeln!(
                out,
                "  bug {} → violates {}: {}",
                bug.name, bug.violates, bug.description
            )?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(0)
}

fn check(args: &ModelArgs) -> anyhow::Result<u8> {
    let outcome = splitbrain_models::check(&args.request())?;
    // A closed stdout must not cost the files asked for: write them, then report the error.
    let printed = print_outcome(&outcome, args.json);
    if let Some(path) = &args.html {
        std::fs::write(path, splitbrain::report::model_report(&outcome))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.history_out {
        // The history is for `splitbrain check`: a linearizability counterexample is the one
        // whose history the checker must find invalid, so it wins over the bug's target.
        let linearizable = outcome
            .property("linearizable")
            .filter(|p| p.status == PropertyStatus::Violated);
        let trace = linearizable
            .or_else(|| outcome.counterexample())
            .and_then(|p| p.trace.as_ref())
            .context("no counterexample to write a history from: no property was violated")?;
        std::fs::write(path, trace.history_jsonl())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let _ = writeln!(
            std::io::stderr(),
            "history of the counterexample written to {} (check it with `splitbrain check {}`)",
            path.display(),
            path.display()
        );
    }
    printed?;
    Ok(outcome.status().exit_code())
}

fn print_outcome(outcome: &CheckOutcome, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(outcome)?)?;
    } else {
        write!(out, "{outcome}")?;
    }
    out.flush()?;
    Ok(())
}
