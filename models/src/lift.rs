//! [`Lift`] and [`Judge`]: a deployed cluster's run seen as states of its spec, so that the
//! spec's own properties judge a real run.
//!
//! `splitbrain validate` replays every node of a real run through the protocol code and joins
//! the nodes into one path (see the root crate's `validate` module). After each step it hands
//! the stepping node's state to a [`Judge`], which *lifts* it into one or more states of the
//! node's spec (a [`SystemState`] of [`Lift::Spec`]) and evaluates every property of that spec
//! there — the very condition functions `splitbrain model check` evaluates, never a rewrite.
//!
//! A lift is small because the deployed node *is* the spec's node, unbounded:
//! - `raft`: a deployed [`RaftServer`](crate::raft::RaftServer) is the `raft` spec's server
//!   (one view);
//! - `lock`: [`LeaseNode`](crate::lease_lock::LeaseNode) is the `lease-lock` spec's node
//!   (one view);
//! - `paxos`: [`KeyedPaxos`](crate::paxos::KeyedPaxos) runs one `paxos-register` instance per
//!   key: one view per key, each a `paxos-register` system whose `validity` knows the values
//!   clients wrote to that key;
//! - `g-counter`, `pn-counter`, `g-set`: a [`CrdtNode`](crate::crdt::CrdtNode) holds the CRDT
//!   specs' replica state; `lww-register`: one `lww-register` view per key. The CRDT properties
//!   read ghost data (which updates a replica has applied, which it issued) that a deployed
//!   replica does not keep, so the judge keeps it ([`Lift::Ghost`]): an update is issued where a
//!   client's add lands, and travels with the gossip that carries it (a gossip message carries
//!   its sender's ghost as of the send; a restarted replica's ghost is what it had when it last
//!   persisted).
//!
//! What a lifted state holds: every node's state (a crashed node keeps the state it crashed in,
//! as in the model) and the spec's clients in their initial state. It holds no messages in
//! flight and no client history: no property of a deployable spec reads the network, and the
//! history's property, `linearizable`, is left out — the run's own checker judges the recorded
//! history (`history.jsonl`) with splitbrain's linearizability engine.

use std::collections::BTreeMap;
use std::fmt::Debug;

use stateright::Model;

use crate::protocol::{Deployable, NodeId, Protocol};
use crate::spec::{PropertyInfo, PropertyKind, Spec, SpecProperty};
use crate::system::{Faults, System, SystemState};
use crate::ModelError;

/// The state type of a spec's actors.
pub type SpecState<S> = <<S as Spec>::Node as Protocol>::State;

/// The property the judge leaves to the history checker.
const HISTORY_PROPERTY: &str = "linearizable";

/// What a judge knows about the run before the first step.
#[derive(Clone, Debug)]
pub struct Cluster<P: Protocol> {
    /// The nodes, `n0…` in Maelstrom's order.
    pub nodes: Vec<NodeId>,
    /// The bug variant the run is judged against (`None`: the correct protocol).
    pub bug: Option<String>,
    /// Every request a client sent a node in the run, in the router's order.
    pub requests: Vec<P::Msg>,
}

