//! [`System`]: a spec's nodes and clients as one stateright [`Model`], with faults.
//!
//! The system wraps stateright's `ActorModel` (every node through the single `adapter.rs`) and
//! adds what `ActorModel` lacks or gets in the way:
//! - **partitions** (`faults.rs`): a `Partition` action splits the nodes in two sides; messages
//!   between the sides are undeliverable while it lasts and lost when it heals. Clients reach
//!   every node (as in Maelstrom, where partitions cut links between nodes only);
//! - **crashes**: only nodes crash, at most `crashes` times per path; a crashed node loses its
//!   volatile state, timers and unsynced writes (`disk.rs`: write and sync are separate steps)
//!   and may recover from what it synced;
//! - **the client history** (`record.rs`): client requests and replies recorded as
//!   [`ClientHistory`] events, with a cached linearizability verdict;
//! - **a time limit that works** (`cutoff.rs`): stateright's own timeout is ignored by a
//!   single-threaded BFS/DFS; the cutoff makes every state terminal once the deadline passes;
//! - **shared node states, messages and histories** (`intern.rs`): in a breadth-first search,
//!   equal ones made by different transitions are one allocation;
//! - **symmetry** (`symmetry.rs`): canonical client permutations for specs whose clients are
//!   interchangeable;
//! - **one line per action** (`describe.rs`) for stateright's Explorer.
//!
//! Properties read a [`SystemState`] through the accessors on [`System`]: node states by
//! [`NodeId`], messages in flight, the history.

mod adapter;
mod cutoff;
mod describe;
mod disk;
mod faults;
mod intern;
mod packed;
mod record;
mod sealed;
mod step;
mod symmetry;
mod topology;
mod wire;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use stateright::actor::{ActorModel, ActorModelAction, ActorModelState, LossyNetwork, Network};
use stateright::{Model, Property};

pub(crate) use adapter::Adapter;
pub(crate) use cutoff::Cutoff;
pub(crate) use disk::Disk;
pub(crate) use packed::Packed;
pub use record::linearizable;
pub use symmetry::{canonical_clients, Rename};
pub use topology::Topology;

use crate::history::{ClientHistory, VerdictCache};
use crate::protocol::{NodeId, NodeSet, Protocol};
use crate::spec::{NetworkKind, PropertyKind, Spec, SpecProperty};

type Msg<S> = <<S as Spec>::Node as Protocol>::Msg;
type Timer<S> = <<S as Spec>::Node as Protocol>::Timer;
type NodeState<S> = <<S as Spec>::Node as Protocol>::State;
type Inner<S> = ActorModel<Adapter<<S as Spec>::Node>, record::Context<S>, ClientHistory>;
type Full<S> = ActorModelState<Adapter<<S as Spec>::Node>, ClientHistory>;

/// How faults are injected into a [`System`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Faults {
    /// The network semantics.
    pub network: NetworkKind,
    /// Whether the network may drop any message (doubles the branching at every message).
    pub lossy: bool,
    /// Node crashes per path.
    pub crashes: u8,
    /// Partitions per path.
    pub partitions: u8,
}

impl Faults {
    /// A network of `kind` and no other faults.
    pub fn none(network: NetworkKind) -> Faults {
        Faults {
            network,
            lossy: false,
            crashes: 0,
            partitions: 0,
        }
    }
}

/// A spec's actors as a stateright model. See the [module docs](self).
pub struct System<S: Spec> {
    spec: Arc<S>,
    topology: Topology,
    inner: Inner<S>,
    properties: Vec<SpecProperty<S>>,
    faults: Faults,
    cutoff: Arc<Cutoff>,
    /// The node states and messages successors share (`intern.rs`).
    pools: step::Pools<Adapter<S::Node>, ClientHistory>,
    verdicts: Option<Arc<VerdictCache>>,
    records_history: bool,
    prune_no_ops: bool,
}

/// A state of a [`System`]: every actor's state, the network, timers, crashed nodes, durable
/// storage, the client history, and the partition in force.
pub struct SystemState<S: Spec> {
    /// stateright's actor-system state, packed for storage (`packed.rs`).
    pub(crate) actors: Packed<Adapter<S::Node>, ClientHistory>,
    /// The side of the partition in force that holds `n0`; empty when none is (a side always
    /// holds `n0`). Not an `Option`, which would take 8 more bytes in every stored state.
    partition: NodeSet,
    pub(crate) partitions_used: u8,
    pub(crate) crashes_used: u8,
    /// The number of nodes (actors before the first client): constant, so not hashed.
    pub(crate) nodes: u32,
    /// The network's semantics: constant, so not hashed.
    pub(crate) network: NetworkKind,
}

