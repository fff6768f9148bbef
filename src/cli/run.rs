//! `splitbrain run`: run real nodes under faults, record the history, check it.
//!
//! - `run/bin_args.rs`: `--bin CMD ARGS...`, whose arguments may look like options;
//! - `run/dashes.rs`: an option typed with an en-dash (`–-nemesis`, pasted from a web page) is
//!   an error that says so, never an argument passed on to the node;
//! - `run/txn_args.rs`: `--consistency-models` and `--availability`, as Maelstrom spells them;
//! - `run/bar.rs`: the progress bar.

mod bar;
mod bin_args;
mod dashes;
mod txn_args;

pub use bin_args::expand_bin;
pub use dashes::stray_dash;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use splitbrain::runner::nemesis::{ClockFault, FaultKind};
use splitbrain::runner::netns::NetnsBackend;
use splitbrain::runner::real::ClusterFile;
use splitbrain::runner::ssh::SshBackend;
use splitbrain::runner::systems::{settings, AdapterOptions, ADAPTERS};
use splitbrain::runner::workload::{Topology, WorkloadName};
use splitbrain::runner::{
    self, Backend, LatencyDist, NodeCommand, Notices, RouterBackend, RunOptions, RunOutcome,
    RunPlan, RunStatus,
};

use super::EXIT_ERROR;
use splitbrain::units;