/// One step of a node, as a lift sees it.
#[derive(Debug)]
pub enum Touch<'a, P: Protocol> {
    /// The node started (fresh or recovered).
    Start,
    /// The node handled `msg`.
    Msg(&'a P::Msg),
    /// A timer (or a `Choose` pick) fired.
    Timer(&'a P::Timer),
}

/// A deployable node whose runs the properties of a spec can judge (see the module docs).
pub trait Lift: Deployable {
    /// The spec whose properties judge runs of this node.
    type Spec: Spec;
    /// What the judge keeps per node for the spec's ghost data (`()` for most nodes).
    type Ghost: Clone + Debug + Default + Send + Sync + 'static;
    /// Whether the views are keys (one spec system per key), not one view.
    const KEYED: bool = false;

    /// The spec instance of view `view` (`0` for single-view nodes) of `cluster`.
    fn spec(cluster: &Cluster<Self>, view: u64) -> Result<Self::Spec, ModelError>;

    /// The views a step may have changed, given the node's state after it. Default: view 0.
    fn views(state: &Self::State, touch: &Touch<'_, Self>) -> Vec<u64> {
        let _ = (state, touch);
        vec![0]
    }

    /// The node's state (with its ghost) as the spec's actor state in view `view`.
    fn lift(state: &Self::State, ghost: &Self::Ghost, view: u64) -> SpecState<Self::Spec>;

    /// After any handler call of node `me`, with the state it left: update the ghost.
    fn on_step(me: NodeId, ghost: &mut Self::Ghost, state: &Self::State, touch: &Touch<'_, Self>) {
        let _ = (me, ghost, state, touch);
    }

    /// What a message sent now carries of its sender's ghost (`None`: nothing).
    fn carry(ghost: &Self::Ghost, msg: &Self::Msg) -> Option<Self::Ghost> {
        let _ = (ghost, msg);
        None
    }

    /// A message carrying `carried` was handled by the node whose ghost is `ghost`.
    fn on_deliver(ghost: &mut Self::Ghost, carried: &Self::Ghost, msg: &Self::Msg) {
        let _ = (ghost, carried, msg);
    }

    /// The node made its state durable: remember what a restart gets back.
    fn on_persist(ghost: &mut Self::Ghost) {
        let _ = ghost;
    }

    /// The node restarted from what it last persisted.
    fn on_restart(ghost: &mut Self::Ghost) {
        let _ = ghost;
    }
}

/// A property that failed, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The property.
    pub property: &'static str,
    /// The view (a key, for keyed nodes; `0` otherwise).
    pub view: u64,
    /// The property's one-sentence statement.
    pub description: &'static str,
    /// Where it is defined.
    pub source: &'static str,
}

/// How one property fared on the judged path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyVerdict {
    /// Name, kind, description, source.
    pub info: PropertyInfo,
    /// For `always`: the first step where it failed; for `sometimes`: the first step where it
    /// held. `None`: never.
    pub at: Option<u64>,
}

struct View<S: Spec> {
    system: System<S>,
    state: SystemState<S>,
    /// Each node's state in the spec's initial state: what the view holds for a node while the
    /// node takes a step (see [`Judge::release`]).
    initial: Vec<SpecState<S>>,
}

/// Evaluates a spec's properties on every state of a deployed run (see the module docs).
pub struct Judge<P: Lift> {
    cluster: Cluster<P>,
    properties: Vec<SpecProperty<P::Spec>>,
    ghosts: Vec<P::Ghost>,
    /// Ghost as of the last persist, per node.
    persisted: Vec<P::Ghost>,
    views: BTreeMap<u64, View<P::Spec>>,
    verdicts: Vec<PropertyVerdict>,
}

impl<P: Lift> Judge<P> {
    /// A judge for `cluster`, every node in its initial state (`initial`, one per node).
    pub fn new(cluster: Cluster<P>, initial: &[&P::State]) -> Result<Judge<P>, ModelError> {
        let properties: Vec<SpecProperty<P::Spec>> = P::Spec::properties()
            .into_iter()
            .filter(|p| p.info.name != HISTORY_PROPERTY)
            .collect();
        let verdicts = properties
            .iter()
            .map(|p| PropertyVerdict {
                info: p.info.clone(),
                at: None,
            })
            .collect();
        let n = cluster.nodes.len();
        let mut judge = Judge {
            cluster,
            properties,
            ghosts: vec![P::Ghost::default(); n],
            persisted: vec![P::Ghost::default(); n],
            views: BTreeMap::new(),
            verdicts,
        };
        // Single-view specs are judged from the initial state on; keyed views appear with
        // their first step.
        let views: Vec<u64> = initial
            .iter()
            .flat_map(|s| P::views(s, &Touch::Start))
            .collect();
        for view in views {
            judge.view(view, initial)?;
        }
        Ok(judge)
    }

