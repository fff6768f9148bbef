//! [`Disk`]: a node's state in the model, with what it wrote but has not synced.
//!
//! The disk model: a [`Persist`](crate::protocol::Effect::Persist) writes, a
//! [`Sync`](crate::protocol::Effect::Sync) makes the last write durable (stateright's storage,
//! which a recovering node gets back). The write in between lives here, beside the protocol's
//! state, so a crash loses it: a recovering node starts from a fresh [`Disk`] and the last
//! synced value. A protocol that syncs in the same handler call as it writes never leaves
//! anything here, and its state space is the one it had before the disk model.
//!
//! A [`Disk`] also carries a digest of its contents, computed once when it is made: the checker
//! fingerprints every generated state by hashing every actor's state, and a transition changes
//! one actor at most, so the others' digests stand in for re-hashing them (the `Hash` of a
//! [`Disk`] is its digest; equality still compares the contents).

use std::fmt;
use std::hash::{Hash, Hasher};

use super::Rename;
use crate::protocol::NodeId;

/// A node's state and its unsynced write (see the [module docs](self)).
#[derive(Clone)]
pub(crate) struct Disk<S, D> {
    /// The protocol's state.
    pub(crate) node: S,
    /// The last value written since the last sync, if any: lost by a crash.
    pub(crate) unsynced: Option<D>,
    /// A hash of `node` and `unsynced`.
    digest: u64,
}

impl<S: Hash, D: Hash> Disk<S, D> {
    /// `node` with `unsynced` written but not synced.
    pub(crate) fn new(node: S, unsynced: Option<D>) -> Disk<S, D> {
        Disk {
            digest: super::sealed::digest(&(&node, &unsynced)),
            node,
            unsynced,
        }
    }

    /// A state with nothing unsynced.
    pub(crate) fn synced(node: S) -> Disk<S, D> {
        Disk::new(node, None)
    }
}

impl<S: PartialEq, D: PartialEq> PartialEq for Disk<S, D> {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest && self.node == other.node && self.unsynced == other.unsynced
    }
}

impl<S: Eq, D: Eq> Eq for Disk<S, D> {}

impl<S, D> Hash for Disk<S, D> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.digest);
    }
}

impl<S: fmt::Debug, D: fmt::Debug> fmt::Debug for Disk<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)?;
        if let Some(unsynced) = &self.unsynced {
            write!(f, " [unsynced: {unsynced:?}]")?;
        }
        Ok(())
    }
}

impl<S: Rename + Hash, D: Rename + Hash> Rename for Disk<S, D> {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        Disk::new(self.node.rename(rename), self.unsynced.rename(rename))
    }
}
