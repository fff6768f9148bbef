//! `splitbrain shim --id ID --listen ADDR --peers ID=ADDR,... -- CMD ARGS...`: a
//! Maelstrom-protocol program on a real network (what `--net netns` cluster files with
//! `client = "maelstrom"` start on each node).

use std::net::SocketAddr;

use clap::Args;
use splitbrain::shim::{self, ShimOptions};

/// Arguments of `splitbrain shim`.
#[derive(Debug, Args)]
pub struct ShimArgs {
    /// This node's id (n0, n1, ...).
    #[arg(long)]
    id: String,
    /// The address peers and clients connect to (IP:PORT).
    #[arg(long, value_name = "IP:PORT")]
    listen: SocketAddr,
    /// Every node of the cluster, this one included, in order: ID=IP:PORT,...
    #[arg(long, value_delimiter = ',', value_parser = parse_peer, value_name = "ID=IP:PORT,...")]
    peers: Vec<(String, SocketAddr)>,
    /// The program and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "CMD [ARGS...]")]
    argv: Vec<String>,
}

fn parse_peer(text: &str) -> Result<(String, SocketAddr), String> {
    let (id, addr) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ID=IP:PORT, found {text:?}"))?;
    let addr = addr
        .parse()
        .map_err(|e| format!("{addr:?} is not an IP:PORT address: {e}"))?;
    Ok((id.to_string(), addr))
}

/// Runs the program until it exits; exits with its status.
pub fn run(args: ShimArgs) -> anyhow::Result<u8> {
    if !args.peers.iter().any(|(id, _)| *id == args.id) {
        anyhow::bail!("--peers must list this node ({}) too", args.id);
    }
    let code = shim::run(ShimOptions {
        id: args.id,
        listen: args.listen,
        peers: args.peers,
        argv: args.argv,
    })?;
    Ok(u8::try_from(code).unwrap_or(1))
}
