//! The node names `splitbrain node NAME` knows, each mapped to its [`Deployable`] protocol.

use splitbrain_models::lease_lock::LeaseNode;
use splitbrain_models::paxos::KeyedPaxos;
use splitbrain_models::Deployable;
use tokio::io::{AsyncBufRead, AsyncWrite};

use super::{serve, NodeError, NodeOptions};

/// The known node names, in the order `--help` lists them.
pub const NODE_NAMES: &[&str] = &[KeyedPaxos::NODE_NAME, LeaseNode::NODE_NAME];

/// Runs the node called `name` over `input`/`output` until `input` ends.
pub async fn serve_named(
    name: &str,
    options: NodeOptions,
    input: impl AsyncBufRead + Unpin,
    output: impl AsyncWrite + Unpin,
) -> Result<(), NodeError> {
    match name {
        KeyedPaxos::NODE_NAME => serve::<KeyedPaxos>(options, input, output).await,
        LeaseNode::NODE_NAME => serve::<LeaseNode>(options, input, output).await,
        _ => Err(NodeError::UnknownNode {
            name: name.to_string(),
            known: NODE_NAMES.join(", "),
        }),
    }
}
