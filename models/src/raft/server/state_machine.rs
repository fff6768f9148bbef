//! The key-value state machine and its clients (§5.3, §8).
//!
//! - A `txn` request is one log entry, applied atomically to the transactional store when it
//!   commits and answered `txn_ok` with the reads filled in (strict serializable). With the
//!   `local-reads` bug a read-only `txn` is answered at once from the receiving server's store.
//! - A `kafka` request (`send`, `poll`, `commit_offsets`, `list_committed_offsets`) is one log
//!   entry, applied to the kafka store: a send's offset is the message's position in its key's
//!   log, given when the entry is applied, so every server gives the same one. With the
//!   `per-node-offsets` bug a send is answered at once, with the next offset of the receiving
//!   server's own counter, and then goes through the log as usual (the client keeps the first
//!   answer; the log's later `send_ok`, or a refusal, is a duplicate it ignores).
//! - A `lin-kv` request (`read`, `write`, `cas`) reaching a leader becomes a log entry of the
//!   leader's term, carrying the client and its `msg_id`. Reads go through the log too, so a
//!   deposed leader can never answer one from a stale store (§8 offers no-op entries plus
//!   heartbeats as the cheaper alternative). A request the leader's log already holds (same
//!   client and `msg_id`, a duplicate delivery) is not appended twice.
//! - A request reaching a follower that has heard from the leader of its term is forwarded
//!   there once (`forward`); the leader answers the client directly (Maelstrom clients match
//!   replies by `in_reply_to`, whoever sends them). A request reaching a server that knows no
//!   leader (or a forwarded one reaching a deposed leader) is answered `temporarily-unavailable`
//!   (error 11, definite: the operation did not happen), the Maelstrom way to say "ask another
//!   node"; the client then moves on.
//! - Every server applies committed entries in log order to its store; a server that is leader
//!   when it applies an entry answers the entry's client (§8: "once the entry is committed, the
//!   leader responds"): `read_ok`, `write_ok`, `cas_ok`, or for a `cas` `precondition-failed`
//!   (22) / `key-does-not-exist` (20). That includes entries of earlier terms a new leader
//!   commits, as implementations that track proposals by index do; a client may then hear twice
//!   about one request (two servers apply it while leader), and takes the first answer.

use std::collections::BTreeMap;

use super::{RaftServer, ServerState, Step};
use crate::maelstrom::{ErrorCode, KafkaStore, KvBody, Mop, TxnStore};
use crate::protocol::NodeId;
use crate::raft::{Entry, Op, RaftMsg};

impl RaftServer {
    /// A client request: a leader appends it and replicates; a follower that knows the leader
    /// forwards it there (once: a forwarded request is not forwarded again); otherwise it is
    /// refused.
    pub(super) fn on_client_request(
        &self,
        state: &mut ServerState,
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
            KvBody::Txn { msg_id, txn } => {
                if self.local_reads && txn.iter().all(Mop::is_read) {
                    let reply = KvBody::TxnOk {
                        in_reply_to: msg_id,
                        txn: state.txn.read_only(&txn),
                    };
                    step.send(client, reply);
                    return;
                }
                (msg_id, Op::Txn { txn })
            }
            KvBody::Send { msg_id, key, msg } => {
                if self.per_node_offsets && may_forward {
                    let offset = own_offset(state, &key);
                    step.send(
                        client,
                        KvBody::SendOk {
                            in_reply_to: msg_id,
                            offset,
                        },
                    );
                }
                (msg_id, Op::Send { key, msg })
            }
            KvBody::Poll { msg_id, offsets } => (msg_id, Op::Poll { offsets }),
            KvBody::CommitOffsets { msg_id, offsets } => (msg_id, Op::CommitOffsets { offsets }),
            KvBody::ListCommittedOffsets { msg_id, keys } => {
                (msg_id, Op::ListCommittedOffsets { keys })
            }
            // Replies are for clients; a server ignores them.
            _ => return,
        };
        if !state.is_leader() {
            if let Some(leader) = state.leader.filter(|_| may_forward) {
                step.send(leader, RaftMsg::Forward { client, request });
                return;
            }
            let refusal = KvBody::Error {
                in_reply_to: msg_id,
                code: ErrorCode::TemporarilyUnavailable,
            };
            step.send(client, refusal);
            return;
        }
        if state
            .log
            .iter()
            .any(|e| e.client == client && e.msg_id == msg_id)
        {
            return;
        }
        state.log.push(Entry {
            term: state.current_term,
            client,
            msg_id,
            op,
        });
        step.persist();
        self.advance_commit_index(state, step);
        self.replicate(state, step);
    }

    /// Figure 2, all servers: "If commitIndex > lastApplied: increment lastApplied, apply
    /// log[lastApplied] to state machine"; a leader answers the entry's client.
    pub(super) fn apply_committed(&self, state: &mut ServerState, step: &mut Step) {
        let commit = state.commit_index.min(state.last_log_index());
        while state.last_applied < commit {
            state.last_applied += 1;
            let entry = &state.log[state.last_applied as usize - 1];
            let stores = Stores {
                kv: &mut state.kv,
                txn: &mut state.txn,
                kafka: &mut state.kafka,
            };
            let reply = apply(stores, entry);
            if state.is_leader() {
                step.send(entry.client, reply);
            }
        }
    }
}

/// Bug `per-node-offsets`: the next offset this server gives `key` on its own: past its
/// applied log and past every offset it gave before.
fn own_offset(state: &mut ServerState, key: &str) -> u64 {
    let applied = state.kafka.next_offset(key);
    let next = state.local_offsets.entry(key.to_string()).or_insert(0);
    let offset = (*next).max(applied);
    *next = offset + 1;
    offset
}

/// The state machine's stores, one a workload family.
struct Stores<'a> {
    kv: &'a mut BTreeMap<u64, u64>,
    txn: &'a mut TxnStore,
    kafka: &'a mut KafkaStore,
}

/// Applies `entry` to the stores and returns the reply its client is owed.
fn apply(stores: Stores, entry: &Entry) -> KvBody {
    let Stores {
        kv,
        txn: txns,
        kafka,
    } = stores;
    let in_reply_to = entry.msg_id;
    match entry.op {
        Op::Txn { ref txn } => KvBody::TxnOk {
            in_reply_to,
            txn: txns.apply(txn),
        },
        Op::Send { ref key, msg } => KvBody::SendOk {
            in_reply_to,
            offset: kafka.send(key, msg),
        },
        Op::Poll { ref offsets } => KvBody::PollOk {
            in_reply_to,
            msgs: kafka.poll(offsets),
        },
        Op::CommitOffsets { ref offsets } => {
            kafka.commit(offsets);
            KvBody::CommitOffsetsOk { in_reply_to }
        }
        Op::ListCommittedOffsets { ref keys } => KvBody::ListCommittedOffsetsOk {
            in_reply_to,
            offsets: kafka.committed(keys),
        },
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
