//! `splitbrain node NAME`: one real Maelstrom node running a models-crate protocol.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use splitbrain::node::{serve_named, NodeOptions, NODE_NAMES};

/// Arguments of `splitbrain node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The protocol to run (see `splitbrain node --help` for the names).
    #[arg(value_name = "NAME", help = format!("The protocol to run: {}", NODE_NAMES.join(", ")))]
    name: String,
    /// A bug variant, by the model's name (`splitbrain model list` shows them).
    #[arg(long, value_name = "VARIANT")]
    bug: Option<String>,
    /// Where durable state lives (kept across restarts); without it, state is lost on exit.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seed of every random choice (timer durations, picks); default derived from the node id.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Keep no input journal (`journal.jsonl` in the data directory, what `splitbrain validate`
    /// replays).
    #[arg(long)]
    no_journal: bool,
    /// Run the node's timers on a clock the harness sets through FILE (`GENERATION OFFSET_MS
    /// RATE` on one line, polled every 2 ms); what was applied is written to `FILE.applied`.
    #[arg(long, value_name = "FILE")]
    clock: Option<PathBuf>,
}

/// Runs the node until stdin closes.
pub fn run(args: NodeArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the node's runtime")?;
    let options = NodeOptions {
        bug: args.bug,
        data_dir: args.data_dir,
        seed: args.seed,
        no_journal: args.no_journal,
        clock: args.clock,
    };
    runtime.block_on(async {
        let input = tokio::io::BufReader::new(tokio::io::stdin());
        serve_named(&args.name, options, input, tokio::io::stdout()).await
    })?;
    Ok(0)
}
