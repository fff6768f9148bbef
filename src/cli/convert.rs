//! `splitbrain convert IN OUT`: rewrite a history in another format.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use splitbrain::history::{format, Format};

/// Arguments of `splitbrain convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The history to read.
    input: PathBuf,
    /// Where to write it (`-` for standard output).
    output: PathBuf,
    /// Input format (detected when omitted).
    #[arg(long, value_parser = parse_format)]
    from: Option<Format>,
    /// Output format: jsonl, edn, plume or awdit (from OUTPUT's extension when omitted; jsonl
    /// for `-`).
    #[arg(long, value_parser = parse_format)]
    to: Option<Format>,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| {
        format!("unknown format {name:?}; expected jsonl, edn, porcupine-etcd, plume or awdit")
    })
}

/// Runs `convert`; returns the exit code.
pub fn run(args: ConvertArgs) -> anyhow::Result<u8> {
    let to_stdout = args.output.as_os_str() == "-";
    let to = match args.to {
        Some(f) => f,
        None if to_stdout => Format::Jsonl,
        None => Format::from_extension(&args.output).with_context(|| {
            format!(
                "cannot tell the output format from {}; pass --to jsonl or --to edn",
                args.output.display()
            )
        })?,
    };
    if !to.can_write() {
        bail!(
            "{} is a read-only format; write jsonl, edn, plume or awdit",
            to.name()
        );
    }
    let (_, history) = format::read(&args.input, args.from)?;
    if to_stdout {
        let mut out = std::io::stdout().lock();
        format::write(&history, to, &mut out)?;
        out.flush()?;
    } else {
        let file = File::create(&args.output)
            .with_context(|| format!("cannot create {}", args.output.display()))?;
        let mut out = BufWriter::new(file);
        format::write(&history, to, &mut out)?;
        out.flush()
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(0)
}
