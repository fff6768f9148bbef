//! Primary-backup replication with epochs and failover: a primary orders client operations and
//! replicates them to backups; when it falls silent a backup takes over in a new epoch.
//!
//! After Budhiraja, Marzullo, Schneider & Toueg, "The Primary-Backup Approach" (Distributed
//! Systems, 2nd ed., 1993), whose property Pb1 — at most one server is primary at any time — is
//! what a split brain breaks, and Oki & Liskov, "Viewstamped Replication" (PODC 1988) / Liskov &
//! Cowling, "Viewstamped Replication Revisited" (MIT-CSAIL-TR-2012-021), whose view change this
//! failover follows: the primary of epoch `e` is `n{e mod servers}`; a backup that suspects the
//! primary starts the next epoch it would lead, a majority joins it (and from then on refuses
//! the old epoch), and the new primary adopts the most recent log among them — the highest
//! epoch in which a log was installed, then the longest (VR Revisited §4.2, "the largest
//! op-number among those with the largest view-normal number").
//!
//! Replication is synchronous to a majority: every client operation (reads included, so a
//! deposed primary can never answer from a stale store) is one log entry, acknowledged to the
//! client only once a majority holds it. The MySQL/MongoDB shape of the same design — an
//! asynchronous acknowledgement, a primary that does not know it was replaced — is what the two
//! bug variants put back.
//!
//! Map of this module, in reading order:
//! - the vocabulary (here): [`Entry`], [`Op`], [`PbMsg`], [`Msg`], [`Timer`], [`Persisted`],
//!   the bug names;
//! - [`PbServer`], [`PbState`], [`Role`] (`server.rs`): the server, its state and the
//!   `Protocol` handlers; its children:
//!   - `server/failover.rs`: suspicion, `new_epoch` / `epoch_ok`, promotion, stepping down;
//!   - `server/replication.rs`: client requests, `replicate` / `ack` / `nack` / `sync`, commit
//!     and replies;
//! - [`PbNode`] (`node.rs`): servers and scripted `lin-kv` clients as one `Protocol`;
//! - [`PrimaryBackup`] (`model.rs`): the `primary-backup` spec: parameters, scripts, bugs;
//! - `properties.rs`: one primary per epoch, no acknowledged write lost, the `sometimes` checks;
//! - `deploy.rs`: `splitbrain node primary-backup`, with heartbeats and real timeouts;
//! - `lift.rs`: a deployed server's state as the spec's, for judging real runs.
//!
//! Bug variants: [`NO_EPOCH`] (epochs are not enforced: the old primary keeps accepting and
//! committing writes after a failover, backups take replication from either: split brain) and
//! [`ASYNC_ACK`] (the primary acknowledges before replicating: a failover loses acknowledged
//! writes).

mod deploy;
mod lift;
mod model;
mod node;
mod properties;
mod server;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use model::PrimaryBackup;
pub use node::{PbNode, PbNodeState};
pub use server::{PbServer, PbState, Role};

use crate::maelstrom::{KvBody, KvMsg};
use crate::protocol::NodeId;

/// Bug variant: epochs are not enforced. A primary ignores news of later epochs and keeps
/// accepting writes; backups accept `replicate` and `sync` from any primary. After a failover
/// the old and the new primary both commit: split brain.
pub const NO_EPOCH: &str = "no-epoch";

/// Bug variant: the primary answers a client as soon as it has appended the operation, before
/// any backup holds it (asynchronous replication). A failover then loses acknowledged writes.
pub const ASYNC_ACK: &str = "async-ack";

/// An epoch (VR's view number). The primary of epoch `e` is `n{e mod servers}`; epoch 0 is
/// `n0`'s, from the start.
pub type Epoch = u64;

/// A client operation as the log holds it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case")]
pub enum Op {
    /// Read `key`.
    Read {
        /// The key.
        key: u64,
    },
    /// Write `value` to `key`.
    Write {
        /// The key.
        key: u64,
        /// The value.
        value: u64,
    },
    /// Set `key` to `to` if it holds `from`.
    Cas {
        /// The key.
        key: u64,
        /// The expected value.
        from: u64,
        /// The new value.
        to: u64,
    },
}

impl Op {
    /// Whether the operation can change the store (what "a write is lost" is about).
    pub fn is_update(&self) -> bool {
        !matches!(self, Op::Read { .. })
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Read { key } => write!(f, "read {key}"),
            Op::Write { key, value } => write!(f, "write {key}={value}"),
            Op::Cas { key, from, to } => write!(f, "cas {key}={from}→{to}"),
        }
    }
}

/// A log entry: a client's operation, the epoch whose primary appended it, and who to answer.
/// Rendered `epoch:client.msg_id op` (`1:c0.1 write 0=1`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The epoch of the primary that appended it.
    pub epoch: Epoch,
    /// The client that asked.
    pub client: NodeId,
    /// The client's request id.
    pub msg_id: u64,
    /// The operation.
    pub op: Op,
}