/// A transition of a [`System`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SystemAction<M, T> {
    /// An actor event: a delivery, a drop, a timer, a crash, a recovery, a random pick.
    Actor(ActorModelAction<M, T, T>),
    /// The network splits: the nodes in the set on one side, the other nodes on the other.
    Partition(NodeSet),
    /// The partition heals; messages sent across it are lost.
    Heal,
}

/// A symmetry reduction: maps a state to the canonical representative of its class.
pub type Representative<S> = fn(&SystemState<S>) -> SystemState<S>;

/// The action type of `System<S>`.
pub type ActionOf<S> = SystemAction<Arc<Msg<S>>, Timer<S>>;

impl<S: Spec> System<S> {
    /// The system for `spec` under `faults`.
    pub fn new(spec: S, faults: Faults) -> System<S> {
        let spec = Arc::new(spec);
        let record = spec.history_in_state();
        System::build(spec, faults, record)
    }

    /// The same system, recording the client history in its states; `None` if it already does.
    /// Traces replay paths on it, so a counterexample always shows the history.
    pub(crate) fn recording_twin(&self) -> Option<System<S>> {
        (!self.records_history).then(|| System::build(Arc::clone(&self.spec), self.faults, true))
    }

    fn build(spec: Arc<S>, faults: Faults, record: bool) -> System<S> {
        let topology = spec.topology();
        let nodes = spec.nodes();
        assert_eq!(
            nodes.len(),
            topology.len(),
            "Spec::nodes must list every actor"
        );
        let verdicts = spec
            .sequential_spec()
            .map(|kind| Arc::new(VerdictCache::new(kind)));
        let context = record::Context::new(Arc::clone(&spec), topology, verdicts.clone());
        let network = match faults.network {
            NetworkKind::Ordered => Network::new_ordered([]),
            NetworkKind::Unordered => Network::new_unordered_nonduplicating([]),
            NetworkKind::Duplicating => Network::new_unordered_duplicating([]),
        };
        let mut inner = ActorModel::new(context, ClientHistory::default())
            .actors(nodes.into_iter().map(|n| Adapter::new(n, topology)))
            .init_network(network)
            .lossy_network(if faults.lossy {
                LossyNetwork::Yes
            } else {
                LossyNetwork::No
            })
            .max_crashes(usize::from(faults.crashes));
        if record {
            inner = inner
                .record_msg_out(record::record_out::<S>)
                .record_msg_in(record::record_in::<S>);
        }
        System {
            spec,
            topology,
            inner,
            properties: S::properties(),
            faults,
            cutoff: Arc::new(Cutoff::default()),
            pools: step::Pools::default(),
            verdicts,
            records_history: record,
            prune_no_ops: false,
        }
    }

    /// Leaves actions that would not change the state (no-op deliveries) out of
    /// [`Model::actions`]. Needed for random walks: stateright 0.31's simulation records a path
    /// that cannot be replayed when it picks a no-op action (it `swap_remove`s the action and
    /// records both indices). Costs one extra `next_state` per action.
    pub(crate) fn prune_no_ops(&mut self) {
        self.prune_no_ops = true;
    }

    /// Makes successors share equal node states, messages and histories (`intern.rs`): for a
    /// breadth-first search, whose frontier holds them.
    pub(crate) fn share_states(&mut self) {
        self.pools.switch_on();
    }

    /// The spec.
    pub fn spec(&self) -> &S {
        &self.spec
    }

    /// The actors.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The faults injected.
    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// The state of `node` in `state`.
    pub fn state<'a>(&self, state: &'a SystemState<S>, node: NodeId) -> &'a NodeState<S> {
        &state.actors.actor_states[self.topology.index(node)].node
    }

    /// Every actor with its state, nodes first.
    pub fn states<'a>(
        &self,
        state: &'a SystemState<S>,
    ) -> impl Iterator<Item = (NodeId, &'a NodeState<S>)> + Clone + 'a {
        let topology = self.topology;
        state
            .actors
            .actor_states
            .iter()
            .enumerate()
            .map(move |(i, s)| (topology.node_at(i), &s.node))
    }

    /// Whether `node` is crashed in `state`.
    pub fn is_crashed(&self, state: &SystemState<S>, node: NodeId) -> bool {
        state.actors.rest.crashed[self.topology.index(node)]
    }

    /// The messages in flight in `state`: `(from, to, message)`, each copy once.
    pub fn messages<'a>(
        &self,
        state: &'a SystemState<S>,
    ) -> impl Iterator<Item = (NodeId, NodeId, &'a Msg<S>)> + 'a {
        let topology = self.topology;
        state
            .actors
            .network
            .envelopes()
            .into_iter()
            .map(move |(src, dst, msg)| (topology.node_id(src), topology.node_id(dst), &**msg))
    }

    pub(crate) fn cutoff(&self) -> &Arc<Cutoff> {
        &self.cutoff
    }

    pub(crate) fn verdicts(&self) -> Option<&VerdictCache> {
        self.verdicts.as_deref()
    }
}

