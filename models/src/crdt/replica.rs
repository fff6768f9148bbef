//! [`Replica`]: a CRDT replica as a protocol node: scripted updates, periodic gossip, merge on
//! receipt.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::time::Duration;

use super::{Crdt, Gossip, ReplicaTimer, UpdateId};
use crate::protocol::{Effects, NodeId, Protocol};

/// Replica `n{i}` of `replicas`: performs `updates` scripted updates (whenever its update timer
/// fires) and sends its whole state to every peer whenever its gossip timer fires. With
/// `sum_merge`, it merges with the bug variant [`super::SUM_MERGE`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Replica<C> {
    /// How many replicas there are.
    pub replicas: usize,
    /// Scripted updates per replica.
    pub updates: u32,
    /// The bug variant.
    pub sum_merge: bool,
    crdt: PhantomData<fn() -> C>,
}

impl<C> Clone for Replica<C> {
    fn clone(&self) -> Self {
        Replica {
            crdt: PhantomData,
            ..*self
        }
    }
}

impl<C: Crdt> Replica<C> {
    /// A replica of `replicas` doing `updates` updates.
    pub fn new(replicas: usize, updates: u32, sum_merge: bool) -> Self {
        Replica {
            replicas,
            updates,
            sum_merge,
            crdt: PhantomData,
        }
    }
}

/// A replica's state: the CRDT, and ghost data for the properties.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplicaState<C: Crdt> {
    /// The CRDT state.
    pub crdt: C,
    /// Ghost: every update applied here, directly or through a merge.
    pub applied: BTreeSet<UpdateId>,
    /// Ghost: the updates this replica issued, in order (update `seq` is `issued[seq]`).
    pub issued: Vec<C::Op>,
}

const UPDATE_EVERY: std::ops::Range<Duration> =
    Duration::from_millis(10)..Duration::from_millis(100);
const GOSSIP_EVERY: std::ops::Range<Duration> =
    Duration::from_millis(100)..Duration::from_millis(200);

impl<C: Crdt> Protocol for Replica<C> {
    type Msg = Gossip<C>;
    type State = ReplicaState<C>;
    type Timer = ReplicaTimer;
    type Durable = ();

    fn on_start(
        &self,
        _me: NodeId,
        _recovered: Option<&()>,
        out: &mut Effects<Self>,
    ) -> Self::State {
        if self.updates > 0 {
            out.set_timer(ReplicaTimer::Update, UPDATE_EVERY);
        }
        out.set_timer(ReplicaTimer::Gossip, GOSSIP_EVERY);
        ReplicaState {
            crdt: C::initial(self.replicas),
            applied: BTreeSet::new(),
            issued: Vec::new(),
        }
    }

    fn on_msg(
        &self,
        _me: NodeId,
        state: &mut Self::State,
        _from: NodeId,
        msg: Gossip<C>,
        _out: &mut Effects<Self>,
    ) {
        let Gossip::Gossip {
            state: theirs,
            applied,
        } = msg;
        if self.sum_merge {
            state.crdt.sum_merge(&theirs);
        } else {
            state.crdt.merge(&theirs);
        }
        state.applied.extend(applied);
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        timer: ReplicaTimer,
        out: &mut Effects<Self>,
    ) {
        match timer {
            ReplicaTimer::Update => {
                let seq = state.issued.len() as u32;
                if seq >= self.updates {
                    return;
                }
                let op = state.crdt.update(me.index(), seq);
                state.issued.push(op);
                state.applied.insert(UpdateId {
                    replica: me.index() as u32,
                    seq,
                });
                if seq + 1 < self.updates {
                    out.set_timer(ReplicaTimer::Update, UPDATE_EVERY);
                }
            }
            ReplicaTimer::Gossip => {
                out.broadcast(
                    me.peers(self.replicas),
                    &Gossip::Gossip {
                        state: state.crdt.clone(),
                        applied: state.applied.clone(),
                    },
                );
                out.set_timer(ReplicaTimer::Gossip, GOSSIP_EVERY);
            }
        }
    }

    fn role(&self) -> &'static str {
        "replica"
    }
}
