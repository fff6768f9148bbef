//! [`LwwKvNode`]: `splitbrain node lww-register`, one [`LwwRegister`] per `lin-kv` key, served to
//! Maelstrom clients and gossiped between replicas.
//!
//! A `write` is stamped, persisted and acknowledged at once; a `read` answers from the local
//! replica (`key-does-not-exist`, 20, before any write of the key has arrived); `cas` is not
//! something a last-writer-wins register can offer, so it is refused as `not-supported` (10).
//! Every 50–150 ms a replica sends its whole map to every peer, which merges it key by key.
//!
//! This is the eventually consistent register of the `lww-register` spec, available under any
//! partition and convergent once gossip flows: exactly what linearizability does *not* allow,
//! so under the `lin-kv` workload the checker finds stale reads (the README shows one).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Crdt, LwwRegister, LwwWrite};
use crate::maelstrom::{ErrorCode, KvBody};
use crate::protocol::{Deployable, Effects, NodeId, Protocol};
use crate::ModelError;

/// A replica of the key-value map (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LwwKvNode {
    replicas: usize,
}

/// Every message a replica handles: `lin-kv` bodies, or a peer's whole map.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LwwKvMsg {
    /// From or to a client.
    Kv(KvBody),
    /// Between replicas.
    Gossip(LwwKvGossip),
}

/// A replica's map, sent to its peers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LwwKvGossip {
    /// `{"type":"lww_gossip","registers":[[0,{"stamp":[3,1],"value":7}]]}`.
    LwwGossip {
        /// The sender's registers, `[key, write]` pairs. (Not a JSON object: inside an untagged
        /// enum, serde cannot read integer keys back from object keys.)
        registers: Vec<(u64, LwwWrite)>,
    },
}

/// The replica's one timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GossipTimer;

const GOSSIP_EVERY: std::ops::Range<Duration> =
    Duration::from_millis(50)..Duration::from_millis(150);

/// Maelstrom's `not-supported` (definite).
const NOT_SUPPORTED: ErrorCode = ErrorCode::Other(10);

impl Protocol for LwwKvNode {
    type Msg = LwwKvMsg;
    /// The registers by key (absent: never written).
    type State = BTreeMap<u64, LwwRegister>;
    type Timer = GossipTimer;
    /// The registers, persisted before a write is acknowledged.
    type Durable = BTreeMap<u64, LwwRegister>;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&Self::Durable>,
        out: &mut Effects<Self>,
    ) -> Self::State {
        out.set_timer(GossipTimer, GOSSIP_EVERY);
        recovered.cloned().unwrap_or_default()
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut Self::State,
        from: NodeId,
        msg: LwwKvMsg,
        out: &mut Effects<Self>,
    ) {
        let reply = match msg {
            LwwKvMsg::Gossip(LwwKvGossip::LwwGossip { registers }) => {
                for (key, write) in registers {
                    state
                        .entry(key)
                        .or_insert(LwwRegister(None))
                        .merge(&LwwRegister(Some(write)));
                }
                return;
            }
            LwwKvMsg::Kv(KvBody::Write { msg_id, key, value }) => {
                state
                    .entry(key)
                    .or_insert(LwwRegister(None))
                    .write(me.index(), value);
                out.persist(state.clone());
                KvBody::WriteOk {
                    in_reply_to: msg_id,
                }
            }
            LwwKvMsg::Kv(KvBody::Read { msg_id, key }) => match state.get(&key).and_then(|r| r.0) {
                Some(write) => KvBody::ReadOk {
                    in_reply_to: msg_id,
                    value: Some(write.value),
                },
                None => KvBody::Error {
                    in_reply_to: msg_id,
                    code: ErrorCode::KeyDoesNotExist,
                },
            },
            LwwKvMsg::Kv(KvBody::Cas { msg_id, .. }) => KvBody::Error {
                in_reply_to: msg_id,
                code: NOT_SUPPORTED,
            },
            // Replies are for clients; a replica receiving one ignores it.
            LwwKvMsg::Kv(_) => return,
        };
        out.send(from, LwwKvMsg::Kv(reply));
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        _: GossipTimer,
        out: &mut Effects<Self>,
    ) {
        let registers = state
            .iter()
            .filter_map(|(&key, register)| Some((key, register.0?)))
            .collect();
        out.broadcast(
            me.peers(self.replicas),
            &LwwKvMsg::Gossip(LwwKvGossip::LwwGossip { registers }),
        );
        out.set_timer(GossipTimer, GOSSIP_EVERY);
    }

    fn role(&self) -> &'static str {
        "lww-register replica"
    }
}