impl Entry {
    /// Whether this entry is the request `msg_id` of `client`.
    pub fn is(&self, client: NodeId, msg_id: u64) -> bool {
        self.client == client && self.msg_id == msg_id
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}.{} {:?}",
            self.epoch, self.client, self.msg_id, self.op
        )
    }
}

/// Messages between servers, as Maelstrom bodies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PbMsg {
    /// A backup that suspects the primary asks every server to join `epoch`, which it leads
    /// (VR's `StartViewChange`/`DoViewChange` folded into one round trip).
    NewEpoch {
        /// The epoch.
        epoch: Epoch,
    },
    /// A server joined `epoch` (it refuses older epochs from now on) and sends its log.
    EpochOk {
        /// The epoch joined.
        epoch: Epoch,
        /// The epoch in which the log was installed (VR's view-normal number).
        normal_epoch: Epoch,
        /// The log.
        log: Vec<Entry>,
    },
    /// The primary installs its whole log on a backup (after a promotion, or when the backup
    /// could not follow a `replicate`).
    Sync {
        /// The primary's epoch.
        epoch: Epoch,
        /// The primary's log.
        log: Vec<Entry>,
        /// How much of it is committed.
        commit: u64,
    },
    /// The primary's log grew: `entries` follow the first `index` entries. Empty `entries`
    /// is a heartbeat.
    Replicate {
        /// The primary's epoch.
        epoch: Epoch,
        /// How many entries precede `entries`.
        index: u64,
        /// The new entries.
        entries: Vec<Entry>,
        /// How much of the log is committed.
        commit: u64,
    },
    /// A backup holds the primary's log of `epoch` up to `len` entries.
    Ack {
        /// The epoch.
        epoch: Epoch,
        /// The length held.
        len: u64,
    },
    /// A backup could not apply a `replicate` of `epoch` (a gap, or no log of that epoch
    /// installed yet): the primary answers with `sync`.
    Nack {
        /// The epoch.
        epoch: Epoch,
        /// The backup's log length.
        len: u64,
    },
    /// The sender is in a later `epoch`: the receiver is no longer primary (or candidate).
    Stale {
        /// The sender's epoch.
        epoch: Epoch,
    },
    /// A client request that reached a backup, passed on to the primary of the backup's
    /// epoch, which answers `client` directly.
    Forward {
        /// The client that sent the request.
        client: NodeId,
        /// The request, unchanged.
        request: KvBody,
    },
}

/// Everything a server sends or receives: `lin-kv` client bodies or peer messages, both flat
/// Maelstrom bodies.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Msg {
    /// A client request or reply.
    Kv(KvBody),
    /// A message between servers.
    Pb(PbMsg),
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Kv(body) => body.fmt(f),
            Msg::Pb(msg) => msg.fmt(f),
        }
    }
}

impl From<KvBody> for Msg {
    fn from(body: KvBody) -> Msg {
        Msg::Kv(body)
    }
}

impl From<PbMsg> for Msg {
    fn from(msg: PbMsg) -> Msg {
        Msg::Pb(msg)
    }
}

impl KvMsg for Msg {
    fn as_kv(&self) -> Option<&KvBody> {
        match self {
            Msg::Kv(body) => Some(body),
            Msg::Pb(_) => None,
        }
    }
}

/// A server's named timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// A backup (or candidate) has not heard from a primary: it starts the next epoch it
    /// leads. Re-armed whenever the primary of its epoch is heard from.
    Failover,
    /// The primary's heartbeat: an empty `replicate` to every backup (real hosts only).
    Heartbeat,
}

/// What a server persists before it answers: the epoch it joined, and its log with the epoch
/// in which that log was installed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Persisted {
    /// The highest epoch joined.
    pub epoch: Epoch,
    /// The epoch in which `log` was installed (VR's view-normal number).
    pub normal_epoch: Epoch,
    /// The log.
    pub log: Vec<Entry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_messages_serialize_as_flat_maelstrom_bodies() {
        let replicate = Msg::Pb(PbMsg::Replicate {
            epoch: 1,
            index: 0,
            entries: vec![Entry {
                epoch: 1,
                client: NodeId::client(0),
                msg_id: 1,
                op: Op::Write { key: 0, value: 1 },
            }],
            commit: 0,
        });
        let json = serde_json::to_string(&replicate).unwrap();
        assert_eq!(
            json,
            r#"{"type":"replicate","epoch":1,"index":0,"entries":[{"epoch":1,"client":"c0","msg_id":1,"op":{"f":"write","key":0,"value":1}}],"commit":0}"#
        );
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), replicate);
        let write = Msg::Kv(KvBody::Write {
            msg_id: 2,
            key: 0,
            value: 3,
        });
        let json = serde_json::to_string(&write).unwrap();
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), write);
    }
}
