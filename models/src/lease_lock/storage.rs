//! [`Storage`]: a storage service that checks fencing tokens.

use serde::{Deserialize, Serialize};

use super::{LeaseDurable, LeaseNode, LockMsg};
use crate::maelstrom::ErrorCode;
use crate::protocol::{Effects, NodeId};
use crate::system::Rename;

/// The storage role (`n1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Storage {
    /// Check fencing tokens (`false` is the `no-fencing` bug: accept every write).
    pub fencing: bool,
}

/// A write that took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StoredWrite {
    /// Who wrote (the storage sees the sender of each request).
    pub writer: NodeId,
    /// The token the write carried.
    pub token: u64,
    /// The value.
    pub value: u64,
}

/// The storage's contents: every write that took effect, in order, and its fencing state.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StorageState {
    /// The highest token accepted.
    pub fence: u64,
    /// The writes that took effect, in order.
    pub writes: Vec<StoredWrite>,
    /// How many writes were rejected for a stale token.
    pub rejected: u32,
}

impl Rename for StorageState {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        StorageState {
            writes: self
                .writes
                .iter()
                .map(|w| StoredWrite {
                    writer: w.writer.rename(rename),
                    ..*w
                })
                .collect(),
            ..self.clone()
        }
    }
}

impl Storage {
    /// Start: the storage is durable, so it recovers everything.
    pub fn on_start(&self, recovered: Option<&LeaseDurable>) -> StorageState {
        match recovered {
            Some(LeaseDurable::Storage(state)) => state.clone(),
            _ => StorageState::default(),
        }
    }

    /// A `write` with a token lower than the highest accepted is rejected (unless fencing is
    /// off); any other takes effect.
    pub fn on_msg(
        &self,
        state: &mut StorageState,
        from: NodeId,
        msg: LockMsg,
        out: &mut Effects<LeaseNode>,
    ) {
        let LockMsg::Write {
            msg_id,
            value,
            token,
            ..
        } = msg
        else {
            return;
        };
        let reply = if self.fencing && token < state.fence {
            state.rejected += 1;
            LockMsg::Error {
                in_reply_to: msg_id,
                code: ErrorCode::PreconditionFailed,
            }
        } else {
            state.fence = state.fence.max(token);
            state.writes.push(StoredWrite {
                writer: from,
                token,
                value,
            });
            LockMsg::WriteOk {
                in_reply_to: msg_id,
            }
        };
        out.persist(LeaseDurable::Storage(state.clone()));
        out.send(from, reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Effect;

    fn write(storage: &Storage, state: &mut StorageState, client: usize, token: u64) -> LockMsg {
        let mut out = Effects::new();
        let msg = LockMsg::Write {
            msg_id: 9,
            key: 0,
            value: token,
            token,
        };
        storage.on_msg(state, NodeId::client(client), msg, &mut out);
        match out.into_iter().last() {
            Some(Effect::Send { msg, .. }) => msg,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn storage_rejects_a_token_lower_than_one_it_accepted() {
        let (storage, mut state) = (Storage { fencing: true }, StorageState::default());
        assert_eq!(
            write(&storage, &mut state, 1, 34),
            LockMsg::WriteOk { in_reply_to: 9 }
        );
        let stale = write(&storage, &mut state, 0, 33);
        assert_eq!(
            stale,
            LockMsg::Error {
                in_reply_to: 9,
                code: ErrorCode::PreconditionFailed
            }
        );
        assert_eq!((state.writes.len(), state.rejected), (1, 1));
        let unfenced = Storage { fencing: false };
        assert_eq!(
            write(&unfenced, &mut state, 0, 33),
            LockMsg::WriteOk { in_reply_to: 9 }
        );
    }
}
