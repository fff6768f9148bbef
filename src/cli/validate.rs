//! `splitbrain validate STORE_DIR [--against correct|BUG] [--json]`: a reference node run's
//! journals replayed through its model, joined with the router's messages, judged by its spec.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use splitbrain::validate::{self, Limits, ValidateOptions};

/// Arguments of `splitbrain validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A run's store directory (e.g. store/latest) of `splitbrain run --node NAME`.
    dir: PathBuf,
    /// The model to judge the run against: `correct`, or one of the node's bug variants.
    #[arg(long, default_value = "correct", value_name = "correct|BUG")]
    against: String,
    /// Print the validation as JSON (the path, the divergence, the gaps, the properties).
    #[arg(long)]
    json: bool,
    /// Most inputs a gap's bridge may have.
    #[arg(long, default_value_t = Limits::default().depth)]
    gap_depth: usize,
    /// Most states a gap search explores.
    #[arg(long, default_value_t = Limits::default().states)]
    gap_states: usize,
    /// Steps of the path shown up to the first divergent step.
    #[arg(long, default_value_t = 20)]
    path: usize,
}

/// Runs `validate`; returns the exit code (errors become exit code 3 in the caller).
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let options = ValidateOptions {
        against: (args.against != "correct").then(|| args.against.clone()),
        limits: Limits {
            depth: args.gap_depth,
            states: args.gap_states,
        },
        path_tail: args.path,
    };
    let validation = validate::validate(&args.dir, &options)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &validation)?;
        writeln!(out)?;
    } else {
        write!(out, "{validation}")?;
    }
    out.flush()?;
    Ok(validation.exit_code())
}
