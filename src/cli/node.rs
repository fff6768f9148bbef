//! `splitbrain node NAME`: run one of the models' protocols as a Maelstrom node on
//! stdin/stdout (what `splitbrain run --node NAME` spawns).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use splitbrain::node::{self, NodeOptions};

/// Arguments of `splitbrain node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The protocol (see the list below).
    #[arg(value_name = "NAME")]
    name: String,
    /// Run a bug variant (named as in `splitbrain model list`).
    #[arg(long, value_name = "VARIANT")]
    bug: Option<String>,
    /// Directory for durable state; a node restarted with the same directory recovers it.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seed for timer durations and random choices (mixed with the node id).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// The list of nodes for `--help`.
pub fn node_list() -> String {
    let mut text = String::from("Nodes:\n");
    for (name, what) in node::node_names() {
        text.push_str(&format!("  {name:<12} {what}\n"));
    }
    text
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
    };
    runtime
        .block_on(node::run(
            &args.name,
            options,
            tokio::io::BufReader::new(tokio::io::stdin()),
            tokio::io::stdout(),
        ))
        .with_context(|| format!("splitbrain node {}", args.name))?;
    Ok(0)
}