impl Deployable for LwwKvNode {
    const NODE_NAME: &'static str = "lww-register";

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(bug) = bug {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: bug.to_string(),
                known: String::new(),
            });
        }
        Ok(LwwKvNode {
            replicas: nodes.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Effect;

    fn sent(mut out: Effects<LwwKvNode>) -> Vec<String> {
        out.drain()
            .filter_map(|e| match e {
                Effect::Send { msg, .. } => Some(serde_json::to_string(&msg).unwrap()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_later_write_wins_on_every_replica_whatever_the_gossip_order() {
        let nodes: Vec<NodeId> = NodeId::nodes(2).collect();
        let node = LwwKvNode::deploy(nodes[0], &nodes, None).unwrap();
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        let mut out = Effects::new();
        let write = |value| {
            LwwKvMsg::Kv(KvBody::Write {
                msg_id: 1,
                key: 0,
                value,
            })
        };
        node.on_msg(nodes[0], &mut a, NodeId::client(0), write(1), &mut out);
        node.on_msg(nodes[1], &mut b, NodeId::client(1), write(2), &mut out);
        // Same Lamport counter: the replica index breaks the tie, n1's write wins.
        let gossip = |s: &BTreeMap<u64, LwwRegister>| {
            LwwKvMsg::Gossip(LwwKvGossip::LwwGossip {
                registers: s.iter().map(|(&k, r)| (k, r.0.unwrap())).collect(),
            })
        };
        let (to_b, to_a) = (gossip(&a), gossip(&b));
        // Through JSON, as a real node receives it.
        let json = serde_json::to_string(&to_b).unwrap();
        assert_eq!(
            json,
            r#"{"type":"lww_gossip","registers":[[0,{"stamp":[1,0],"value":1}]]}"#
        );
        assert_eq!(serde_json::from_str::<LwwKvMsg>(&json).unwrap(), to_b);
        node.on_msg(nodes[1], &mut b, nodes[0], to_b, &mut out);
        node.on_msg(nodes[0], &mut a, nodes[1], to_a, &mut out);
        assert_eq!(a, b);
        assert_eq!(a[&0].0.unwrap().value, 2);
    }

    #[test]
    fn cas_is_not_supported_and_an_unwritten_key_does_not_exist() {
        let nodes: Vec<NodeId> = NodeId::nodes(1).collect();
        let node = LwwKvNode::deploy(nodes[0], &nodes, None).unwrap();
        let mut state = BTreeMap::new();
        let mut out = Effects::new();
        let cas = KvBody::Cas {
            msg_id: 1,
            key: 0,
            from: 1,
            to: 2,
        };
        node.on_msg(
            nodes[0],
            &mut state,
            NodeId::client(0),
            LwwKvMsg::Kv(cas),
            &mut out,
        );
        let read = KvBody::Read { msg_id: 2, key: 0 };
        node.on_msg(
            nodes[0],
            &mut state,
            NodeId::client(0),
            LwwKvMsg::Kv(read),
            &mut out,
        );
        assert_eq!(
            sent(out),
            [
                r#"{"type":"error","in_reply_to":1,"code":10}"#,
                r#"{"type":"error","in_reply_to":2,"code":20}"#
            ]
        );
    }
}
