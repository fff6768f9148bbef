//! Replication: client operations become log entries of the primary's epoch, held by a
//! majority before the client hears back (Budhiraja et al. 1993, §2: the primary "waits for
//! acknowledgements from the backups" before responding; here from a majority, so a failover
//! needs no perfect failure detector).
//!
//! - A request reaching the primary is appended, with its reply computed against the store the
//!   log leads to (reads too go through the log, so a deposed primary never answers a read),
//!   persisted, and sent to every backup (`replicate`). With `async-ack` the reply leaves at
//!   once instead of when the entry commits.
//! - A request reaching a backup is forwarded once to the primary of the backup's epoch; a
//!   server that cannot place it answers `temporarily-unavailable` (error 11, definite).
//! - A backup applies a `replicate` of its epoch that follows its log (it must have a log
//!   installed in that epoch), answers `ack` with its length, or `nack` when it cannot follow;
//!   the primary answers a `nack` with its whole log (`sync`). Anything from an earlier epoch is
//!   answered `stale`. With `no-epoch` a backup takes `replicate` and `sync` from any primary.
//! - The primary commits the longest prefix a majority holds and answers the clients whose
//!   entries it covers.

use std::collections::BTreeMap;

use super::{PbServer, PbState, Role, Step, FAILOVER_TIMEOUT, HEARTBEAT};
use crate::maelstrom::{ErrorCode, KvBody};
use crate::primary_backup::{Entry, Epoch, Op, PbMsg, Timer};
use crate::protocol::NodeId;

impl PbServer {
    /// A client request (or one a backup forwarded, `may_forward` false).
    pub(super) fn on_client_request(
        &self,
        state: &mut PbState,
        client: NodeId,
        body: KvBody,
        may_forward: bool,
        step: &mut Step,
    ) {
        let request = body.clone();
        let (msg_id, op) = match body {
            KvBody::Read { msg_id, key } => (msg_id, Op::Read { key }),
            KvBody::Write { msg_id, key, value } => (msg_id, Op::Write { key, value }),
            KvBody::Cas {
                msg_id,
                key,
                from,
                to,
            } => (msg_id, Op::Cas { key, from, to }),
            KvBody::Txn { msg_id, .. } => {
                let refusal = KvBody::Error {
                    in_reply_to: msg_id,
                    code: ErrorCode::Other(10),
                };
                step.send(client, refusal);
                return;
            }
            // Replies are for clients; a server ignores them.
            _ => return,
        };
        if !state.is_primary() {
            let primary = self.primary_of(state.epoch);
            if may_forward && primary != step.me && matches!(state.role, Role::Backup) {
                step.send(primary, PbMsg::Forward { client, request });
            } else {
                let refusal = KvBody::Error {
                    in_reply_to: msg_id,
                    code: ErrorCode::TemporarilyUnavailable,
                };
                step.send(client, refusal);
            }
            return;
        }
        if state.log.iter().any(|e| e.is(client, msg_id)) {
            // A duplicate delivery: the first copy is answered.
            return;
        }
        let reply = apply(&mut store(&state.log), msg_id, &op);
        let entry = Entry {
            epoch: state.epoch,
            client,
            msg_id,
            op,
        };
        let index = state.len();
        state.log.push(entry.clone());
        step.persist();
        if self.async_ack {
            self.answer(state, entry.client, reply, step);
        } else if let Role::Primary { pending, .. } = &mut state.role {
            pending.insert(index + 1, (client, reply));
        }
        let replicate = PbMsg::Replicate {
            epoch: state.epoch,
            index,
            entries: vec![entry],
            commit: state.commit,
        };
        for peer in self.peers(step.me) {
            step.send(peer, replicate.clone());
        }
        self.advance_commit(state, step);
    }

