//! Symmetry reduction over interchangeable clients: [`canonical_clients`] and [`Rename`].
//!
//! When every client runs the same script and nothing depends on which client is which,
//! permuting the clients maps reachable states to reachable states with the same verdicts. The
//! checker then only needs one state per permutation class: [`canonical_clients`] sorts the
//! clients by their state and renames every client id in the state accordingly (node states,
//! messages, timers, storage, the history's process numbers). Ties keep their order, so the
//! representative is not always unique; that costs reduction, never soundness. stateright
//! applies a symmetry function only with DFS and random walks.

use std::sync::Arc;

use stateright::actor::{ActorModelState, Envelope, Id, Network, RandomChoices, Timers};

use super::wire::Wire;
use super::{Adapter, SystemState};
use crate::protocol::{NodeId, NodeSet, Protocol};
use crate::spec::{NetworkKind, Spec};

/// A value that names clients and can have them renamed. Implement it for a spec's node state,
/// messages, timers and durable state to use [`canonical_clients`].
pub trait Rename {
    /// The value with every client id `c` replaced by `rename(c)`.
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self;
}

impl Rename for NodeId {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        if self.is_client() {
            rename(*self)
        } else {
            *self
        }
    }
}

impl<T: Rename> Rename for Option<T> {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        self.as_ref().map(|v| v.rename(rename))
    }
}

impl<T: Rename> Rename for Arc<T> {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        Arc::new((**self).rename(rename))
    }
}

impl<T: Rename> Rename for Vec<T> {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        self.iter().map(|v| v.rename(rename)).collect()
    }
}

impl<A: Rename, B: Rename> Rename for (A, B) {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        (self.0.rename(rename), self.1.rename(rename))
    }
}

macro_rules! rename_as_identity {
    ($($t:ty),*) => {$(
        impl Rename for $t {
            fn rename(&self, _: &dyn Fn(NodeId) -> NodeId) -> Self {
                *self
            }
        }
    )*};
}
rename_as_identity!((), bool, u8, u16, u32, u64, usize, NodeSet);

type State<S> = <<S as Spec>::Node as Protocol>::State;

/// The representative of `state`'s class under permutations of the clients: clients sorted by
/// their state, every client id renamed to match. For [`Spec::symmetry`].
pub fn canonical_clients<S>(state: &SystemState<S>) -> SystemState<S>
where
    S: Spec,
    State<S>: Rename + Ord,
    <S::Node as Protocol>::Msg: Rename,
    <S::Node as Protocol>::Timer: Rename,
    <S::Node as Protocol>::Durable: Rename,
{
    let actors = &state.actors;
    let rest = &actors.rest;
    let nodes = state.nodes as usize;
    let clients = actors.actor_states.len() - nodes;
    // order[new] = old client index; position[old] = new client index.
    let mut order: Vec<usize> = (0..clients).collect();
    // Clients never write durable state, so their node states order them.
    order.sort_by(|&a, &b| {
        actors.actor_states[nodes + a]
            .node
            .cmp(&actors.actor_states[nodes + b].node)
    });
    if order.iter().enumerate().all(|(new, &old)| new == old) {
        return state.clone();
    }
    let mut position = vec![0; clients];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let rename = |id: NodeId| NodeId::client(position[id.index()]);
    let rename_id = |id: Id| {
        let index = usize::from(id);
        if index < nodes {
            id
        } else {
            Id::from(nodes + position[index - nodes])
        }
    };
    let reindex = |old_index_of_new: usize| {
        if old_index_of_new < nodes {
            old_index_of_new
        } else {
            nodes + order[old_index_of_new - nodes]
        }
    };
    let total = actors.actor_states.len();
    let actors = ActorModelState::<Adapter<S::Node>, _> {
        actor_states: (0..total)
            .map(|i| actors.actor_states[reindex(i)].rename(&rename))
            .collect(),
        // The network is renamed on its compact form below.
        network: Network::new_unordered_nonduplicating([]),
        timers_set: (0..total)
            .map(|i| {
                let mut timers = Timers::new();
                for timer in rest.timers_set[reindex(i)].iter() {
                    timers.set(timer.rename(&rename));
                }
                timers
            })
            .collect(),
        random_choices: (0..total)
            .map(|i| {
                let mut choices = RandomChoices::default();
                for (key, options) in rest.random_choices[reindex(i)].map.iter() {
                    choices.insert(key.clone(), options.rename(&rename));
                }
                choices
            })
            .collect(),
        crashed: (0..total).map(|i| rest.crashed[reindex(i)]).collect(),
        history: actors
            .history
            .rename_processes(|p| position[p as usize] as u32),
        actor_storages: (0..total)
            .map(|i| actors.actor_storages[reindex(i)].rename(&rename))
            .collect(),
    };
    let network = rename_network(&state.actors.network, state.network, &rename_id, &rename);
    let mut canonical = state.with_actors(actors);
    canonical.actors.network = network;
    canonical
}

fn rename_network<M>(
    network: &Wire<M>,
    kind: NetworkKind,
    rename_id: &dyn Fn(Id) -> Id,
    rename: &dyn Fn(NodeId) -> NodeId,
) -> Wire<M>
where
    M: Rename + Ord + Clone,
{
    let renamed = |e: Envelope<&M>| Envelope {
        src: rename_id(e.src),
        dst: rename_id(e.dst),
        msg: e.msg.rename(rename),
    };
    let envelopes = network
        .envelopes()
        .into_iter()
        .map(|(src, dst, msg)| renamed(Envelope { src, dst, msg }));
    Wire::from_envelopes(kind, envelopes, network.last().map(renamed))
}
