//! Client requests (`read`, `write`, `cas`), directly from a client or forwarded by a server.
//!
//! Routing by the adopted ring:
//! - another server owns the key: forward it there, with this server's epoch and history;
//!   but a request forwarded by a server in a later epoch is parked instead (this server is
//!   behind; it routes the request again when it catches up), so no request bounces between a
//!   server and one an epoch behind it;
//! - this server owns the key and its previous owner's handoff has not arrived: park it (with
//!   `serve-before-handoff`: serve it anyway);
//! - otherwise serve it and answer the client directly.

use super::RingServer;
use crate::hash_ring::{key_point, Epoch, RingMsg, RingState};
use crate::maelstrom::{ErrorCode, KvBody};
use crate::protocol::{Effects, NodeId};

impl RingServer {
    /// A request from `client` (forwarded by a server in epoch `forwarded`, if any).
    pub(super) fn on_request(
        &self,
        me: NodeId,
        state: &mut RingState,
        client: NodeId,
        request: KvBody,
        forwarded: Option<Epoch>,
        out: &mut Effects<Self>,
    ) {
        let key = match request {
            KvBody::Read { key, .. } | KvBody::Write { key, .. } | KvBody::Cas { key, .. } => key,
            KvBody::Txn { msg_id, .. } => {
                let code = ErrorCode::Other(10); // not-supported: definite
                let reply = KvBody::Error {
                    in_reply_to: msg_id,
                    code,
                };
                out.send(client, reply.into());
                return;
            }
            _ => return, // a reply: not for a server
        };
        let point = key_point(key, 0);
        let owner = self
            .ring(state.rings[state.epoch as usize])
            .owner(point)
            .expect("a ring is never empty");
        if owner != me {
            if forwarded.is_some_and(|e| e > state.epoch) {
                state.parked.push((client, request, forwarded));
                return;
            }
            let msg = RingMsg::Forward {
                client,
                request,
                epoch: state.epoch,
                rings: state.rings.clone(),
            };
            out.send(owner, msg.into());
        } else if !self.serve_before_handoff && self.handoff_pending(me, state, point) {
            state.parked.push((client, request, forwarded));
        } else {
            self.serve(me, state, client, request, point, out);
        }
    }

    /// Routes every parked request again.
    pub(super) fn retry_parked(&self, me: NodeId, state: &mut RingState, out: &mut Effects<Self>) {
        for (client, request, forwarded) in std::mem::take(&mut state.parked) {
            self.on_request(me, state, client, request, forwarded, out);
        }
    }

    /// Applies `request` to the store and answers `client`.
    fn serve(
        &self,
        me: NodeId,
        state: &mut RingState,
        client: NodeId,
        request: KvBody,
        point: u64,
        out: &mut Effects<Self>,
    ) {
        if matches!(request, KvBody::Read { .. })
            && state.epoch > 0
            && self.owner_in(state, state.epoch - 1, point) != Some(me)
        {
            state.served_moved_read = true;
        }
        let reply = apply(&mut state.store, &request);
        out.send(client, reply.into());
    }
}

/// Applies a `read`, `write` or `cas` to `store`; the reply its client is owed.
fn apply(store: &mut std::collections::BTreeMap<u64, u64>, request: &KvBody) -> KvBody {
    match *request {
        KvBody::Read { msg_id, key } => KvBody::ReadOk {
            in_reply_to: msg_id,
            value: store.get(&key).copied(),
        },
        KvBody::Write { msg_id, key, value } => {
            store.insert(key, value);
            KvBody::WriteOk {
                in_reply_to: msg_id,
            }
        }
        KvBody::Cas {
            msg_id,
            key,
            from,
            to,
        } => match store.get(&key) {
            Some(&current) if current == from => {
                store.insert(key, to);
                KvBody::CasOk {
                    in_reply_to: msg_id,
                }
            }
            Some(_) => KvBody::Error {
                in_reply_to: msg_id,
                code: ErrorCode::PreconditionFailed,
            },
            None => KvBody::Error {
                in_reply_to: msg_id,
                code: ErrorCode::KeyDoesNotExist,
            },
        },
        _ => unreachable!("only requests are applied"),
    }
}