    /// `replicate`: follow the primary's log, or say why not.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_replicate(
        &self,
        state: &mut PbState,
        primary: NodeId,
        epoch: Epoch,
        index: u64,
        entries: Vec<Entry>,
        commit: u64,
        step: &mut Step,
    ) {
        if self.no_epoch {
            // Neither a primary nor a candidate collecting its epoch listens to other
            // primaries; a backup follows whichever primary speaks.
            if !matches!(state.role, Role::Backup) {
                return;
            }
            self.observe_epoch(state, epoch, step);
        } else {
            if epoch < state.epoch {
                step.send(primary, PbMsg::Stale { epoch: state.epoch });
                return;
            }
            self.observe_epoch(state, epoch, step);
            if state.normal_epoch != epoch {
                step.send(
                    primary,
                    PbMsg::Nack {
                        epoch,
                        len: state.len(),
                    },
                );
                return;
            }
        }
        step.out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
        if state.len() < index {
            step.send(
                primary,
                PbMsg::Nack {
                    epoch,
                    len: state.len(),
                },
            );
            return;
        }
        let end = index + entries.len() as u64;
        if state.len() < end {
            // In its normal epoch a backup's log is a prefix of the primary's: it only grows.
            state.log.truncate(index as usize);
            state.log.extend(entries);
            step.persist();
        }
        state.commit = state.commit.max(commit.min(end));
        step.send(primary, PbMsg::Ack { epoch, len: end });
    }

    /// `sync`: install the primary's log in its epoch.
    pub(super) fn on_sync(
        &self,
        state: &mut PbState,
        primary: NodeId,
        epoch: Epoch,
        log: Vec<Entry>,
        commit: u64,
        step: &mut Step,
    ) {
        if self.no_epoch {
            // Neither a primary nor a candidate collecting its epoch listens to other
            // primaries; a backup follows whichever primary speaks.
            if !matches!(state.role, Role::Backup) {
                return;
            }
            self.observe_epoch(state, epoch, step);
        } else {
            if epoch < state.epoch {
                step.send(primary, PbMsg::Stale { epoch: state.epoch });
                return;
            }
            self.observe_epoch(state, epoch, step);
        }
        step.out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
        let len = log.len() as u64;
        // An older `sync` of the same epoch, overtaken by `replicate`s: the log already
        // extends it.
        if state.normal_epoch != epoch || state.len() < len {
            state.log = log;
            state.normal_epoch = epoch;
            step.persist();
            state.commit = commit.min(len);
        }
        step.send(primary, PbMsg::Ack { epoch, len });
    }

    /// `ack`: the backup holds this epoch's log up to `len`.
    pub(super) fn on_ack(
        &self,
        state: &mut PbState,
        backup: NodeId,
        epoch: Epoch,
        len: u64,
        step: &mut Step,
    ) {
        self.observe_epoch(state, epoch, step);
        if epoch != state.epoch {
            return;
        }
        let Role::Primary { matched, .. } = &mut state.role else {
            return;
        };
        let held = matched.entry(backup).or_default();
        *held = (*held).max(len);
        self.advance_commit(state, step);
    }

    /// `nack`: the backup cannot follow; send it the whole log.
    pub(super) fn on_nack(
        &self,
        state: &mut PbState,
        backup: NodeId,
        epoch: Epoch,
        step: &mut Step,
    ) {
        self.observe_epoch(state, epoch, step);
        if epoch == state.epoch && state.is_primary() {
            let sync = PbMsg::Sync {
                epoch,
                log: state.log.clone(),
                commit: state.commit,
            };
            step.send(backup, sync);
        }
    }

    /// The primary's heartbeat: an empty `replicate` at the end of its log, which a backup that
    /// missed entries answers with `nack`.
    pub(super) fn on_heartbeat(&self, state: &mut PbState, step: &mut Step) {
        if !state.is_primary() {
            return;
        }
        step.out.set_timer(Timer::Heartbeat, HEARTBEAT);
        let beat = PbMsg::Replicate {
            epoch: state.epoch,
            index: state.len(),
            entries: Vec::new(),
            commit: state.commit,
        };
        for peer in self.peers(step.me) {
            step.send(peer, beat.clone());
        }
    }

    /// The primary commits the longest prefix of its log a majority holds, and answers the
    /// clients of the entries that commit.
    pub(super) fn advance_commit(&self, state: &mut PbState, step: &mut Step) {
        let Role::Primary { matched, pending } = &mut state.role else {
            return;
        };
        let mut held: Vec<u64> = matched.values().copied().collect();
        held.push(state.log.len() as u64);
        held.sort_unstable_by(|a, b| b.cmp(a));
        let majority = self.servers / 2 + 1;
        let Some(&committed) = held.get(majority - 1) else {
            return;
        };
        if committed <= state.commit {
            return;
        }
        state.commit = committed;
        let later = pending.split_off(&(committed + 1));
        let due = std::mem::replace(pending, later);
        for (client, reply) in due.into_values() {
            self.answer(state, client, reply, step);
        }
    }

    /// Sends `reply` to `client`, noting an acknowledged update in the ghost record.
    fn answer(&self, state: &mut PbState, client: NodeId, reply: KvBody, step: &mut Step) {
        if matches!(reply, KvBody::WriteOk { .. } | KvBody::CasOk { .. }) {
            if let Some(msg_id) = reply.in_reply_to() {
                state.acknowledged.insert((state.epoch, client, msg_id));
            }
        }
        step.send(client, reply);
    }
}

/// The store a log leads to.
pub(crate) fn store(log: &[Entry]) -> BTreeMap<u64, u64> {
    let mut kv = BTreeMap::new();
    for entry in log {
        apply(&mut kv, entry.msg_id, &entry.op);
    }
    kv
}

/// Applies `op` to the store and returns the reply its client is owed.
fn apply(kv: &mut BTreeMap<u64, u64>, in_reply_to: u64, op: &Op) -> KvBody {
    match *op {
        Op::Read { key } => KvBody::ReadOk {
            in_reply_to,
            value: kv.get(&key).copied(),
        },
        Op::Write { key, value } => {
            kv.insert(key, value);
            KvBody::WriteOk { in_reply_to }
        }
        Op::Cas { key, from, to } => match kv.get(&key) {
            Some(&current) if current == from => {
                kv.insert(key, to);
                KvBody::CasOk { in_reply_to }
            }
            Some(_) => KvBody::Error {
                in_reply_to,
                code: ErrorCode::PreconditionFailed,
            },
            None => KvBody::Error {
                in_reply_to,
                code: ErrorCode::KeyDoesNotExist,
            },
        },
    }
}
