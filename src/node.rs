//! `splitbrain node NAME`: the models crate's protocols run as real Maelstrom nodes, the same
//! code the model checker checks.
//!
//! Map of this module, in reading order:
//! - [`run`], [`NodeOptions`], [`node_names`] (here, with the registry of names);
//! - `host.rs`: the event loop: Maelstrom `init`, messages to handlers, effects to the world
//!   (stdout lines, timers, the seeded RNG, durable state);
//! - `wire.rs`: Maelstrom's envelope and `init` (pure);
//! - `durable.rs`: the data directory: atomic, fsynced writes of a node's durable state;
//! - [`NodeError`] (`error.rs`): why a node stopped.
//!
//! The host keeps the contract in `splitbrain_models::protocol`: `on_start` once (with the last
//! persisted state after a restart), effects executed in order, a `Persist` durable before any
//! later message leaves, named timers with durations drawn from the seeded RNG, `Choose` picked
//! by the same RNG.

mod durable;
mod error;
mod host;
mod wire;

use std::path::PathBuf;

use splitbrain_models::crdt::{CrdtNode, GCounter, OrSet, PnCounter};
use tokio::io::{AsyncBufRead, AsyncWrite};

pub use error::NodeError;

/// How to run a node.
#[derive(Clone, Debug, Default)]
pub struct NodeOptions {
    /// The bug variant, by its model name.
    pub bug: Option<String>,
    /// Where durable state lives; without one, a restart starts from nothing.
    pub data_dir: Option<PathBuf>,
    /// Seeds timer durations and choices (mixed with the node id, so nodes differ).
    pub seed: u64,
}

/// The node names `splitbrain node` knows, with what each serves.
pub fn node_names() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "g-counter",
            "grow-only counter CRDT (workload g-counter); bug sum-merge",
        ),
        (
            "pn-counter",
            "increment/decrement counter CRDT (workload pn-counter); bug sum-merge",
        ),
        (
            "g-set",
            "observed-remove set CRDT serving adds (workload g-set); alias or-set",
        ),
    ]
}

/// Runs node `name` on `input`/`output` (stdin/stdout for a real node) until `input` ends.
pub async fn run<R, W>(
    name: &str,
    options: NodeOptions,
    input: R,
    output: W,
) -> Result<(), NodeError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    match name {
        "g-counter" => host::serve::<CrdtNode<GCounter>, _, _>(options, input, output).await,
        "pn-counter" => host::serve::<CrdtNode<PnCounter>, _, _>(options, input, output).await,
        "g-set" | "or-set" => host::serve::<CrdtNode<OrSet>, _, _>(options, input, output).await,
        _ => Err(NodeError::UnknownNode {
            name: name.to_owned(),
            known: node_names()
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
