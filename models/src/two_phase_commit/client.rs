//! [`TpcClient`]: the model's client: its script of requests to the coordinator, one at a
//! time (the runner's bank workload plays the clients of a real run).

use serde::{Deserialize, Serialize};

use super::{coordinator_id, TpcMsg, TpcNode, Work};
use crate::protocol::Effects;

/// The client role: sends its script's requests in order, each once its predecessor is
/// answered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TpcClient {
    /// What it asks for, in order.
    pub script: Vec<Work>,
}

/// A client's progress: the answers so far (`true`: ok); request `i` has `msg_id` `i + 1`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TpcClientState {
    /// Whether each answered request committed.
    pub answers: Vec<bool>,
}

impl TpcClient {
    fn send(&self, index: usize, out: &mut Effects<TpcNode>) {
        let Some(work) = self.script.get(index) else {
            return;
        };
        let msg_id = index as u64 + 1;
        let request = match *work {
            Work::Transfer { from, to, amount } => TpcMsg::Transfer {
                msg_id,
                from,
                to,
                amount,
            },
            Work::Read => TpcMsg::Read { msg_id },
        };
        out.send(coordinator_id(), request);
    }

    /// Start: send the first request.
    pub fn on_start(&self, out: &mut Effects<TpcNode>) -> TpcClientState {
        self.send(0, out);
        TpcClientState::default()
    }

    /// An answer arrived: record it and send the next request.
    pub fn on_msg(&self, state: &mut TpcClientState, msg: &TpcMsg, out: &mut Effects<TpcNode>) {
        let (in_reply_to, ok) = match msg {
            TpcMsg::TransferOk { in_reply_to } | TpcMsg::ReadOk { in_reply_to, .. } => {
                (*in_reply_to, true)
            }
            TpcMsg::Error { in_reply_to, .. } => (*in_reply_to, false),
            _ => return,
        };
        if in_reply_to != state.answers.len() as u64 + 1 {
            return;
        }
        state.answers.push(ok);
        self.send(state.answers.len(), out);
    }
}