/// Arguments of `splitbrain run`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("program").required(true).multiple(true).args(["bin", "node", "cluster"]))]
pub struct RunArgs {
    #[arg(long, short = 'w', value_parser = parse_workload,
          help = format!("Workload: {}", names(&WorkloadName::ALL, WorkloadName::name)))]
    workload: WorkloadName,
    /// The node program and its arguments, run as an argv (never through a shell). The node's
    /// arguments run up to the next option of `splitbrain run`; after `--`, every argument is the
    /// node's (`--bin ./node -- --seed 3`).
    #[arg(long, action = clap::ArgAction::Append, value_name = "CMD [ARGS...]")]
    bin: Vec<String>,
    /// A splitbrain reference node, run as `splitbrain node NAME [--bug BUG] --data-dir DIR`.
    #[arg(long, value_name = "NAME", conflicts_with = "bin")]
    node: Option<String>,
    /// The reference node's bug variant.
    #[arg(long, requires = "node")]
    bug: Option<String>,
    /// Do not validate a --node run's trace against the correct model at its end (by default
    /// it is, and an invalid trace makes the run invalid; see `splitbrain validate`).
    #[arg(long)]
    no_validate: bool,
    /// Number of nodes, named n0, n1, ... (default 3; with --cluster, the file's `nodes`).
    #[arg(long)]
    node_count: Option<usize>,
    /// Client threads: a number, or `Kn` for K × node count (default: the node count).
    #[arg(long, value_parser = parse_concurrency)]
    concurrency: Option<Concurrency>,
    /// Client operations per second, over all threads (0: none).
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// How long clients issue operations (e.g. 20s).
    #[arg(long, value_parser = units::parse_duration, default_value = "10s")]
    time_limit: Duration,
    #[arg(long, value_delimiter = ',', value_parser = parse_fault, help = format!(
        "Faults, comma-separated: {}; or {} alone (Raft's Figure 8 built from the nodes' \
         `append_entries`; give clients a long --rpc-timeout)",
        names(&FaultKind::TIMED, FaultKind::name),
        names(&FaultKind::TARGETED, FaultKind::name),
    ))]
    nemesis: Vec<FaultKind>,
    /// Mean time between nemesis actions.
    #[arg(long, value_parser = units::parse_duration, default_value = "5s")]
    nemesis_interval: Duration,
    #[arg(long, value_delimiter = ',', value_parser = parse_clock_fault, help = format!(
        "Clock faults --nemesis clock draws from, comma-separated: {} (default: all that the \
         nodes support: reference nodes on the router have host-owned clocks and all three; \
         libfaketime has no rate)",
        names(&ClockFault::ALL, ClockFault::name),
    ))]
    clock_faults: Vec<ClockFault>,
    /// Quiet period after healing every fault, before the final reads.
    #[arg(long, value_parser = units::parse_duration, default_value = "5s")]
    recovery_time: Duration,
    /// Mean latency of messages between nodes, and to services (clients get none); a bare
    /// number is milliseconds, as Maelstrom's `--latency` (`100` = `100ms`).
    #[arg(long, value_parser = units::parse_millis, default_value = "0ms")]
    latency: Duration,
    #[arg(long, value_parser = parse_dist, default_value = "constant", help = format!(
        "Latency distribution: {} (uniform: 0..2×mean)",
        names(&LatencyDist::ALL, LatencyDist::name)
    ))]
    latency_dist: LatencyDist,
    /// Probability that a message between nodes is lost.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Probability that a message between nodes is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    duplicate: f64,
    /// Probability that a message between nodes is held back behind later ones.
    #[arg(long, default_value_t = 0.0)]
    reorder: f64,
    /// Keys: lin-kv's (default 4; with --ops-per-key: keys in use at once); the txn workloads'
    /// keys active at a time (default 10, Maelstrom's).
    #[arg(long)]
    key_count: Option<usize>,
    /// txn workloads: most micro-ops per transaction.
    #[arg(long, default_value_t = splitbrain::runner::workload::DEFAULT_MAX_TXN_LENGTH)]
    max_txn_length: usize,
    /// txn workloads: writes a key gets before a fresh key takes its place.
    #[arg(long, default_value_t = splitbrain::runner::workload::DEFAULT_MAX_WRITES_PER_KEY)]
    max_writes_per_key: usize,
    #[arg(long, num_args = 1.., action = clap::ArgAction::Append, value_name = "MODELS",
          help = txn_args::models_help())]
    consistency_models: Vec<String>,
    /// Fraction of client operations that must succeed, `total` (= 1) or a number in 0..1; below
    /// it the run is invalid (Maelstrom's --availability).
    #[arg(long, value_parser = txn_args::parse_availability)]
    availability: Option<f64>,
    /// lin-kv: retire a key after this many operations and take a fresh one, as Jepsen's
    /// independent-key generator does, so every new key sees its first writes race (0: never).
    #[arg(long, default_value_t = 0)]
    ops_per_key: usize,
    /// lease-lock: the longest a holder works between its token and its write (seeded; within
    /// the lease, only a clock fault can make a holder outlive its lease).
    #[arg(long, value_parser = units::parse_duration, default_value = "0s")]
    hold: Duration,
    /// lease-lock: how long one holder in five pauses on top of --hold before it writes (Kleppmann's GC pause; 0: never).
    #[arg(long, value_parser = units::parse_duration, default_value = "400ms")]
    holder_pause: Duration,
    #[arg(long, value_parser = parse_topology, default_value = "grid",
          help = format!("Broadcast topology: {}", names(&Topology::ALL, Topology::name)))]
    topology: Topology,
    /// How long a client waits for a reply (at least 10 × --latency).
    #[arg(long, value_parser = units::parse_duration, default_value = "1s")]
    rpc_timeout: Duration,
    /// How long a node has to answer init.
    #[arg(long, value_parser = units::parse_duration, default_value = "10s")]
    init_timeout: Duration,
    /// The seed every random choice derives from (default: random, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Where runs are stored: STORE/<workload>/<timestamp>/, STORE/latest.
    #[arg(long, default_value = "store")]
    store: PathBuf,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// The network: `router` (in-process, Maelstrom-protocol nodes), `netns` (real programs in
    /// network namespaces, faults by iptables and signals; needs root and --cluster) or `ssh`
    /// (real programs on the hosts a --cluster file lists, reached with ssh).
    #[arg(long, value_parser = ["router", "netns", "ssh"], default_value = "router")]
    net: String,
    /// With --net netns: the cluster file (start command template, readiness probe, client
    /// adapter), e.g. examples/clusters/etcd-3.toml.
    #[arg(long, value_name = "FILE.toml")]
    cluster: Option<PathBuf>,
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = settings::parse_assignment,
          action = clap::ArgAction::Append, help = settings_help())]
    settings: Vec<(String, String)>,
    /// With the etcd adapter: serializable (local, possibly stale) reads instead of
    /// linearizable ones (the same as --set serializable-reads=true).
    #[arg(long)]
    etcd_serializable_reads: bool,
}

/// The help of `--set`: every adapter's settings, from the adapters' own declarations.
fn settings_help() -> String {
    let mut text = "With --cluster: a setting of the cluster's client adapter, overriding the \
                    file's [settings] (repeatable). Each adapter's settings, with defaults:"
        .to_string();
    for kind in ADAPTERS.iter().filter(|k| !k.settings.is_empty()) {
        let each: Vec<String> = (kind.settings.iter())
            .map(|s| format!("{}={} ({})", s.name, s.default, s.help))
            .collect();
        text.push_str(&format!(" {}: {}.", kind.name, each.join("; ")));
    }
    text
}

#[derive(Clone, Copy, Debug)]
enum Concurrency {
    Absolute(usize),
    PerNode(usize),
}

