//! [`Disk`]: a node's state in the model, with what it wrote but has not synced.
//!
//! The disk model: a [`Persist`](crate::protocol::Effect::Persist) writes, a
//! [`Sync`](crate::protocol::Effect::Sync) makes the last write durable (stateright's storage,
//! which a recovering node gets back). The write in between lives here, beside the protocol's
//! state, so a crash loses it: a recovering node starts from a fresh [`Disk`] and the last
//! synced value. A protocol that syncs in the same handler call as it writes never leaves
//! anything here, and its state space is the one it had before the disk model.

use std::fmt;

use super::Rename;
use crate::protocol::NodeId;

/// A node's state and its unsynced write (see the [module docs](self)).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Disk<S, D> {
    /// The protocol's state.
    pub(crate) node: S,
    /// The last value written since the last sync, if any: lost by a crash.
    pub(crate) unsynced: Option<D>,
}

impl<S, D> Disk<S, D> {
    /// A state with nothing unsynced.
    pub(crate) fn synced(node: S) -> Disk<S, D> {
        Disk {
            node,
            unsynced: None,
        }
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

impl<S: Rename, D: Rename> Rename for Disk<S, D> {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        Disk {
            node: self.node.rename(rename),
            unsynced: self.unsynced.rename(rename),
        }
    }
}
