//! [`Lift`] for the deployed CRDT replicas: [`CrdtNode`] onto the `g-counter`, `pn-counter` and
//! `or-set` specs (one view), [`LwwKvNode`] onto `lww-register` (one view per key).
//!
//! The CRDT properties read ghost data a deployed replica does not keep — which updates it has
//! applied, which it issued — so the judge keeps it here ([`CrdtGhost`]): an update is issued
//! where a client's add (or write) lands, as the `seq`-th update of that replica (counted across
//! restarts, so a restarted replica never reuses an id); a gossip message carries its sender's
//! applied set as of the send, and the receiver applies it with the merge. A restarted
//! replica's ghost is what it was when the replica last persisted (its durable CRDT state is
//! what it merged by then).

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Crdt, CrdtMsg, CrdtNode, CrdtSpec, Gossip, LwwKvGossip, LwwKvMsg, LwwKvNode, LwwRegister,
    ReplicaState, ServedCrdt, UpdateId, SUM_MERGE,
};
use crate::lift::{Cluster, Lift, Touch};
use crate::maelstrom::KvBody;
use crate::protocol::NodeId;
use crate::ModelError;

/// Ghost data of one replica (of one key, for [`LwwKvNode`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrdtGhost<C: Crdt> {
    /// Every update applied here, directly or through a merge.
    pub applied: BTreeSet<UpdateId>,
    /// The updates this replica issued, across restarts (update `seq` is `issued[seq]`).
    pub issued: Vec<C::Op>,
    /// How many of the current incarnation's `ReplicaState::issued` were seen.
    seen: usize,
}

impl<C: Crdt> Default for CrdtGhost<C> {
    fn default() -> Self {
        CrdtGhost {
            applied: BTreeSet::new(),
            issued: Vec::new(),
            seen: 0,
        }
    }
}

impl<C: Crdt> CrdtGhost<C> {
    fn issue(&mut self, me: NodeId, op: C::Op) {
        self.issued.push(op);
        self.applied.insert(UpdateId {
            replica: me.index() as u32,
            seq: self.issued.len() as u32 - 1,
        });
    }

    fn lift(&self, crdt: C) -> ReplicaState<C> {
        ReplicaState {
            crdt,
            applied: self.applied.clone(),
            issued: self.issued.clone(),
        }
    }
}

impl<C: ServedCrdt> Lift for CrdtNode<C> {
    type Spec = CrdtSpec<C>;
    type Ghost = CrdtGhost<C>;

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<CrdtSpec<C>, ModelError> {
        Ok(CrdtSpec::deployed(
            cluster.nodes.len(),
            cluster.bug.as_deref() == Some(SUM_MERGE),
        ))
    }

    fn lift(state: &ReplicaState<C>, ghost: &CrdtGhost<C>, _view: u64) -> ReplicaState<C> {
        ghost.lift(state.crdt.clone())
    }

    fn on_step(
        me: NodeId,
        ghost: &mut CrdtGhost<C>,
        state: &ReplicaState<C>,
        _touch: &Touch<'_, Self>,
    ) {
        for op in state.issued.iter().skip(ghost.seen) {
            ghost.issue(me, op.clone());
        }
        ghost.seen = state.issued.len();
    }

    fn carry(ghost: &CrdtGhost<C>, msg: &CrdtMsg<C>) -> Option<CrdtGhost<C>> {
        matches!(msg, CrdtMsg::Gossip(_)).then(|| ghost.clone())
    }

    fn on_deliver(ghost: &mut CrdtGhost<C>, carried: &CrdtGhost<C>, msg: &CrdtMsg<C>) {
        if let CrdtMsg::Gossip(Gossip::Gossip { .. }) = msg {
            ghost.applied.extend(carried.applied.iter().copied());
        }
    }

    fn on_restart(ghost: &mut CrdtGhost<C>) {
        ghost.seen = 0;
    }
}

/// Ghost data of an [`LwwKvNode`] replica: one [`CrdtGhost`] per key.
pub type LwwKvGhost = BTreeMap<u64, CrdtGhost<LwwRegister>>;

fn touched_key(msg: &LwwKvMsg) -> Vec<u64> {
    match msg {
        LwwKvMsg::Kv(KvBody::Write { key, .. } | KvBody::Read { key, .. }) => vec![*key],
        LwwKvMsg::Gossip(LwwKvGossip::LwwGossip { registers }) => {
            registers.iter().map(|(key, _)| *key).collect()
        }
        LwwKvMsg::Kv(_) => Vec::new(),
    }
}

impl Lift for LwwKvNode {
    type Spec = CrdtSpec<LwwRegister>;
    type Ghost = LwwKvGhost;
    const KEYED: bool = true;

    fn spec(cluster: &Cluster<Self>, _view: u64) -> Result<CrdtSpec<LwwRegister>, ModelError> {
        Ok(CrdtSpec::deployed(cluster.nodes.len(), false))
    }

    fn views(state: &BTreeMap<u64, LwwRegister>, touch: &Touch<'_, Self>) -> Vec<u64> {
        match touch {
            Touch::Start => state.keys().copied().collect(),
            Touch::Msg(msg) => touched_key(msg),
            Touch::Timer(_) => Vec::new(),
        }
    }

    fn lift(
        state: &BTreeMap<u64, LwwRegister>,
        ghost: &LwwKvGhost,
        key: u64,
    ) -> ReplicaState<LwwRegister> {
        let register = state.get(&key).cloned().unwrap_or(LwwRegister(None));
        match ghost.get(&key) {
            Some(g) => g.lift(register),
            None => CrdtGhost::default().lift(register),
        }
    }

    fn on_step(
        me: NodeId,
        ghost: &mut LwwKvGhost,
        state: &BTreeMap<u64, LwwRegister>,
        touch: &Touch<'_, Self>,
    ) {
        if let Touch::Msg(LwwKvMsg::Kv(KvBody::Write { key, .. })) = touch {
            if let Some(write) = state.get(key).and_then(|r| r.0) {
                ghost.entry(*key).or_default().issue(me, write);
            }
        }
    }

    fn carry(ghost: &LwwKvGhost, msg: &LwwKvMsg) -> Option<LwwKvGhost> {
        matches!(msg, LwwKvMsg::Gossip(_)).then(|| ghost.clone())
    }

    fn on_deliver(ghost: &mut LwwKvGhost, carried: &LwwKvGhost, msg: &LwwKvMsg) {
        for key in touched_key(msg) {
            if let (LwwKvMsg::Gossip(_), Some(theirs)) = (msg, carried.get(&key)) {
                ghost
                    .entry(key)
                    .or_default()
                    .applied
                    .extend(theirs.applied.iter().copied());
            }
        }
    }
}
