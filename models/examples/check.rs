//! Model-checks one spec from the command line, through the same API the `splitbrain model`
//! verbs call. Used to reproduce the figures in `models/README.md`:
//!
//! ```text
//! cargo run --release -p splitbrain-models --example check -- paxos-register --threads 2
//! cargo run --release -p splitbrain-models --example check -- lease-lock --bug no-fencing
//! cargo run --release -p splitbrain-models --example check -- lease-lock --bound clients=4 --symmetry
//! cargo run --release -p splitbrain-models --example check -- list
//! ```
//!
//! Options: `--bug NAME`, `--bound NAME=VALUE` (repeatable; also `--servers N`, `--clients N`),
//! `--network ordered|unordered|duplicating`, `--lossy`, `--threads N`,
//! `--strategy bfs|dfs|random`, `--seed N`, `--symmetry`, `--max-states N`, `--time-limit-ms N`,
//! `--stop-at PROPERTY`, `--summary` (one line), `--history-out FILE`, `--explore ADDRESS`.
//! Exit status: 0 pass, 1 fail, 2 unknown, 3 error.

use std::process::ExitCode;
use std::time::Duration;

use splitbrain_models::{catalog, check, explore, CheckRequest, StopWhen, Strategy};

// The allocator of `splitbrain` itself (src/main.rs), so that figures made with this example
// are what `splitbrain model check` does: a search allocates and frees a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
    }
}

fn run(args: Vec<String>) -> Result<u8, String> {
    let mut args = args.into_iter();
    let spec = args
        .next()
        .ok_or("usage: check SPEC [options] | check list")?;
    if spec == "list" {
        for info in catalog() {
            println!(
                "{}",
                serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?
            );
        }
        return Ok(0);
    }
    let mut request = CheckRequest::new(spec);
    let (mut summary, mut seed, mut random) = (false, 0, false);
    let (mut history_out, mut address) = (None, None);
    let number = |value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or("missing value")?;
        value
            .parse()
            .map_err(|_| format!("`{value}` is not a number"))
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--bug" => request.bug = Some(args.next().ok_or("--bug needs a name")?),
            "--servers" => request.servers = Some(number(args.next())?),
            "--clients" => request.clients = Some(number(args.next())?),
            "--bound" => {
                let pair = args.next().ok_or("--bound needs NAME=VALUE")?;
                let (name, value) = pair.split_once('=').ok_or("--bound needs NAME=VALUE")?;
                request
                    .bounds
                    .insert(name.to_owned(), number(Some(value.to_owned()))?);
            }
            "--network" => {
                let name = args.next().ok_or("--network needs a kind")?;
                request.network = Some(name.parse().map_err(|e| format!("{e}"))?);
            }
            "--lossy" => request.lossy = true,
            "--threads" => request.threads = number(args.next())? as usize,
            "--strategy" => match args.next().as_deref() {
                Some("bfs") => request.strategy = Strategy::Bfs,
                Some("dfs") => request.strategy = Strategy::Dfs,
                Some("random") => random = true,
                other => return Err(format!("unknown strategy {other:?}")),
            },
            "--seed" => seed = number(args.next())?,
            "--symmetry" => request.symmetry = true,
            "--max-states" => request.max_states = Some(number(args.next())? as usize),
            "--time-limit-ms" => {
                request.time_limit = Some(Duration::from_millis(number(args.next())?))
            }
            "--stop-at" => {
                request.stop_when = StopWhen::Decided(args.next().ok_or("--stop-at needs a name")?)
            }
            "--summary" => summary = true,
            "--history-out" => history_out = Some(args.next().ok_or("--history-out needs a file")?),
            "--explore" => address = Some(args.next().ok_or("--explore needs an address")?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if random {
        request.strategy = Strategy::Random { seed };
    }
    if let Some(address) = address {
        println!("Explorer on http://{address}/");
        explore(&request, &address).map_err(|e| e.to_string())?;
        return Ok(0);
    }
    let outcome = check(&request).map_err(|e| e.to_string())?;
    if summary {
        println!(
            "{} bug={} threads={} {} symmetry={} params={:?}: generated={} unique={} depth={} secs={:.3} unique/s={:.0} generated/s={:.0} status={:?} end={:?} cache={:?}",
            outcome.spec,
            outcome.bug.unwrap_or("-"),
            outcome.threads,
            outcome.strategy.name(),
            outcome.symmetry,
            outcome.parameters,
            outcome.states_generated,
            outcome.unique_states,
            outcome.max_depth,
            outcome.elapsed.as_secs_f64(),
            outcome.unique_states_per_sec(),
            outcome.states_per_sec(),
            outcome.status(),
            outcome.end,
            outcome.verdict_cache,
        );
    } else {
        print!("{outcome}");
    }
    if let Some(path) = history_out {
        let trace = outcome
            .counterexample()
            .and_then(|p| p.trace.as_ref())
            .ok_or("no counterexample to write")?;
        std::fs::write(&path, trace.history_jsonl()).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(outcome.status().exit_code())
}
