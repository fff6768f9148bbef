//! [`KvBody::observe`]: what a Maelstrom `lin-kv` body means for the client history.
//!
//! Here rather than next to [`KvBody`]: the history records Maelstrom's bodies (and their
//! [`ErrorCode`](crate::maelstrom::ErrorCode)s), so it depends on `maelstrom`, never the other
//! way round.

use super::{Completion, Function, Observed, OpValue};
use crate::maelstrom::KvBody;

impl KvBody {
    /// What this body means for a client history: the invocation a request starts, or the
    /// completion a reply brings.
    pub fn observe(&self) -> Observed {
        match *self {
            KvBody::Read { msg_id, .. } => Observed::invoke(msg_id, Function::Read, OpValue::Null),
            KvBody::Write { msg_id, value, .. } => {
                Observed::invoke(msg_id, Function::Write, OpValue::Int(value))
            }
            KvBody::Cas {
                msg_id, from, to, ..
            } => Observed::invoke(msg_id, Function::Cas, OpValue::Pair(from, to)),
            KvBody::ReadOk { in_reply_to, value } => Observed::Complete {
                in_reply_to,
                completion: Completion::Ok(Some(value.map_or(OpValue::Null, OpValue::Int))),
            },
            KvBody::WriteOk { in_reply_to } | KvBody::CasOk { in_reply_to } => Observed::Complete {
                in_reply_to,
                completion: Completion::Ok(None),
            },
            KvBody::Error { in_reply_to, code } => Observed::Complete {
                in_reply_to,
                completion: Completion::Error(code),
            },
            // Transactions are checked by the runner's transactional checker, not by the
            // models' register histories.
            KvBody::Txn { .. } | KvBody::TxnOk { .. } => Observed::Nothing,
            // So are the kafka workload's logs: by the runner's kafka checker.
            KvBody::Send { .. }
            | KvBody::SendOk { .. }
            | KvBody::Poll { .. }
            | KvBody::PollOk { .. }
            | KvBody::CommitOffsets { .. }
            | KvBody::CommitOffsetsOk { .. }
            | KvBody::ListCommittedOffsets { .. }
            | KvBody::ListCommittedOffsetsOk { .. } => Observed::Nothing,
        }
    }
}
