//! The node names validation knows, each mapped to its protocol type (as `node::registry`
//! maps them for `splitbrain node`).

use std::path::PathBuf;

use splitbrain_models::crdt::{CrdtNode, GCounter, LwwKvNode, OrSet, PnCounter};
use splitbrain_models::hash_ring::RingServer;
use splitbrain_models::lease_lock::LeaseNode;
use splitbrain_models::paxos::KeyedPaxos;
use splitbrain_models::primary_backup::PbServer;
use splitbrain_models::raft::RaftServer;
use splitbrain_models::two_phase_commit::TpcNode;

use super::join::{self, NodeJournal, Settings};
use super::messages::Messages;
use super::{ValidateError, Validation};

/// The reference nodes validation knows: those with a model spec to judge their runs (`hat`
/// has none: its runs are judged by their history alone).
pub const VALIDATABLE: &[&str] = &[
    "raft",
    "paxos",
    "primary-backup",
    "two-phase-commit",
    "hash-ring",
    "lock",
    "g-counter",
    "pn-counter",
    "g-set",
    "or-set",
    "lww-register",
];

/// Validates a run of the reference node called `name` (as its journals name it).
pub(crate) fn validate_named(
    name: &str,
    messages: &Messages<'_>,
    journals: Vec<NodeJournal<'_>>,
    settings: Settings,
) -> Result<Validation, ValidateError> {
    match name {
        "raft" => join::validate::<RaftServer>(messages, journals, settings),
        "paxos" => join::validate::<KeyedPaxos>(messages, journals, settings),
        "primary-backup" => join::validate::<PbServer>(messages, journals, settings),
        "two-phase-commit" => join::validate::<TpcNode>(messages, journals, settings),
        "hash-ring" => join::validate::<RingServer>(messages, journals, settings),
        "lock" => join::validate::<LeaseNode>(messages, journals, settings),
        "g-counter" => join::validate::<CrdtNode<GCounter>>(messages, journals, settings),
        "pn-counter" => join::validate::<CrdtNode<PnCounter>>(messages, journals, settings),
        "g-set" | "or-set" => join::validate::<CrdtNode<OrSet>>(messages, journals, settings),
        "lww-register" => join::validate::<LwwKvNode>(messages, journals, settings),
        other => Err(ValidateError::NotValidatable {
            dir: PathBuf::new(),
            what: format!(
                "its journals are of a `{other}` node, which validation does not know; it knows \
                 {}",
                VALIDATABLE.join(", ")
            ),
        }),
    }
}
