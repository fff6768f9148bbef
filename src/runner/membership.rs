//! The membership nemesis's requests (`--nemesis membership`): a membership change is a
//! Maelstrom request from the harness to the coordinator `n0`, sent through a client connection
//! like a workload's setup request — `{"type":"leave","node":"n2"}`, later
//! `{"type":"join","node":"n2"}` — answered `leave_ok` / `join_ok` once the change is ordered
//! (Maelstrom's `topology` message is the same idea: the harness tells a node about the
//! cluster). Any backend whose clients carry Maelstrom bodies can send it; the real-network
//! backends, whose clients speak a system's own protocol, refuse the kind.
//!
//! The effect: taken when the coordinator answered `*_ok`; the reply (or why there was none)
//! is the evidence. `splitbrain node hash-ring` answers these; a node that does not know them
//! answers an error, and a `valid` verdict then proves nothing about membership changes.

use std::time::Duration;

use serde_json::{json, Value as Json};

use super::backend::{Call, Client, Cluster};
use super::effect::Effect;
use super::protocol::node_id;
use super::workload::Invocation;
use crate::history::Value;

/// The node that orders membership changes.
pub const COORDINATOR: usize = 0;

/// How long the harness waits for the coordinator's answer.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Asks the coordinator to put node `node` into the ring (`join`) or take it out.
pub(crate) async fn change<C: Cluster>(cluster: &C, node: usize, join: bool) -> Effect {
    let kind = if join { "join" } else { "leave" };
    let body = json!({"type": kind, "node": node_id(node)});
    let placeholder = Invocation::new("membership", Value::Nil);
    let call = Call {
        node: COORDINATOR,
        op: &placeholder,
        request: &body,
        timeout: TIMEOUT,
    };
    let want = format!("{kind}_ok");
    match cluster.client().setup(call).await {
        Ok(reply) if reply.get("type").and_then(Json::as_str) == Some(want.as_str()) => {
            let epoch = reply.get("epoch").and_then(Json::as_i64).unwrap_or(-1);
            Effect::took(vec![("epoch", Value::Int(epoch))])
        }
        Ok(reply) => Effect::missed(vec![("reply", Value::str(reply.to_string()))]),
        Err(why) => Effect::missed(vec![("error", Value::str(why))]),
    }
}
