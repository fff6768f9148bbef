//! Bridging a gap: what a node's journal cannot show, found by a bounded search from its last
//! exact state.
//!
//! A journal line is written after the handler call's durable write and before its messages
//! leave, so a SIGKILL can lose exactly one kind of thing: inputs the node executed whose
//! messages never left — at most a tail of the killed process's journal. They are invisible
//! unless they changed what the node persisted; then the restarted node recovers a durable
//! value the replay did not reach (a crash between a persist and its sends). The search looks
//! for inputs the killed process could have executed — the messages delivered to it that it
//! never journaled, in delivery order (a prefix of them: stdin is read in order), and its armed
//! timers and pending choices, in any order — after which the durable value is the one
//! recovered. Breadth first, at most [`Limits::depth`] inputs and [`Limits::states`] states:
//! the answer is the shortest bridge, or none within the bounds (the gap stays open, and the
//! verdict can be no better than unknown).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use splitbrain_models::digest::{durable_digest, Digest};
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Deployable, Effects, NodeId};

/// How far a gap search goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Inputs in a bridge.
    pub depth: usize,
    /// States explored per gap.
    pub states: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            depth: 4,
            states: 20_000,
        }
    }
}

/// A node's replay state, as far as the search needs it.
#[derive(Clone)]
pub(crate) struct Snapshot<P: Deployable> {
    pub(crate) state: P::State,
    pub(crate) timers: BTreeSet<P::Timer>,
    pub(crate) choices: BTreeMap<String, Vec<P::Timer>>,
    /// The hash of the last value written (what a plain kill recovers).
    pub(crate) persisted: Option<Digest>,
    /// The hash of the last value synced.
    pub(crate) synced: Option<Digest>,
    /// The hashes written since the last sync, in order: a crash that loses unsynced writes
    /// recovers the synced value or, with a torn tail, one of these.
    pub(crate) unsynced: Vec<Digest>,
}

impl<P: Deployable> Snapshot<P> {
    /// A snapshot of `state` with no timers, no choices, nothing on disk.
    pub(crate) fn fresh(state: P::State) -> Snapshot<P> {
        Snapshot {
            state,
            timers: BTreeSet::new(),
            choices: BTreeMap::new(),
            persisted: None,
            synced: None,
            unsynced: Vec::new(),
        }
    }

    /// The node wrote the value hashed `hash`.
    pub(crate) fn wrote(&mut self, hash: Digest) {
        self.persisted = Some(hash);
        self.unsynced.push(hash);
    }

    /// The node synced its last write; the hash synced (`None`: nothing was unsynced).
    pub(crate) fn sync(&mut self) -> Option<Digest> {
        let last = self.unsynced.last().copied()?;
        self.synced = Some(last);
        self.unsynced.clear();
        Some(last)
    }

    /// Whether a restart may recover the value hashed `hash`: the last write (a kill), the
    /// synced value or an unsynced write (a crash that loses unsynced writes, whole or torn).
    pub(crate) fn may_recover(&self, hash: Option<Digest>) -> bool {
        hash == self.persisted
            || hash == self.synced
            || hash.is_some_and(|h| self.unsynced.contains(&h))
    }

    /// The node restarted with the value hashed `hash`, synced.
    pub(crate) fn recovered(&mut self, hash: Option<Digest>) {
        self.persisted = hash;
        self.synced = hash;
        self.unsynced.clear();
    }
}

/// One input of a bridge.
#[derive(Clone, Debug)]
pub(crate) enum BridgeInput<P: Deployable> {
    /// The `n`-th lost message.
    Msg(usize),
    /// A timer fired.
    Timer(P::Timer),
    /// A choice's pick.
    Pick(String, P::Timer),
}

/// Applies a handler call's effects to a snapshot's timers, choices and durable hash; returns
/// whether it persisted.
pub(crate) fn apply_effects<P: Deployable>(
    snapshot: &mut Snapshot<P>,
    effects: &[Effect<P>],
) -> bool {
    let mut persisted = false;
    for effect in effects {
        match effect {
            Effect::SetTimer { timer, .. } => {
                snapshot.timers.insert(timer.clone());
            }
            Effect::CancelTimer(timer) => {
                snapshot.timers.remove(timer);
            }
            Effect::Choose { key, options } => {
                if options.is_empty() {
                    snapshot.choices.remove(*key);
                } else {
                    snapshot.choices.insert(key.to_string(), options.clone());
                }
            }
            Effect::Persist(durable) => {
                snapshot.wrote(durable_digest(durable));
                persisted = true;
            }
            Effect::Sync => {
                snapshot.sync();
            }
            Effect::Send { .. } => {}
        }
    }
    persisted
}

/// Runs one input on `snapshot`; returns the call's effects.
pub(crate) fn step<P: Deployable>(
    protocol: &P,
    me: NodeId,
    snapshot: &mut Snapshot<P>,
    input: &BridgeInput<P>,
    lost: &[(NodeId, P::Msg)],
) -> Vec<Effect<P>> {
    let mut out = Effects::new();
    match input {
        BridgeInput::Msg(i) => {
            let (from, msg) = &lost[*i];
            protocol.on_msg(me, &mut snapshot.state, *from, msg.clone(), &mut out);
        }
        BridgeInput::Timer(timer) => {
            snapshot.timers.remove(timer);
            protocol.on_timer(me, &mut snapshot.state, timer.clone(), &mut out);
        }
        BridgeInput::Pick(key, pick) => {
            snapshot.choices.remove(key);
            protocol.on_timer(me, &mut snapshot.state, pick.clone(), &mut out);
        }
    }
    let effects: Vec<Effect<P>> = out.into_iter().collect();
    apply_effects(snapshot, &effects);
    effects
}

