//! Epochs and handoffs (Dynamo §4.9: the nodes that no longer own a range hand its keys to the
//! node that now does).
//!
//! - A server learns a longer history from any message that carries one.
//! - It adopts the next epoch only once every handoff of its current epoch has arrived: the keys
//!   it passes on are then the latest ones (a key moving away and back across two quick changes
//!   is never passed on before it arrived).
//! - Adopting epoch `e`, a member of ring `e - 1` sends every member of ring `e` its handoff: the
//!   keys that member owns from now on (possibly none) — and forgets them; a member of ring `e`
//!   awaits the handoff of every other member of ring `e - 1`. A handoff for an epoch not yet
//!   adopted is kept until it is.
//! - After anything that changes the epoch or what is awaited, parked requests are routed again.

use super::RingServer;
use crate::hash_ring::{key_point, Epoch, RingMsg, RingState};
use crate::protocol::{Effects, NodeId, NodeSet};

impl RingServer {
    /// Takes `rings` if it is a longer history than this server's.
    fn take_history(state: &mut RingState, rings: Vec<crate::protocol::NodeSet>) {
        if rings.len() > state.rings.len() && rings.starts_with(&state.rings) {
            state.rings = rings;
        }
    }

    /// A history arrived: take it if longer, and adopt what can be adopted.
    pub(super) fn learn(
        &self,
        me: NodeId,
        state: &mut RingState,
        rings: Vec<NodeSet>,
        out: &mut Effects<Self>,
    ) {
        Self::take_history(state, rings);
        self.settle(me, state, out);
    }

    /// A handoff for `epoch` from `from`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_handoff(
        &self,
        me: NodeId,
        state: &mut RingState,
        from: NodeId,
        epoch: Epoch,
        entries: Vec<(u64, u64)>,
        rings: Vec<NodeSet>,
        out: &mut Effects<Self>,
    ) {
        Self::take_history(state, rings);
        if epoch == state.epoch && state.awaiting.contains(from) {
            absorb(state, from, entries);
        } else if epoch > state.epoch {
            state.early.push((epoch, from, entries));
            state.early.sort();
        }
        self.settle(me, state, out);
    }

    /// Adopts every epoch it can, then routes the parked requests again if the epoch or what
    /// is awaited changed.
    pub(super) fn settle(&self, me: NodeId, state: &mut RingState, out: &mut Effects<Self>) {
        let before = (state.epoch, state.awaiting);
        while state.awaiting.is_empty() && (state.epoch as usize + 1) < state.rings.len() {
            self.adopt_next(me, state, out);
        }
        if (state.epoch, state.awaiting) != before {
            self.retry_parked(me, state, out);
        }
    }

    /// Adopts the epoch after the current one.
    fn adopt_next(&self, me: NodeId, state: &mut RingState, out: &mut Effects<Self>) {
        let epoch = state.epoch + 1;
        let previous = state.rings[epoch as usize - 1];
        let next = state.rings[epoch as usize];
        if previous.contains(me) {
            let ring = self.ring(next);
            for member in next.iter().filter(|&m| m != me) {
                let entries: Vec<(u64, u64)> = state
                    .store
                    .iter()
                    .filter(|&(&k, _)| ring.owner(key_point(k, 0)) == Some(member))
                    .map(|(&k, &v)| (k, v))
                    .collect();
                for (key, _) in &entries {
                    state.store.remove(key);
                }
                let msg = RingMsg::Handoff {
                    epoch,
                    entries,
                    rings: state.rings.clone(),
                };
                out.send(member, msg.into());
            }
        }
        state.epoch = epoch;
        state.awaiting = if next.contains(me) {
            previous.iter().filter(|&m| m != me).collect()
        } else {
            NodeSet::new()
        };
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut state.early)
            .into_iter()
            .partition(|&(e, _, _)| e == epoch);
        state.early = later;
        for (_, from, entries) in now {
            if state.awaiting.contains(from) {
                absorb(state, from, entries);
            }
        }
    }
}

/// `from`'s handoff arrived: its keys are this server's now.
fn absorb(state: &mut RingState, from: NodeId, entries: Vec<(u64, u64)>) {
    state.store.extend(entries);
    state.awaiting = state.awaiting.iter().filter(|&m| m != from).collect();
}
