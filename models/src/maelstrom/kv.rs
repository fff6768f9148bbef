//! [`KvBody`]: the bodies of Maelstrom's `lin-kv` workload.
//!
//! What a body means for the client history ([`KvBody::observe`]) is the history's business:
//! `history/kv.rs`.

use serde::{Deserialize, Serialize};

use super::{ErrorCode, Mop};

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
            | KvBody::Txn { msg_id, .. } => Some(msg_id),
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
}
