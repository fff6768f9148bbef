//! The node names `splitbrain node NAME` knows, each mapped to its [`Deployable`] protocol.

use splitbrain_models::crdt::ServedCrdt;
use splitbrain_models::crdt::{CrdtNode, GCounter, LwwKvNode, OrSet, PnCounter};
use splitbrain_models::hash_ring::RingServer;
use splitbrain_models::hat::HatNode;
use splitbrain_models::lease_lock::LeaseNode;
use splitbrain_models::paxos::KeyedPaxos;
use splitbrain_models::primary_backup::PbServer;
use splitbrain_models::raft::RaftServer;
use splitbrain_models::two_phase_commit::TpcNode;
use splitbrain_models::Deployable;
use tokio::io::{AsyncBufRead, AsyncWrite};

use super::{serve, NodeError, NodeOptions};

/// The known node names, in the order `--help` lists them.
pub const NODE_NAMES: &[&str] = &[
    RaftServer::NODE_NAME,
    KeyedPaxos::NODE_NAME,
    PbServer::NODE_NAME,
    TpcNode::NODE_NAME,
    RingServer::NODE_NAME,
    LeaseNode::NODE_NAME,
    GCounter::NODE_NAME,
    PnCounter::NODE_NAME,
    OrSet::NODE_NAME,
    "or-set",
    LwwKvNode::NODE_NAME,
    HatNode::NODE_NAME,
];

/// Runs the node called `name` over `input`/`output` until `input` ends.
pub async fn serve_named(
    name: &str,
    options: NodeOptions,
    input: impl AsyncBufRead + Unpin,
    output: impl AsyncWrite + Unpin,
) -> Result<(), NodeError> {
    match name {
        RaftServer::NODE_NAME => serve::<RaftServer>(options, input, output).await,
        KeyedPaxos::NODE_NAME => serve::<KeyedPaxos>(options, input, output).await,
        PbServer::NODE_NAME => serve::<PbServer>(options, input, output).await,
        TpcNode::NODE_NAME => serve::<TpcNode>(options, input, output).await,
        RingServer::NODE_NAME => serve::<RingServer>(options, input, output).await,
        LeaseNode::NODE_NAME => serve::<LeaseNode>(options, input, output).await,
        GCounter::NODE_NAME => serve::<CrdtNode<GCounter>>(options, input, output).await,
        PnCounter::NODE_NAME => serve::<CrdtNode<PnCounter>>(options, input, output).await,
        // The OR-Set serves the g-set workload's adds; `or-set` names what it is.
        "g-set" | "or-set" => serve::<CrdtNode<OrSet>>(options, input, output).await,
        LwwKvNode::NODE_NAME => serve::<LwwKvNode>(options, input, output).await,
        HatNode::NODE_NAME => serve::<HatNode>(options, input, output).await,
        _ => Err(NodeError::UnknownNode {
            name: name.to_string(),
            known: NODE_NAMES.join(", "),
        }),
    }
}
