//! Command-line syntax (clap derive) and dispatch; one file per verb.
//!
//! - `check.rs`: `splitbrain check FILE...`
//! - `convert.rs`: `splitbrain convert IN OUT`
//! - `generate.rs`: `splitbrain gen`
//! - `model.rs`: `splitbrain model list | check | explore`
//! - `node.rs`: `splitbrain node NAME` (one real Maelstrom node)
//! - `report.rs`: `splitbrain report STORE_DIR` (re-render a run's report.html)
//! - `run.rs`: `splitbrain run --workload W (--bin CMD... | --node NAME | --net netns --cluster F)`
//! - `shim.rs`: `splitbrain shim`: a Maelstrom program on a real network (for `--net netns`)
//! - `validate.rs`: `splitbrain validate STORE_DIR` (a reference node run against its model)

mod check;
mod convert;
mod generate;
mod model;
mod node;
mod report;
mod run;
mod shim;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for errors: bad input, bad usage, harness failure.
pub const EXIT_ERROR: u8 = 3;

/// Exit code when stdout was closed before the output was written: 128 + SIGPIPE, as a shell
/// reports a process that SIGPIPE ended.
pub const EXIT_CLOSED_PIPE: u8 = 141;

const EXIT_CODES: &str = "\
Exit codes:
  0  valid: every history checked is linearizable (transactional histories: satisfies the
     consistency models asked for)
  1  invalid: at least one history is not
  2  unknown: a limit was hit before an answer was known (never reported as valid)
  3  error: unreadable input, bad usage, or a harness failure";

const RUN_EXIT_CODES: &str = "\
Exit codes:
  0  valid: the workload's checker accepts the history (and, for --node runs, the nodes'
     trace validates against the correct model)
  1  invalid: it found a violation (or the trace left the model: a node did something its
     correct protocol does not, or a property of its spec failed)
  2  unknown: no answer (no operation succeeded, no final read, interrupted, a gap in the
     trace no search could bridge)
  3  error: a node broke the protocol (exited, printed non-JSON, never answered init), bad
     usage, or a harness failure

Every run prints its seed and the command that replays its fault schedule.";

const VALIDATE_EXIT_CODES: &str = "\
Exit codes:
  0  valid: every node did what its model does, and every property of its spec holds on
     every state of the joined path (gaps, if any, bridged)
  1  invalid: a node's effects differ from its model's (the first divergent step is shown
     with the path up to it), or a property of the spec fails
  2  unknown: a gap in the journals no bounded search could bridge
  3  error: a missing or malformed store file (named with its line), or bad usage";

/// splitbrain: a Jepsen-style verification harness.
#[derive(Debug, Parser)]
#[command(name = "splitbrain", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check recorded histories for linearizability, or transactional ones against consistency
    /// models (Elle-class).
    #[command(after_help = EXIT_CODES)]
    Check(check::CheckArgs),
    /// Convert a history between formats (jsonl, edn; porcupine-etcd is read only).
    Convert(convert::ConvertArgs),
    /// Generate a seeded synthetic history (for benchmarks and experiments).
    Gen(generate::GenArgs),
    /// Model check protocol specifications (Paxos, Raft, lease lock, CRDTs, vector clocks).
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Run one protocol of the models crate as a real Maelstrom node (stdin/stdout JSON lines).
    Node(node::NodeArgs),
    /// Re-render a run's self-contained report.html from its store directory.
    Report(report::ReportArgs),
    /// Run Maelstrom-protocol nodes under faults, record the history and check it.
    #[command(after_help = RUN_EXIT_CODES)]
    Run(Box<run::RunArgs>),
    /// Run a Maelstrom-protocol program on a real network: its messages over TCP to the other
    /// nodes' shims and to clients (what `--net netns` cluster files with `client = "maelstrom"`
    /// start on each node).
    Shim(shim::ShimArgs),
    /// Check a run of reference nodes step by step against their model (trace validation).
    #[command(after_help = VALIDATE_EXIT_CODES)]
    Validate(validate::ValidateArgs),
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(message) = run::stray_dash(&args) {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        return ExitCode::from(EXIT_ERROR);
    }
    let args = run::expand_bin(args);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Gen(args) => generate::run(args),
        Command::Model(command) => model::run(command),
        Command::Node(args) => node::run(args),
        Command::Report(args) => report::run(args),
        Command::Run(args) => run::run(*args),
        Command::Shim(args) => shim::run(args),
        Command::Validate(args) => validate::run(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`splitbrain check ... | head`) ends quietly, with the status a shell
            // gives a process ended by SIGPIPE: `set -o pipefail` still sees the output was cut
            // short, and no verdict is ever turned into a 0.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(EXIT_CLOSED_PIPE);
            }
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
