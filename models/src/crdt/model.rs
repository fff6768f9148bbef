//! [`CrdtSpec`]: the four CRDT specs and their properties.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `convergence` | always | Shapiro et al. (2011), §2.1, Definition 2.2 (strong eventual consistency, "strong convergence"): replicas that have delivered the same updates have equivalent state — here, the same value |
//! | `value correctness` | always | ibid., §2.2: each replica's value is the type's sequential specification applied to the updates it has delivered (a counter equals the sum of its applied increments) |
//! | `merge laws` | always | ibid., §2.2, Definition 2.3: merge computes the least upper bound, so it is commutative, associative and idempotent — checked over the replica states of every model state |
//! | `replicas disagree` | sometimes | reachability: two replicas show different values, so `convergence` is tested |
//! | `every update everywhere` | sometimes | reachability: every replica has applied every update |

use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::{merge_law_violation, Crdt, Replica, ReplicaState, UpdateId, SUM_MERGE};
use crate::spec::{BugInfo, NetworkKind, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{System, SystemState, Topology};
use crate::ModelError;

const SHAPIRO: &str = "Shapiro, Preguiça, Baquero, Zawirski, \"Conflict-free Replicated Data \
                       Types\" (SSS 2011)";

/// Bounds the model when a buggy merge inflates states without end.
const MAX_MAGNITUDE: u64 = 64;

/// `servers` replicas of `C`, each doing `updates` scripted updates and gossiping its state over
/// a duplicating, unordered network.
#[derive(Debug)]
pub struct CrdtSpec<C> {
    replicas: usize,
    updates: u32,
    sum_merge: bool,
    crdt: PhantomData<fn() -> C>,
}

fn replicas<'a, C: Crdt>(
    system: &System<CrdtSpec<C>>,
    state: &'a SystemState<CrdtSpec<C>>,
) -> impl Iterator<Item = &'a ReplicaState<C>> + 'a {
    system.states(state).map(|(_, s)| s)
}

/// The value each replica must show: the sequential specification over its applied updates,
/// looked up in the issuers' ghost logs.
fn expected_values<C: Crdt>(
    system: &System<CrdtSpec<C>>,
    state: &SystemState<CrdtSpec<C>>,
) -> Vec<C::Value> {
    let issued: BTreeMap<UpdateId, &C::Op> = system
        .states(state)
        .flat_map(|(node, s)| {
            s.issued.iter().enumerate().map(move |(seq, op)| {
                let id = UpdateId {
                    replica: node.index() as u32,
                    seq: seq as u32,
                };
                (id, op)
            })
        })
        .collect();
    replicas(system, state)
        .map(|r| {
            let ops: Vec<&C::Op> = r.applied.iter().map(|id| issued[id]).collect();
            C::expected(system.spec().replicas, &ops)
        })
        .collect()
}

fn convergence<C: Crdt>() -> SpecProperty<CrdtSpec<C>> {
    SpecProperty::always(
        "convergence",
        "replicas that have applied the same updates show the same value",
        "Shapiro et al. (SSS 2011), §2.1, Definition 2.2: strong convergence",
        |system, state| {
            let all: Vec<&ReplicaState<C>> = replicas(system, state).collect();
            all.iter().all(|a| {
                all.iter()
                    .all(|b| a.applied != b.applied || a.crdt.value() == b.crdt.value())
            })
        },
    )
}

fn value_correctness<C: Crdt>() -> SpecProperty<CrdtSpec<C>> {
    SpecProperty::always(
        "value correctness",
        "each replica's value is what its applied updates specify (a counter: their sum)",
        "Shapiro et al. (SSS 2011), §2.2, and the type's specification in INRIA RR-7506",
        |system, state| {
            replicas(system, state)
                .zip(expected_values(system, state))
                .all(|(r, expected)| r.crdt.value() == expected)
        },
    )
}

fn merge_laws<C: Crdt>() -> SpecProperty<CrdtSpec<C>> {
    SpecProperty::always(
        "merge laws",
        "merge is commutative, associative and idempotent over the replicas' states",
        "Shapiro et al. (SSS 2011), §2.2, Definition 2.3 (merge is the least upper bound)",
        |system, state| {
            let states: Vec<C> = replicas(system, state).map(|r| r.crdt.clone()).collect();
            let merge: fn(&mut C, &C) = if system.spec().sum_merge {
                C::sum_merge
            } else {
                C::merge
            };
            merge_law_violation(&states, merge).is_none()
        },
    )
}

fn replicas_disagree<C: Crdt>() -> SpecProperty<CrdtSpec<C>> {
    SpecProperty::sometimes(
        "replicas disagree",
        "two replicas show different values",
        SHAPIRO,
        |system, state| {
            let mut values = replicas(system, state).map(|r| r.crdt.value());
            let first = values.next();
            values.any(|v| Some(v) != first)
        },
    )
}

fn every_update_everywhere<C: Crdt>() -> SpecProperty<CrdtSpec<C>> {
    SpecProperty::sometimes(
        "every update everywhere",
        "every replica has applied every update",
        SHAPIRO,
        |system, state| {
            let spec = system.spec();
            let total = spec.replicas * spec.updates as usize;
            replicas(system, state).all(|r| r.applied.len() == total)
        },
    )
}

impl<C: Crdt> CrdtSpec<C> {
    /// The spec judging `replicas` deployed replicas (`splitbrain validate`): their updates
    /// come from clients, not scripts (so `every update everywhere`, which counts scripted
    /// updates, is never reached).
    pub(crate) fn deployed(replicas: usize, sum_merge: bool) -> CrdtSpec<C> {
        CrdtSpec {
            replicas,
            updates: u32::MAX,
            sum_merge,
            crdt: PhantomData,
        }
    }
}

impl<C: Crdt> Spec for CrdtSpec<C> {
    type Node = Replica<C>;

    const NAME: &'static str = C::SPEC_NAME;
    const DESCRIPTION: &'static str = C::DESCRIPTION;

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "replicas", 2, 2, 4),
            ParameterInfo::new("updates", "scripted updates per replica", 2, 1, 4),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        if !C::HAS_SUM_MERGE {
            return Vec::new();
        }
        vec![BugInfo {
            name: SUM_MERGE,
            description: "merge adds the other replica's entries instead of taking the maximum \
                          (not idempotent: a duplicated gossip counts twice)",
            violates: "convergence",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            convergence(),
            value_correctness(),
            merge_laws(),
            replicas_disagree(),
            every_update_everywhere(),
        ]
    }

    fn default_network() -> NetworkKind {
        NetworkKind::Duplicating
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(CrdtSpec {
            replicas: config.count("servers"),
            updates: config.get("updates") as u32,
            sum_merge: config.bug() == Some(SUM_MERGE),
            crdt: PhantomData,
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.replicas, 0)
    }

    fn nodes(&self) -> Vec<Replica<C>> {
        (0..self.replicas)
            .map(|_| Replica::new(self.replicas, self.updates, self.sum_merge))
            .collect()
    }

    /// Bounds what a buggy merge could inflate without end, and the copies of gossip a
    /// non-duplicating network would pile up (a duplicating network holds each message once).
    fn within_boundary(&self, system: &System<Self>, state: &SystemState<Self>) -> bool {
        replicas(system, state).all(|r| r.crdt.magnitude() <= MAX_MAGNITUDE)
            && system.messages(state).count() <= 2 * self.replicas * self.replicas
    }
}