fn parse_concurrency(text: &str) -> Result<Concurrency, String> {
    let bad = || format!("expected a number or Kn (K × node count), found {text:?}");
    match text.strip_suffix('n') {
        Some("") => Ok(Concurrency::PerNode(1)),
        Some(k) => k.parse().map(Concurrency::PerNode).map_err(|_| bad()),
        None => text.parse().map(Concurrency::Absolute).map_err(|_| bad()),
    }
}

/// `a, b, c`: the names of `all`, for help texts generated from the arrays the parsers accept.
fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(", ")
}

fn one_of<T: Copy>(
    what: &str,
    text: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|x| name(*x) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
            format!(
                "unknown {what} {text:?}; expected one of: {}",
                names.join(", ")
            )
        })
}

fn parse_workload(text: &str) -> Result<WorkloadName, String> {
    one_of("workload", text, &WorkloadName::ALL, WorkloadName::name)
}

fn parse_fault(text: &str) -> Result<FaultKind, String> {
    one_of("fault", text, &FaultKind::ALL, FaultKind::name)
}

fn parse_clock_fault(text: &str) -> Result<ClockFault, String> {
    one_of("clock fault", text, &ClockFault::ALL, ClockFault::name)
}

fn parse_dist(text: &str) -> Result<LatencyDist, String> {
    one_of(
        "latency distribution",
        text,
        &LatencyDist::ALL,
        LatencyDist::name,
    )
}

fn parse_topology(text: &str) -> Result<Topology, String> {
    one_of("topology", text, &Topology::ALL, Topology::name)
}

impl RunArgs {
    fn plan(&self, cluster: Option<&ClusterFile>) -> anyhow::Result<RunPlan> {
        let node = match (&self.node, cluster) {
            (_, Some(c)) if !c.takes_program() => NodeCommand::Bin(c.argv.clone()),
            (Some(name), _) => NodeCommand::Named {
                exe: std::env::current_exe()?,
                name: name.clone(),
                bug: self.bug.clone(),
            },
            (None, _) => NodeCommand::Bin(self.bin.clone()),
        };
        let node_count = self.node_count.or(cluster.map(|c| c.nodes)).unwrap_or(3);
        let mut plan = RunPlan::new(self.workload, node, node_count);
        plan.concurrency = match self.concurrency {
            None => node_count,
            Some(Concurrency::Absolute(c)) => c,
            Some(Concurrency::PerNode(k)) => k * node_count,
        };
        plan.rate = self.rate;
        plan.time_limit = self.time_limit;
        plan.rpc_timeout = self.rpc_timeout;
        plan.init_timeout = self.init_timeout;
        plan.net.latency = self.latency;
        plan.net.latency_dist = self.latency_dist;
        plan.net.loss = self.loss;
        plan.net.duplicate = self.duplicate;
        plan.net.reorder = self.reorder;
        plan.nemesis = self.nemesis.clone();
        plan.nemesis_interval = self.nemesis_interval;
        plan.clock_faults = self.clock_faults.clone();
        plan.recovery_time = self.recovery_time;
        if let Some(k) = self.key_count {
            plan.key_count = k;
        }
        plan.max_txn_length = self.max_txn_length;
        plan.max_writes_per_key = self.max_writes_per_key;
        if !self.consistency_models.is_empty() {
            plan.consistency_models = txn_args::parse_models(&self.consistency_models)
                .map_err(|e| anyhow::anyhow!("--consistency-models: {e}"))?;
        }
        plan.availability = self.availability;
        plan.ops_per_key = self.ops_per_key;
        plan.hold = self.hold;
        plan.holder_pause = self.holder_pause;
        plan.topology = self.topology;
        plan.seed = self.seed.unwrap_or_else(random_seed);
        plan.store = self.store.clone();
        plan.validate = !self.no_validate;
        Ok(plan)
    }
}

fn random_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Small enough to type back in.
    (nanos ^ u64::from(std::process::id()).rotate_left(32)) % 1_000_000_000
}

/// Runs `run`; returns the exit code.
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    if args.net != "router" || args.cluster.is_some() {
        return run_real(args);
    }
    if !args.settings.is_empty() || args.etcd_serializable_reads {
        eprintln!("error: --set sets the client adapter of a --cluster file; give one");
        return Ok(EXIT_ERROR);
    }
    let plan = args.plan(None)?;
    run_on(&args, &plan, RouterBackend)
}

