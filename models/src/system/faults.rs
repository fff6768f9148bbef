//! Fault injection on top of `ActorModel`: partitions, crash budget, the network's contents.

use stateright::actor::{ActorModelAction, Envelope};

use super::wire::kind_of;
use super::{step, ActionOf, System, SystemAction, SystemState};
use crate::protocol::{NodeId, NodeSet};
use crate::spec::Spec;

/// Whether a partition `side` (the nodes on `n0`'s side) cuts the link between `a` and `b`.
fn cuts(side: NodeSet, a: NodeId, b: NodeId) -> bool {
    !a.is_client() && !b.is_client() && side.contains(a) != side.contains(b)
}

/// The partitions a path may introduce: every split of the nodes in two non-empty sides, named
/// by the side holding `n0`.
fn partitions(nodes: usize) -> impl Iterator<Item = NodeSet> {
    let rest = nodes.saturating_sub(1).min(NodeSet::CAPACITY - 1);
    (0..(1u64 << rest) - 1).map(move |mask| {
        std::iter::once(NodeId::node(0))
            .chain(
                (0..rest)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| NodeId::node(i + 1)),
            )
            .collect()
    })
}

pub(super) fn actions<S: Spec>(
    system: &System<S>,
    state: &SystemState<S>,
    actions: &mut Vec<ActionOf<S>>,
) {
    let topology = system.topology;
    // Deliveries (and drops) dominate; sized once rather than grown by doubling.
    let mut inner = Vec::with_capacity(state.actors.network.len() * 2 + 8);
    step::actions(&system.inner, &state.actors, &mut inner);
    for action in inner {
        let allowed = match &action {
            ActorModelAction::Deliver { src, dst, .. } => state
                .partition()
                .is_none_or(|side| !cuts(side, topology.node_id(*src), topology.node_id(*dst))),
            ActorModelAction::Crash(id) => {
                !topology.node_id(*id).is_client() && state.crashes_used < system.faults.crashes
            }
            _ => true,
        };
        if allowed {
            actions.push(SystemAction::Actor(action));
        }
    }
    match state.partition() {
        Some(_) => actions.push(SystemAction::Heal),
        None if state.partitions_used < system.faults.partitions => {
            actions.extend(partitions(topology.nodes()).map(SystemAction::Partition));
        }
        None => {}
    }
}

pub(super) fn next_state<S: Spec>(
    system: &System<S>,
    state: &SystemState<S>,
    action: ActionOf<S>,
) -> Option<SystemState<S>> {
    match action {
        SystemAction::Actor(action) => {
            let crash = matches!(action, ActorModelAction::Crash(_));
            let actors = step::next_state(&system.inner, &system.pools, &state.actors, action)?;
            Some(SystemState {
                crashes_used: state.crashes_used + u8::from(crash),
                ..state.with_packed(actors)
            })
        }
        SystemAction::Partition(side) => {
            let mut next = SystemState {
                partitions_used: state.partitions_used + 1,
                ..state.clone()
            };
            next.set_partition(Some(side));
            Some(next)
        }
        SystemAction::Heal => {
            let side = state.partition()?;
            let topology = system.topology;
            let lost: Vec<Envelope<_>> = state
                .actors
                .network
                .envelopes()
                .into_iter()
                .filter(|(src, dst, _)| cuts(side, topology.node_id(*src), topology.node_id(*dst)))
                .map(|(src, dst, msg)| Envelope {
                    src,
                    dst,
                    msg: msg.clone(),
                })
                .collect();
            let mut next = state.with_packed(step::without(
                &state.actors,
                kind_of(&system.inner.init_network),
                lost,
            ));
            next.set_partition(None);
            Some(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_of_three_nodes_are_the_three_splits() {
        let splits: Vec<_> = partitions(3).map(|s| format!("{s:?}")).collect();
        assert_eq!(splits, ["{n0}", "{n0, n1}", "{n0, n2}"]);
        assert_eq!(partitions(1).count(), 0);
        assert_eq!(partitions(5).count(), 15);
    }

    #[test]
    fn partitions_cut_node_links_but_never_clients() {
        let side: NodeSet = [NodeId::node(0)].into_iter().collect();
        assert!(cuts(side, NodeId::node(0), NodeId::node(1)));
        assert!(!cuts(side, NodeId::node(1), NodeId::node(2)));
        assert!(!cuts(side, NodeId::client(0), NodeId::node(1)));
    }
}