    /// The spec's name.
    pub fn spec_name(&self) -> &'static str {
        P::Spec::NAME
    }

    /// The properties judged (every property of the spec but `linearizable`).
    pub fn verdicts(&self) -> &[PropertyVerdict] {
        &self.verdicts
    }

    /// View `view`, created with every node's current state (`states`) if it is new.
    fn view(&mut self, view: u64, states: &[&P::State]) -> Result<(), ModelError> {
        if !self.views.contains_key(&view) {
            let spec = P::spec(&self.cluster, view)?;
            let network = <P::Spec as Spec>::default_network();
            let system = System::new(spec, Faults::none(network));
            let mut state = system
                .init_states()
                .into_iter()
                .next()
                .ok_or(ModelError::Lift {
                    what: "the spec has no initial state".into(),
                })?;
            let nodes = states.len().min(system.topology().nodes());
            let initial = (0..nodes)
                .map(|i| system.state(&state, NodeId::node(i)).clone())
                .collect();
            for (i, s) in states.iter().enumerate().take(nodes) {
                state.set_actor_state(i, P::lift(s, &self.ghosts[i], view));
            }
            self.views.insert(
                view,
                View {
                    system,
                    state,
                    initial,
                },
            );
        }
        Ok(())
    }

    /// The ghost a message `msg` sent now by node `from` carries.
    pub fn carry(&self, from: usize, msg: &P::Msg) -> Option<P::Ghost> {
        P::carry(&self.ghosts[from], msg)
    }

    /// Node `node` persisted its state.
    pub fn persisted(&mut self, node: usize) {
        P::on_persist(&mut self.ghosts[node]);
        self.persisted[node] = self.ghosts[node].clone();
    }

    /// Node `node` handled a message that carried `carried`.
    pub fn delivered(&mut self, node: usize, carried: &P::Ghost, msg: &P::Msg) {
        P::on_deliver(&mut self.ghosts[node], carried, msg);
    }

    /// Node `node` is about to take a step (its handler is about to change its state): the
    /// judge lets go of the node's lifted state, which shares what it can with the node's (a
    /// Raft log, behind an `Arc`), so the handler changes the node's state in place instead of
    /// copying it away from the judge's — for Raft, a copy of the whole log at every append.
    /// The view holds the node's initial state until [`Judge::step`] lifts the new one; no
    /// property is evaluated in between. Single-view specs only, where every step re-lifts
    /// the node (a keyed spec's step touches a few of its views, and the rest keep theirs).
    pub fn release(&mut self, node: usize) {
        if P::KEYED {
            return;
        }
        for v in self.views.values_mut() {
            if let Some(initial) = v.initial.get(node) {
                v.state.set_actor_state(node, initial.clone());
            }
        }
    }

    /// Step `at` of the path: node `node` took a step (`Touch::Start` for a restart) and is
    /// now in `states[node]` (`states`: every node's current state). Lifts it into the views the
    /// step touched and evaluates the properties there; returns the first `always` property
    /// that fails, if any.
    pub fn step(
        &mut self,
        at: u64,
        node: usize,
        states: &[&P::State],
        touch: Touch<'_, P>,
    ) -> Result<Option<Violation>, ModelError> {
        let state = states[node];
        if matches!(touch, Touch::Start) {
            self.ghosts[node] = self.persisted[node].clone();
            P::on_restart(&mut self.ghosts[node]);
        }
        let me = self.cluster.nodes[node];
        P::on_step(me, &mut self.ghosts[node], state, &touch);
        let mut violation = None;
        let mut views = P::views(state, &touch);
        if matches!(touch, Touch::Start) {
            // A restarted node is back at what it persisted in every view, not only in those
            // its durable state names.
            views.extend(self.views.keys().copied());
            views.sort_unstable();
            views.dedup();
        }
        for view in views {
            let lifted = P::lift(state, &self.ghosts[node], view);
            self.view(view, states)?;
            let step = at;
            let v = self.views.get_mut(&view).expect("created above");
            v.state.set_actor_state(node, lifted);
            for (property, verdict) in self.properties.iter().zip(self.verdicts.iter_mut()) {
                if verdict.at.is_some() {
                    continue;
                }
                let holds = (property.condition)(&v.system, &v.state);
                match property.info.kind {
                    PropertyKind::Always if !holds => {
                        verdict.at = Some(step);
                        violation.get_or_insert(Violation {
                            property: property.info.name,
                            view,
                            description: property.info.description,
                            source: property.info.source,
                        });
                    }
                    PropertyKind::Sometimes if holds => verdict.at = Some(step),
                    _ => {}
                }
            }
        }
        Ok(violation)
    }
}