/// `--net netns|ssh --cluster FILE`.
fn run_real(args: RunArgs) -> anyhow::Result<u8> {
    let (Some(path), "netns" | "ssh") = (&args.cluster, args.net.as_str()) else {
        eprintln!("error: --net netns or --net ssh, and --cluster FILE.toml, go together");
        return Ok(EXIT_ERROR);
    };
    let cluster = ClusterFile::load(path).and_then(|c| match args.node_count {
        Some(n) => c.with_nodes(n),
        None => Ok(c),
    });
    let cluster = match cluster {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let program_given = !args.bin.is_empty() || args.node.is_some();
    if program_given && !cluster.takes_program() {
        eprintln!(
            "error: {} says what runs (its argv has no {{bin}}); drop --bin/--node",
            path.display()
        );
        return Ok(EXIT_ERROR);
    }
    if !program_given && cluster.takes_program() {
        eprintln!(
            "error: {} runs the node program given with --bin CMD... or --node NAME ({{bin}} in \
             its argv); give one",
            path.display()
        );
        return Ok(EXIT_ERROR);
    }
    let mut plan = args.plan(Some(&cluster))?;
    // Trace validation joins the nodes' journals with the router's messages.jsonl; a real
    // network has no router to record every message, so its runs are judged by their history.
    plan.validate = false;
    let mut options = AdapterOptions {
        settings: args.settings.clone(),
        workload: Some(plan.workload),
    };
    if args.etcd_serializable_reads {
        let flag = ("serializable-reads".to_string(), "true".to_string());
        options.settings.push(flag);
    }
    let outcome = match args.net.as_str() {
        "ssh" => SshBackend::new(cluster, options).map(|b| run_on(&args, &plan, b)),
        _ => NetnsBackend::new(cluster, options).map(|b| run_on(&args, &plan, b)),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        Ok(EXIT_ERROR)
    })
}

/// Runs `plan` on `backend` with a progress bar and prints the outcome.
fn run_on<B: Backend>(args: &RunArgs, plan: &RunPlan, backend: B) -> anyhow::Result<u8> {
    let options = RunOptions {
        handle_signals: true,
        notices: Notices::new(|notice| eprintln!("splitbrain: {notice}")),
        ..RunOptions::default()
    };
    let replay = runner::replay_command(plan, &backend);
    let show_bar = !args.no_progress && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| bar::Bar::start(options.progress.clone()));
    let outcome = runner::run(plan, backend, options);
    if let Some(bar) = bar {
        bar.finish();
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("replay: {replay}");
            return Ok(EXIT_ERROR);
        }
    };
    report(plan, &outcome)?;
    Ok(outcome.exit_code())
}

fn report(plan: &RunPlan, o: &RunOutcome) -> anyhow::Result<()> {
    if let RunStatus::Failed(e) = &o.status {
        eprintln!("error: {e}");
    }
    let mut out = std::io::stdout().lock();
    let s = &o.ops;
    let counts = format!(
        "{} ops: {} ok, {} fail, {} info; {} nemesis actions",
        s.count,
        s.ok,
        s.fail,
        s.info,
        o.faults.len()
    );
    match &o.status {
        RunStatus::Checked(c) => {
            let verdict = o.verdict().unwrap_or(c.verdict);
            writeln!(out, "{}: {verdict} ({counts})", plan.workload.name())?;
            match &o.trace {
                Some(trace) => {
                    writeln!(out, "  history: {}: {}", c.verdict, c.summary)?;
                    writeln!(out, "  trace:   {}: {}", trace.verdict, trace.summary)?;
                    if trace.verdict != splitbrain::checker::Verdict::Valid {
                        writeln!(
                            out,
                            "  explanation: splitbrain validate {}",
                            o.store.display()
                        )?;
                    }
                }
                None => writeln!(out, "  {}", c.summary)?,
            }
            if c.verdict == splitbrain::checker::Verdict::Invalid
                && (matches!(plan.workload, WorkloadName::LinKv | WorkloadName::Lock)
                    || plan.workload.is_transactional())
            {
                writeln!(
                    out,
                    "  explanation: splitbrain check {}",
                    o.store.join("history.jsonl").display()
                )?;
            }
        }
        RunStatus::Failed(_) => writeln!(out, "{}: error ({counts})", plan.workload.name())?,
    }
    if o.interrupted {
        writeln!(out, "interrupted: the partial history is saved")?;
    }
    writeln!(out, "throughput: {:.0} ok ops/s", o.ok_per_second)?;
    for note in &o.notes {
        writeln!(out, "{note}")?;
    }
    writeln!(out, "store:  {}", o.store.display())?;
    // The page is a view of the run: failing to write it never changes the verdict.
    match splitbrain::report::write_run_report(&o.store, None) {
        Ok(page) => writeln!(out, "report: {}", page.display())?,
        Err(e) => eprintln!("warning: no report.html: {e}"),
    }
    writeln!(out, "seed:   {}", o.seed)?;
    writeln!(out, "replay: {}", o.replay)?;
    out.flush()?;
    Ok(())
}
