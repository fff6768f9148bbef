//! [`KvBody`]: the bodies of Maelstrom's `lin-kv` workload, and of the `txn` and `kafka`
//! workloads that the same servers take.
//!
//! What a body means for the client history ([`KvBody::observe`]) is the history's business:
//! `history/kv.rs`.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{ErrorCode, Mop, PolledMsgs};

/// A `lin-kv` request or reply body, exactly as Maelstrom shapes it (`doc/workloads.md`):
/// `{"type":"write","msg_id":1,"key":0,"value":3}` → `{"type":"write_ok","in_reply_to":1}`.
///
/// Replies carry `in_reply_to`, the `msg_id` of the request. A missing value reads as `null`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvBody {
    /// Read `key`.
    Read {
        /// Request id, unique per client.
        msg_id: u64,
        /// The key.
        key: u64,
    },
    /// The value read (`None`: the key holds nothing yet).
    ReadOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The value.
        value: Option<u64>,
    },
    /// Write `value` to `key`.
    Write {
        /// Request id, unique per client.
        msg_id: u64,
        /// The key.
        key: u64,
        /// The value.
        value: u64,
    },
    /// The write took effect.
    WriteOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
    },
    /// Set `key` to `to` if it holds `from`.
    Cas {
        /// Request id, unique per client.
        msg_id: u64,
        /// The key.
        key: u64,
        /// The expected value.
        from: u64,
        /// The new value.
        to: u64,
    },
    /// The compare-and-set took effect.
    CasOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
    },
    /// A transaction (`txn-list-append`, `txn-rw-register`): micro-ops applied atomically, in
    /// order.
    Txn {
        /// Request id, unique per client.
        msg_id: u64,
        /// The micro-ops, reads with `null` values.
        txn: Vec<Mop>,
    },
    /// The transaction committed; its micro-ops with the reads filled in.
    TxnOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The completed micro-ops.
        txn: Vec<Mop>,
    },
    /// `kafka`: append `msg` to `key`'s log.
    Send {
        /// Request id, unique per client.
        msg_id: u64,
        /// The log's key (a string, as Maelstrom's kafka workload sends it).
        key: String,
        /// The message.
        msg: u64,
    },
    /// The message is in the log, at `offset`.
    SendOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// Its position in the key's log.
        offset: u64,
    },
    /// `kafka`: the messages of each key from the given offset on.
    Poll {
        /// Request id, unique per client.
        msg_id: u64,
        /// Key → the first offset wanted.
        offsets: BTreeMap<String, u64>,
    },
    /// Key → `[[offset, msg], ...]` (keys with no messages left out).
    PollOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The messages.
        msgs: PolledMsgs,
    },
    /// `kafka`: the client has processed each key up to the given offset.
    CommitOffsets {
        /// Request id, unique per client.
        msg_id: u64,
        /// Key → offset.
        offsets: BTreeMap<String, u64>,
    },
    /// The offsets are committed.
    CommitOffsetsOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
    },
    /// `kafka`: the committed offsets of `keys`.
    ListCommittedOffsets {
        /// Request id, unique per client.
        msg_id: u64,
        /// The keys asked about.
        keys: Vec<String>,
    },
    /// Key → committed offset, for the keys that have one.
    ListCommittedOffsetsOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The offsets.
        offsets: BTreeMap<String, u64>,
    },
    /// The request failed; see [`ErrorCode`] for which failures are definite.
    Error {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// What went wrong.
        code: ErrorCode,
    },
}

impl KvBody {
    /// The `msg_id` of a request, or `None` for a reply.
    pub fn msg_id(&self) -> Option<u64> {
        match *self {
            KvBody::Read { msg_id, .. }
            | KvBody::Write { msg_id, .. }
            | KvBody::Cas { msg_id, .. }
            | KvBody::Txn { msg_id, .. }
            | KvBody::Send { msg_id, .. }
            | KvBody::Poll { msg_id, .. }
            | KvBody::CommitOffsets { msg_id, .. }
            | KvBody::ListCommittedOffsets { msg_id, .. } => Some(msg_id),
            _ => None,
        }
    }

    /// The `in_reply_to` of a reply, or `None` for a request.
    pub fn in_reply_to(&self) -> Option<u64> {
        match *self {
            KvBody::ReadOk { in_reply_to, .. }
            | KvBody::WriteOk { in_reply_to }
            | KvBody::CasOk { in_reply_to }
            | KvBody::TxnOk { in_reply_to, .. }
            | KvBody::SendOk { in_reply_to, .. }
            | KvBody::PollOk { in_reply_to, .. }
            | KvBody::CommitOffsetsOk { in_reply_to }
            | KvBody::ListCommittedOffsetsOk { in_reply_to, .. }
            | KvBody::Error { in_reply_to, .. } => Some(in_reply_to),
            _ => None,
        }
    }
}

/// A protocol message type that carries `lin-kv` bodies (usually as one variant).
pub trait KvMsg: From<KvBody> {
    /// The `lin-kv` body, if this message is one.
    fn as_kv(&self) -> Option<&KvBody>;
}

impl KvMsg for KvBody {
    fn as_kv(&self) -> Option<&KvBody> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_serialize_like_maelstrom_lin_kv() {
        let cases = [
            (
                KvBody::Write {
                    msg_id: 1,
                    key: 0,
                    value: 3,
                },
                r#"{"type":"write","msg_id":1,"key":0,"value":3}"#,
            ),
            (
                KvBody::WriteOk { in_reply_to: 1 },
                r#"{"type":"write_ok","in_reply_to":1}"#,
            ),
            (
                KvBody::ReadOk {
                    in_reply_to: 2,
                    value: None,
                },
                r#"{"type":"read_ok","in_reply_to":2,"value":null}"#,
            ),
            (
                KvBody::Cas {
                    msg_id: 4,
                    key: 0,
                    from: 1,
                    to: 2,
                },
                r#"{"type":"cas","msg_id":4,"key":0,"from":1,"to":2}"#,
            ),
            (
                KvBody::Error {
                    in_reply_to: 4,
                    code: ErrorCode::PreconditionFailed,
                },
                r#"{"type":"error","in_reply_to":4,"code":22}"#,
            ),
        ];
        for (body, json) in cases {
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
            assert_eq!(serde_json::from_str::<KvBody>(json).unwrap(), body);
        }
    }

    #[test]
    fn kafka_bodies_serialize_like_maelstrom_kafka() {
        let cases = [
            r#"{"type":"send","msg_id":1,"key":"0","msg":5}"#,
            r#"{"type":"send_ok","in_reply_to":1,"offset":3}"#,
            r#"{"type":"poll","msg_id":2,"offsets":{"0":1,"1":0}}"#,
            r#"{"type":"poll_ok","in_reply_to":2,"msgs":{"0":[[1,5],[2,7]]}}"#,
            r#"{"type":"commit_offsets","msg_id":3,"offsets":{"0":2}}"#,
            r#"{"type":"commit_offsets_ok","in_reply_to":3}"#,
            r#"{"type":"list_committed_offsets","msg_id":4,"keys":["0","1"]}"#,
            r#"{"type":"list_committed_offsets_ok","in_reply_to":4,"offsets":{"0":2}}"#,
        ];
        for json in cases {
            let body: KvBody = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
        }
    }
}
