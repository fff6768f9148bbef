//! Failover: a backup that stops hearing from its primary starts a new epoch; a majority joins
//! it and it becomes primary with the most recent log among theirs (Liskov & Cowling,
//! "Viewstamped Replication Revisited", 2012, §4.2, view change).
//!
//! - The failover timer of a backup (or of a candidate whose epoch stalled) fires: it joins the
//!   next epoch it leads (`e' > epoch` with `e' mod servers` its own index), persists, and asks
//!   every server to join (`new_epoch`). Epochs stop at [`PbServer::max_epoch`], the model's
//!   bound.
//! - A server asked to join a later epoch joins (persisting it before it answers, so it can
//!   never again accept the old epoch's `replicate`) and answers `epoch_ok` with its log and
//!   the epoch that log was installed in. Asked for an earlier epoch, it answers `stale`.
//! - With a majority joined, the candidate takes the log with the highest normal epoch, then
//!   the longest (every entry committed in an earlier epoch is in it: the majority that
//!   committed it and the majority that joined share a server), installs it in the new epoch,
//!   and `sync`s it to every backup.
//!
//! With `no-epoch` the old primary ignores `new_epoch` (and every other sign of a later epoch):
//! the failover still happens, and then there are two primaries.

use std::collections::BTreeMap;

use super::{PbServer, PbState, Role, Step, FAILOVER_TIMEOUT, HEARTBEAT};
use crate::primary_backup::{Entry, Epoch, PbMsg, Timer};
use crate::protocol::NodeId;

impl PbServer {
    /// The next epoch after `epoch` that `me` leads.
    fn next_epoch_led_by(&self, me: NodeId, epoch: Epoch) -> Epoch {
        let n = self.servers as u64;
        let mine = me.index() as u64;
        let candidate = epoch - epoch % n + mine;
        if candidate > epoch {
            candidate
        } else {
            candidate + n
        }
    }

    /// The failover timer fired: start the next epoch this server leads.
    pub(super) fn on_failover_timeout(&self, state: &mut PbState, step: &mut Step) {
        if state.is_primary() {
            return;
        }
        let epoch = self.next_epoch_led_by(step.me, state.epoch);
        // The model's bound: no more epochs. Re-arming makes the firing a no-op the checker
        // prunes.
        step.out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
        if epoch > self.max_epoch {
            return;
        }
        state.epoch = epoch;
        step.persist();
        state.role = Role::Candidate {
            joined: [step.me].into_iter().collect(),
            best: (state.normal_epoch, state.log.clone()),
        };
        for peer in self.peers(step.me) {
            step.send(peer, PbMsg::NewEpoch { epoch });
        }
        self.count_joined(state, step);
    }

    /// `new_epoch`: join a later epoch and send the log; refuse an earlier one.
    pub(super) fn on_new_epoch(
        &self,
        state: &mut PbState,
        candidate: NodeId,
        epoch: Epoch,
        step: &mut Step,
    ) {
        if self.no_epoch && state.is_primary() {
            return;
        }
        if epoch < state.epoch {
            step.send(candidate, PbMsg::Stale { epoch: state.epoch });
            return;
        }
        self.observe_epoch(state, epoch, step);
        if epoch == state.epoch && matches!(state.role, Role::Backup) {
            step.out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
            step.send(
                candidate,
                PbMsg::EpochOk {
                    epoch,
                    normal_epoch: state.normal_epoch,
                    log: state.log.clone(),
                },
            );
        }
    }

    /// `epoch_ok`: count the server in, keep the most recent log.
    pub(super) fn on_epoch_ok(
        &self,
        state: &mut PbState,
        from: NodeId,
        epoch: Epoch,
        (normal_epoch, log): (Epoch, Vec<Entry>),
        step: &mut Step,
    ) {
        self.observe_epoch(state, epoch, step);
        if epoch != state.epoch {
            return;
        }
        let Role::Candidate { joined, best } = &mut state.role else {
            return;
        };
        joined.insert(from);
        if (normal_epoch, log.len()) > (best.0, best.1.len()) {
            *best = (normal_epoch, log);
        }
        self.count_joined(state, step);
    }

    /// A candidate joined by a majority becomes primary: it installs the best log in its epoch
    /// and syncs every backup.
    fn count_joined(&self, state: &mut PbState, step: &mut Step) {
        let Role::Candidate { joined, best } = &mut state.role else {
            return;
        };
        if !self.is_majority(joined.len()) {
            return;
        }
        let log = std::mem::take(&mut best.1);
        if state.normal_epoch != best.0 || state.log != log {
            // The committed prefix of the old log is a prefix of the new one; beyond it, the
            // adopted log decides.
            state.commit = state.commit.min(log.len() as u64);
        }
        state.log = log;
        state.normal_epoch = state.epoch;
        step.persist();
        state.role = Role::Primary {
            matched: BTreeMap::new(),
            pending: BTreeMap::new(),
        };
        step.out.cancel_timer(Timer::Failover);
        if self.heartbeats {
            step.out.set_timer(Timer::Heartbeat, HEARTBEAT);
        }
        let sync = PbMsg::Sync {
            epoch: state.epoch,
            log: state.log.clone(),
            commit: state.commit,
        };
        for peer in self.peers(step.me) {
            step.send(peer, sync.clone());
        }
        self.advance_commit(state, step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(servers: usize) -> PbServer {
        PbServer {
            servers,
            max_epoch: Epoch::MAX,
            heartbeats: false,
            no_epoch: false,
            async_ack: false,
        }
    }

    #[test]
    fn the_next_epoch_a_server_leads_is_the_next_one_congruent_to_its_index() {
        let s = server(3);
        assert_eq!(s.next_epoch_led_by(NodeId::node(1), 0), 1);
        assert_eq!(s.next_epoch_led_by(NodeId::node(0), 0), 3);
        assert_eq!(s.next_epoch_led_by(NodeId::node(2), 4), 5);
        assert_eq!(s.next_epoch_led_by(NodeId::node(1), 4), 7);
        for epoch in 0..20 {
            for i in 0..3 {
                let next = s.next_epoch_led_by(NodeId::node(i), epoch);
                assert!(next > epoch && next <= epoch + 3);
                assert_eq!(s.primary_of(next), NodeId::node(i));
            }
        }
    }
}
