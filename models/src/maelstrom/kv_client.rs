//! [`KvClient`]: a scripted `lin-kv` client for models.

use serde::{Deserialize, Serialize};

use super::{KvBody, KvMsg};
use crate::protocol::{Effects, NodeId, Protocol};

/// One scripted operation: what to ask, and which node to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KvOp {
    /// The node the request goes to.
    pub server: NodeId,
    /// The request (its `msg_id` is filled in by the client).
    pub call: KvCall,
}

/// The request part of a [`KvOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KvCall {
    /// `read`.
    Read,
    /// `write value`.
    Write(u64),
    /// `cas from to`.
    Cas(u64, u64),
}

/// A client that runs a fixed script of operations on one key, one at a time: it sends the next
/// request when the previous one is answered (ok or a definite error), and waits forever for a
/// reply that never comes (the operation then stays open: indefinite, like Jepsen's `info`).
/// After an indefinite error it stops, as a Jepsen process does after an `info`. Request ids are
/// 1, 2, 3, … in script order.
///
/// Specs embed it as the client role of their node type and route its handlers here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KvClient {
    /// The script.
    pub ops: Vec<KvOp>,
    /// The key every operation acts on.
    pub key: u64,
}

/// A [`KvClient`]'s progress through its script.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct KvClientState {
    /// How many operations have been sent.
    pub sent: u32,
    /// How many replies have been received.
    pub done: u32,
    /// Whether an indefinite error stopped the script.
    pub halted: bool,
}

impl KvClient {
    /// A client running `ops` on key 0.
    pub fn new(ops: Vec<KvOp>) -> KvClient {
        KvClient { ops, key: 0 }
    }

    /// Start: sends the first request.
    pub fn on_start<P>(&self, out: &mut Effects<P>) -> KvClientState
    where
        P: Protocol,
        P::Msg: KvMsg,
    {
        let mut state = KvClientState::default();
        self.send_next(&mut state, out);
        state
    }

    /// A message arrived: a reply to the request in flight moves the script on; anything else is
    /// ignored.
    pub fn on_msg<P>(&self, state: &mut KvClientState, msg: &P::Msg, out: &mut Effects<P>)
    where
        P: Protocol,
        P::Msg: KvMsg,
    {
        let Some(body) = msg.as_kv() else {
            return;
        };
        let Some(in_reply_to) = body.in_reply_to() else {
            return;
        };
        if state.halted || state.sent == state.done || in_reply_to != u64::from(state.sent) {
            return;
        }
        state.done += 1;
        match body {
            KvBody::Error { code, .. } if !code.is_definite() => state.halted = true,
            _ => self.send_next(state, out),
        }
    }

    fn send_next<P>(&self, state: &mut KvClientState, out: &mut Effects<P>)
    where
        P: Protocol,
        P::Msg: KvMsg,
    {
        let Some(op) = self.ops.get(state.sent as usize) else {
            return;
        };
        state.sent += 1;
        let msg_id = u64::from(state.sent);
        let key = self.key;
        let body = match op.call {
            KvCall::Read => KvBody::Read { msg_id, key },
            KvCall::Write(value) => KvBody::Write { msg_id, key, value },
            KvCall::Cas(from, to) => KvBody::Cas {
                msg_id,
                key,
                from,
                to,
            },
        };
        out.send(op.server, body.into());
    }
}