impl<S: Spec> SystemState<S> {
    /// This state's fault bookkeeping with `actors` in place of its own, packed, sharing this
    /// state's timers, random choices, crashed flags and storage when they are equal (a
    /// symmetry representative).
    pub(crate) fn with_actors(&self, actors: Full<S>) -> SystemState<S> {
        self.with_packed(Packed::pack(actors, Some(&self.actors)))
    }

    /// This state's fault bookkeeping with `actors` in place of its own: a transition's
    /// successor. (`..state.clone()` would clone the actors, network and history only to drop
    /// them, once per generated state.)
    pub(crate) fn with_packed(
        &self,
        actors: Packed<Adapter<S::Node>, ClientHistory>,
    ) -> SystemState<S> {
        SystemState {
            actors,
            partition: self.partition,
            partitions_used: self.partitions_used,
            crashes_used: self.crashes_used,
            nodes: self.nodes,
            network: self.network,
        }
    }

    /// Replaces the state of the actor at `index` (a lifted real-run state; see
    /// [`crate::lift`]).
    pub(crate) fn set_actor_state(&mut self, index: usize, state: NodeState<S>) {
        if let Some(slot) = self.actors.actor_states.get_mut(index) {
            *slot = std::sync::Arc::new(Disk::synced(state));
        }
    }

    /// The clients' operations so far (empty when the spec keeps the history out of the state;
    /// see [`Spec::history_in_state`]).
    pub fn history(&self) -> &ClientHistory {
        &self.actors.history
    }

    /// The side of the partition in force that holds `n0`, if any.
    pub fn partition(&self) -> Option<NodeSet> {
        (!self.partition.is_empty()).then_some(self.partition)
    }

    /// This state with `side` (or no partition) in force.
    pub(crate) fn set_partition(&mut self, side: Option<NodeSet>) {
        self.partition = side.unwrap_or_default();
    }
}

impl<S: Spec> Model for System<S> {
    type State = SystemState<S>;
    type Action = ActionOf<S>;

    fn init_states(&self) -> Vec<SystemState<S>> {
        self.inner
            .init_states()
            .into_iter()
            .map(|actors| SystemState {
                actors: Packed::pack(actors, None),
                partition: NodeSet::default(),
                partitions_used: 0,
                crashes_used: 0,
                nodes: self.topology.nodes() as u32,
                network: self.faults.network,
            })
            .collect()
    }

    fn actions(&self, state: &SystemState<S>, actions: &mut Vec<ActionOf<S>>) {
        if self.cutoff.is_tripped() {
            return;
        }
        faults::actions(self, state, actions);
        if self.prune_no_ops {
            actions.retain(|a| faults::next_state(self, state, a.clone()).is_some());
        }
    }

    fn next_state(&self, state: &SystemState<S>, action: ActionOf<S>) -> Option<SystemState<S>> {
        let next = faults::next_state(self, state, action);
        if next.is_some() {
            self.cutoff.spend(1);
        }
        next
    }

    fn format_action(&self, action: &ActionOf<S>) -> String {
        describe::describe_action(self, action)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.properties
            .iter()
            .map(|p| match p.info.kind {
                PropertyKind::Always => Property::always(p.info.name, p.condition),
                PropertyKind::Sometimes => Property::sometimes(p.info.name, p.condition),
            })
            .collect()
    }

    fn within_boundary(&self, state: &SystemState<S>) -> bool {
        self.spec.within_boundary(self, state)
    }
}

impl<S: Spec> Clone for SystemState<S> {
    fn clone(&self) -> Self {
        SystemState {
            actors: self.actors.clone(),
            partition: self.partition,
            partitions_used: self.partitions_used,
            crashes_used: self.crashes_used,
            nodes: self.nodes,
            network: self.network,
        }
    }
}

impl<S: Spec> PartialEq for SystemState<S> {
    fn eq(&self, other: &Self) -> bool {
        self.actors == other.actors
            && self.partition == other.partition
            && self.partitions_used == other.partitions_used
            && self.crashes_used == other.crashes_used
    }
}

impl<S: Spec> Eq for SystemState<S> {}

impl<S: Spec> Hash for SystemState<S> {
    fn hash<H: Hasher>(&self, hasher: &mut H) {
        self.actors.hash(hasher);
        self.partition.hash(hasher);
        self.partitions_used.hash(hasher);
        self.crashes_used.hash(hasher);
    }
}

impl<S: Spec> fmt::Debug for SystemState<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemState")
            .field("actors", &self.actors)
            .field("partition", &self.partition())
            .field("partitions_used", &self.partitions_used)
            .field("crashes_used", &self.crashes_used)
            .finish()
    }
}
