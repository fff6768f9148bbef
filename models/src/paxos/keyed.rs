//! [`KeyedPaxos`]: one single-decree Paxos instance per `lin-kv` key, for deployment.
//!
//! [`PaxosServer`] is a write-once register: one instance, one value. A deployed `lin-kv` run
//! has several keys, so this wrapper keeps one [`ServerState`] per key (created on first use),
//! tags peer messages and timers with their key, and persists the acceptor state of every key
//! as one map (each inner `Persist` updates its key's entry, then the whole map is persisted).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Durable, PaxosMsg, PaxosServer, ServerState, Timer};
use crate::maelstrom::KvBody;
use crate::protocol::{Effect, Effects, NodeId, Protocol};

/// One Paxos instance per key (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyedPaxos {
    /// The configuration every key's instance runs.
    pub server: PaxosServer,
}

/// A peer message of one key's instance: `{"type":"prepare","key":3,"ballot":…}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyedPeerMsg {
    /// The key.
    pub key: u64,
    /// The instance's message.
    #[serde(flatten)]
    pub msg: PaxosMsg,
}

/// Client bodies and keyed peer messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyedMsg {
    /// A `lin-kv` client request or reply.
    Kv(KvBody),
    /// A peer message of one key's instance.
    Peer(KeyedPeerMsg),
}

/// Every key's instance state, and the durable map persisted as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyedState {
    /// Each key's server state.
    pub keys: BTreeMap<u64, ServerState>,
    /// Each key's acceptor state, as last persisted.
    pub durable: BTreeMap<u64, Durable>,
}

impl KeyedPaxos {
    /// Runs `handler` on `key`'s instance and re-tags its effects with the key.
    fn on_key(
        &self,
        me: NodeId,
        state: &mut KeyedState,
        key: u64,
        out: &mut Effects<Self>,
        handler: impl FnOnce(&PaxosServer, &mut ServerState, &mut Effects<PaxosServer>),
    ) {
        let mut inner = Effects::new();
        let server = state
            .keys
            .entry(key)
            .or_insert_with(|| self.server.on_start(me, None, &mut Effects::new()));
        handler(&self.server, server, &mut inner);
        for effect in inner {
            match effect {
                Effect::Send { to, msg } => out.send(
                    to,
                    match msg {
                        super::Msg::Kv(body) => KeyedMsg::Kv(body),
                        super::Msg::Paxos(msg) => KeyedMsg::Peer(KeyedPeerMsg { key, msg }),
                    },
                ),
                Effect::SetTimer { timer, after } => out.set_timer((key, timer), after),
                Effect::CancelTimer(timer) => out.cancel_timer((key, timer)),
                Effect::Persist(durable) => {
                    state.durable.insert(key, durable);
                    out.write(state.durable.clone());
                }
                Effect::Sync => out.sync(),
                Effect::Choose { key: name, options } => {
                    out.choose(name, options.into_iter().map(|t| (key, t)).collect())
                }
            }
        }
    }
}

fn request_key(body: &KvBody) -> Option<u64> {
    match body {
        KvBody::Read { key, .. } | KvBody::Write { key, .. } | KvBody::Cas { key, .. } => {
            Some(*key)
        }
        _ => None,
    }
}

impl Protocol for KeyedPaxos {
    type Msg = KeyedMsg;
    type State = KeyedState;
    type Timer = (u64, Timer);
    type Durable = BTreeMap<u64, Durable>;

    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&BTreeMap<u64, Durable>>,
        _out: &mut Effects<Self>,
    ) -> KeyedState {
        let durable = recovered.cloned().unwrap_or_default();
        let keys = durable
            .iter()
            .map(|(key, d)| (*key, self.server.on_start(me, Some(d), &mut Effects::new())))
            .collect();
        KeyedState { keys, durable }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut KeyedState,
        from: NodeId,
        msg: KeyedMsg,
        out: &mut Effects<Self>,
    ) {
        let (key, inner) = match msg {
            KeyedMsg::Kv(body) => match request_key(&body) {
                Some(key) => (key, super::Msg::Kv(body)),
                None => return,
            },
            KeyedMsg::Peer(KeyedPeerMsg { key, msg }) => (key, super::Msg::Paxos(msg)),
        };
        self.on_key(me, state, key, out, |server, s, o| {
            server.on_msg(me, s, from, inner, o)
        });
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut KeyedState,
        (key, timer): (u64, Timer),
        out: &mut Effects<Self>,
    ) {
        self.on_key(me, state, key, out, |server, s, o| {
            server.on_timer(me, s, timer, o)
        });
    }

    fn role(&self) -> &'static str {
        "keyed paxos server"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paxos::Ballot;

    #[test]
    fn keyed_peer_messages_round_trip_as_flat_bodies_with_a_key() {
        let msg = KeyedMsg::Peer(KeyedPeerMsg {
            key: 3,
            msg: PaxosMsg::Prepare {
                ballot: Ballot {
                    round: 1,
                    node: NodeId::node(2),
                },
            },
        });
        let json = serde_json::to_string(&msg).unwrap();
        assert!(
            json.contains(r#""type":"prepare""#) && json.contains(r#""key":3"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<KeyedMsg>(&json).unwrap(), msg);
        let read = r#"{"type":"read","msg_id":7,"key":1}"#;
        assert!(matches!(
            serde_json::from_str::<KeyedMsg>(read).unwrap(),
            KeyedMsg::Kv(_)
        ));
    }
}