fn fingerprint<P: Deployable>(s: &Snapshot<P>, next: usize) -> u64 {
    let mut h = DefaultHasher::new();
    s.state.hash(&mut h);
    s.timers.hash(&mut h);
    s.choices.hash(&mut h);
    s.persisted.hash(&mut h);
    next.hash(&mut h);
    h.finish()
}

/// The result of a search.
pub(crate) struct Search<P: Deployable> {
    /// The shortest bridge, if one was found within the limits.
    pub(crate) bridge: Option<Vec<BridgeInput<P>>>,
    /// States explored.
    pub(crate) explored: usize,
}

/// Searches for inputs that take `start` to a durable value whose hash is `target` (see the
/// module docs). `lost`: the messages delivered to the process that it never journaled, in
/// delivery order.
pub(crate) fn search<P: Deployable>(
    protocol: &P,
    me: NodeId,
    start: &Snapshot<P>,
    lost: &[(NodeId, P::Msg)],
    target: Option<Digest>,
    limits: Limits,
) -> Search<P> {
    let mut queue: VecDeque<(Snapshot<P>, usize, Vec<BridgeInput<P>>)> = VecDeque::new();
    let mut seen = HashSet::new();
    seen.insert(fingerprint(start, 0));
    queue.push_back((start.clone(), 0, Vec::new()));
    let mut explored = 0;
    while let Some((snapshot, next, path)) = queue.pop_front() {
        if path.len() >= limits.depth {
            continue;
        }
        let mut inputs: Vec<BridgeInput<P>> = Vec::new();
        if next < lost.len() {
            inputs.push(BridgeInput::Msg(next));
        }
        inputs.extend(snapshot.timers.iter().cloned().map(BridgeInput::Timer));
        for (key, options) in &snapshot.choices {
            inputs.extend(
                options
                    .iter()
                    .map(|o| BridgeInput::Pick(key.clone(), o.clone())),
            );
        }
        for input in inputs {
            explored += 1;
            if explored > limits.states {
                return Search {
                    bridge: None,
                    explored,
                };
            }
            let mut child = snapshot.clone();
            step(protocol, me, &mut child, &input, lost);
            let child_next = next + usize::from(matches!(input, BridgeInput::Msg(_)));
            let mut child_path = path.clone();
            child_path.push(input);
            if child.persisted == target {
                return Search {
                    bridge: Some(child_path),
                    explored,
                };
            }
            if seen.insert(fingerprint(&child, child_next)) {
                queue.push_back((child, child_next, child_path));
            }
        }
    }
    Search {
        bridge: None,
        explored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use splitbrain_models::paxos::{Ballot, KeyedMsg, KeyedPaxos, KeyedPeerMsg, PaxosMsg};
    use splitbrain_models::Protocol;

    fn acceptor() -> (KeyedPaxos, Snapshot<KeyedPaxos>) {
        let nodes: Vec<NodeId> = NodeId::nodes(3).collect();
        let protocol = KeyedPaxos::deploy(nodes[0], &nodes, None).unwrap();
        let state = protocol.on_start(nodes[0], None, &mut Effects::new());
        let snapshot = Snapshot::fresh(state);
        (protocol, snapshot)
    }

    fn prepare(round: u32) -> KeyedMsg {
        KeyedMsg::Peer(KeyedPeerMsg {
            key: 0,
            msg: PaxosMsg::Prepare {
                ballot: Ballot {
                    round,
                    node: NodeId::node(1),
                },
            },
        })
    }

    #[test]
    fn a_promise_persisted_but_never_journaled_is_found_among_the_lost_messages() {
        let (protocol, start) = acceptor();
        let lost = vec![(NodeId::node(1), prepare(3)), (NodeId::node(1), prepare(5))];
        // What the node recovered: its promise of round 5 (both prepares were executed).
        let mut reached = start.clone();
        for i in 0..2 {
            step(
                &protocol,
                NodeId::node(0),
                &mut reached,
                &BridgeInput::Msg(i),
                &lost,
            );
        }
        let found = search(
            &protocol,
            NodeId::node(0),
            &start,
            &lost,
            reached.persisted,
            Limits::default(),
        );
        let bridge = found.bridge.expect("two lost prepares bridge the gap");
        assert!(matches!(
            bridge[..],
            [BridgeInput::Msg(0), BridgeInput::Msg(1)]
        ));
    }

    #[test]
    fn a_durable_value_no_input_reaches_is_no_bridge() {
        let (protocol, start) = acceptor();
        let found = search(
            &protocol,
            NodeId::node(0),
            &start,
            &[(NodeId::node(1), prepare(3))],
            Some(42),
            Limits::default(),
        );
        assert!(found.bridge.is_none() && found.explored > 0);
    }
}
