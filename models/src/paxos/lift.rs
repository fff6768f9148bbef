//! [`Lift`] for [`KeyedPaxos`]: one `paxos-register` view per key. A deployed node runs one
//! single-decree instance per `lin-kv` key, each exactly the register spec's server, so key `k`'s
//! view holds every node's instance of `k` (the initial state where a node has none yet), and
//! its `validity` knows the values clients wrote to `k` in the run.

use std::collections::BTreeSet;

use super::{KeyedMsg, KeyedPaxos, KeyedPeerMsg, KeyedState, Register, RegisterState};
use crate::lift::{Cluster, Lift, Touch};
use crate::maelstrom::{KvBody, KvSystemState};
use crate::ModelError;

fn request_key(body: &KvBody) -> Option<u64> {
    match body {
        KvBody::Read { key, .. } | KvBody::Write { key, .. } | KvBody::Cas { key, .. } => {
            Some(*key)
        }
        _ => None,
    }
}

impl Lift for KeyedPaxos {
    type Spec = Register;
    type Ghost = ();
    const KEYED: bool = true;

    fn spec(cluster: &Cluster<Self>, key: u64) -> Result<Register, ModelError> {
        let proposed: BTreeSet<u64> = cluster
            .requests
            .iter()
            .filter_map(|msg| match msg {
                KeyedMsg::Kv(KvBody::Write { key: k, value, .. }) if *k == key => Some(*value),
                _ => None,
            })
            .collect();
        let ignore_promise = cluster.bug.as_deref() == Some(super::IGNORE_PROMISE);
        Ok(Register::deployed(
            cluster.nodes.len(),
            ignore_promise,
            proposed,
        ))
    }

    fn views(state: &KeyedState, touch: &Touch<'_, Self>) -> Vec<u64> {
        match touch {
            Touch::Start => state.keys.keys().copied().collect(),
            Touch::Msg(KeyedMsg::Kv(body)) => request_key(body).into_iter().collect(),
            Touch::Msg(KeyedMsg::Peer(KeyedPeerMsg { key, .. })) | Touch::Timer((key, _)) => {
                vec![*key]
            }
        }
    }

    fn lift(state: &KeyedState, _ghost: &(), key: u64) -> RegisterState {
        KvSystemState::Server(state.keys.get(&key).cloned().unwrap_or_default())
    }
}
