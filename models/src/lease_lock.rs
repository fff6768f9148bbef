//! A lease lock service with fencing tokens, after Kleppmann, "How to do distributed locking"
//! (2016).
//!
//! Three roles: a lock server `n0` grants leases, each with a fencing token one higher than the
//! last (persisted before it is handed out); a storage service `n1` accepts writes that carry a
//! token and rejects any token lower than one it has already accepted; clients `c0…` each
//! acquire the lock, write through the storage with their token, and release, `rounds` times.
//!
//! Time is untimed, as in any asynchronous model: the lock server's lease-expiry timer may fire
//! at any moment, in particular while a client is paused between learning its token and its
//! write reaching the storage (the write sitting in the network *is* the paused client). This is
//! the article's scenario: client 1's lease expires during a GC pause, client 2 acquires the lock
//! and writes, then client 1 wakes up and writes with its stale token.
//!
//! Map:
//! - [`LockMsg`], [`LeaseTimer`], [`LeaseDurable`] (here): the vocabulary;
//! - [`LockServer`] (`lock_server.rs`), [`Storage`] (`storage.rs`), [`LockClient`]
//!   (`client.rs`): the roles;
//! - [`LeaseNode`] (`node.rs`): the roles as one [`Protocol`](crate::Protocol);
//! - [`LeaseLock`] (`model.rs`): the spec, its properties and the `no-fencing` bug;
//! - `lift.rs`: the deployed nodes' states as the spec's, for judging real runs;
//! - [`TimedLeaseLock`] (`timed.rs`): `lease-lock-timed`, the same lock in real time with
//!   drifting clocks and a delay bound, where the unfenced lock is safe within the drift bound
//!   and breaks beyond it.

mod client;
mod deploy;
mod lift;
mod lock_server;
mod model;
mod node;
mod storage;
pub mod timed;

use serde::{Deserialize, Serialize};

pub use client::{ClientPhase, LockClient, LockClientState};
pub use deploy::DEPLOYED_LEASE;
pub use lock_server::{Lease, LockServer, LockState};
pub use model::LeaseLock;
pub use node::{LeaseNode, LeaseState};
pub use storage::{Storage, StorageState, StoredWrite};
pub use timed::TimedLeaseLock;

use crate::maelstrom::ErrorCode;
use crate::protocol::NodeId;
use crate::system::Rename;

/// Every body in the lease lock system, Maelstrom-shaped (`{"type":"acquire","msg_id":1}` →
/// `{"type":"acquire_ok","in_reply_to":1,"token":3}`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LockMsg {
    /// Client → lock server: wait for the lock.
    Acquire {
        /// Request id.
        msg_id: u64,
    },
    /// The lease is granted with a fencing token.
    AcquireOk {
        /// The request's id.
        in_reply_to: u64,
        /// The fencing token: higher than every token granted before.
        token: u64,
    },
    /// Client → lock server: give the lease back.
    Release {
        /// Request id.
        msg_id: u64,
        /// The lease's token.
        token: u64,
    },
    /// The lease was released.
    ReleaseOk {
        /// The request's id.
        in_reply_to: u64,
    },
    /// Client → storage: write `value` under the lease `token`.
    Write {
        /// Request id.
        msg_id: u64,
        /// The key.
        key: u64,
        /// The value.
        value: u64,
        /// The writer's fencing token.
        token: u64,
    },
    /// The write took effect.
    WriteOk {
        /// The request's id.
        in_reply_to: u64,
    },
    /// A request failed: `precondition-failed` (22) for a stale token or a lease no longer held.
    Error {
        /// The request's id.
        in_reply_to: u64,
        /// Why.
        code: ErrorCode,
    },
}

impl Rename for LockMsg {
    fn rename(&self, _: &dyn Fn(NodeId) -> NodeId) -> Self {
        self.clone()
    }
}

/// Timers of the lease lock system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LeaseTimer {
    /// The lock server: the current lease expires.
    LeaseExpiry,
}

impl Rename for LeaseTimer {
    fn rename(&self, _: &dyn Fn(NodeId) -> NodeId) -> Self {
        *self
    }
}

/// What survives a crash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeaseDurable {
    /// The lock server: the last token granted (so tokens keep increasing across restarts).
    Lock {
        /// The last token granted.
        last_token: u64,
    },
    /// The storage: everything (it is the storage).
    Storage(StorageState),
}

impl Rename for LeaseDurable {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        match self {
            LeaseDurable::Lock { .. } => self.clone(),
            LeaseDurable::Storage(state) => LeaseDurable::Storage(state.rename(rename)),
        }
    }
}
