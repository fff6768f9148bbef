//! Log replication (§5.3) and the commitment rule (§5.4.2).
//!
//! - The leader keeps a [`Progress`](crate::raft::Progress) per follower and sends
//!   `append_entries` from the follower's `nextIndex` whenever the follower lacks entries and no
//!   request to it is in flight (at most one at a time, so the model's network never holds two
//!   copies of a request and the state space stays finite). On a refusal it steps `nextIndex`
//!   back to the follower's hint and retries. The commit index rides along with the next
//!   request (entries, or a heartbeat on real hosts); it is never sent on its own, which costs
//!   followers nothing but a later apply and the model 3–5× fewer states.
//! - A follower accepts entries only if its log holds an entry at `prev_log_index` with term
//!   `prev_log_term` (the consistency check); a conflicting entry and all that follow it are
//!   deleted, new entries appended, and the commit index raised to
//!   `min(leader_commit, index of the last new entry)`.
//! - The leader commits index N once a majority stores it **and** `log[N].term` is its current
//!   term (§5.4.2); earlier entries are then committed indirectly. The bug `commit-old-term`
//!   drops the term condition: the Figure 8 scenario.
//! - With [`RaftServer::heartbeats`] (real hosts), the `Heartbeat` timer also sends idle
//!   heartbeats and retransmits requests unanswered for [`RETRANSMIT_AFTER_TICKS`] periods.

use std::sync::Arc;

use super::{RaftServer, Role, ServerState, Step, HEARTBEAT, RETRANSMIT_AFTER_TICKS};
use crate::protocol::NodeId;
use crate::raft::{Entry, Index, RaftMsg, Term, Timer};

impl RaftServer {
    /// Sends `append_entries` to `peer` with every entry from its `nextIndex` on, and marks the
    /// request in flight.
    pub(super) fn send_append_entries(
        &self,
        state: &mut ServerState,
        peer: NodeId,
        step: &mut Step,
    ) {
        let ServerState {
            current_term,
            log,
            role,
            commit_index,
            ..
        } = state;
        let Role::Leader { followers } = role else {
            return;
        };
        let Some(progress) = followers.get_mut(&peer) else {
            return;
        };
        let prev_log_index = progress.next_index - 1;
        let prev_log_term = match prev_log_index {
            0 => 0,
            i => log[i as usize - 1].term,
        };
        progress.in_flight = true;
        progress.waited = 0;
        step.send(
            peer,
            RaftMsg::AppendEntries {
                term: *current_term,
                prev_log_index,
                prev_log_term,
                entries: Arc::from(&log[prev_log_index as usize..]),
                leader_commit: *commit_index,
            },
        );
    }

    /// Sends `append_entries` to every follower that lacks entries and has no request in
    /// flight. The commit index travels with the next request (§5.3: "it includes that index in
    /// future AppendEntries RPCs (including heartbeats)"); no request is sent for it alone.
    pub(super) fn replicate(&self, state: &mut ServerState, step: &mut Step) {
        let Role::Leader { followers } = &state.role else {
            return;
        };
        let last = state.last_log_index();
        let behind: Vec<NodeId> = followers
            .iter()
            .filter(|(_, p)| !p.in_flight && p.next_index <= last)
            .map(|(&peer, _)| peer)
            .collect();
        for peer in behind {
            self.send_append_entries(state, peer, step);
        }
    }

    /// Figure 2, AppendEntries receiver: reply false if `term < currentTerm` or the log has no
    /// entry at `prev_log_index` whose term is `prev_log_term`; otherwise delete conflicting
    /// entries, append new ones, and raise the commit index.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_append_entries(
        &self,
        state: &mut ServerState,
        leader: NodeId,
        term: Term,
        (prev_log_index, prev_log_term): (Index, Term),
        entries: Arc<[Entry]>,
        leader_commit: Index,
        step: &mut Step,
    ) {
        self.observe_term(state, term, step);
        if term < state.current_term {
            return;
        }
        // The leader of our term: a candidate gives up (Figure 2, candidates), and the election
        // timer starts over.
        self.become_follower(state, step);
        state.leader = Some(leader);
        self.arm_election_timer(step);
        if state.term_at(prev_log_index) != Some(prev_log_term) {
            let refusal = RaftMsg::AppendEntriesRes {
                term: state.current_term,
                success: false,
                match_index: state.last_log_index().min(prev_log_index - 1),
            };
            step.send(leader, refusal);
            return;
        }
        let last_new = prev_log_index + entries.len() as Index;
        for (index, entry) in (prev_log_index + 1..).zip(entries.iter()) {
            match state.term_at(index) {
                Some(existing) if existing == entry.term => continue,
                Some(_) => state.log.truncate(index as usize - 1),
                None => {}
            }
            state.log.push(entry.clone());
            step.persist();
        }
        if leader_commit > state.commit_index {
            state.commit_index = state.commit_index.max(leader_commit.min(last_new));
            self.apply_committed(state, step);
        }
        let success = RaftMsg::AppendEntriesRes {
            term: state.current_term,
            success: true,
            match_index: last_new,
        };
        step.send(leader, success);
    }

    /// Figure 2, leaders: on success update `nextIndex` and `matchIndex` for the follower and
    /// try to commit; on failure decrement `nextIndex` (to the follower's hint) and retry.
    pub(super) fn on_append_entries_res(
        &self,
        state: &mut ServerState,
        follower: NodeId,
        term: Term,
        success: bool,
        match_index: Index,
        step: &mut Step,
    ) {
        self.observe_term(state, term, step);
        if term != state.current_term {
            return;
        }
        let Role::Leader { followers } = &mut state.role else {
            return;
        };
        let Some(progress) = followers.get_mut(&follower) else {
            return;
        };
        progress.in_flight = false;
        progress.waited = 0;
        if success {
            progress.match_index = progress.match_index.max(match_index);
            progress.next_index = progress.next_index.max(match_index + 1);
            self.advance_commit_index(state, step);
        } else {
            progress.next_index = (progress.next_index - 1).min(match_index + 1).max(1);
        }
        self.replicate(state, step);
    }

    /// Figure 2, leaders: "If there exists an N such that N > commitIndex, a majority of
    /// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N" (§5.3, §5.4.2).
    /// The `commit-old-term` bug leaves out the term condition.
    pub(super) fn advance_commit_index(&self, state: &mut ServerState, step: &mut Step) {
        let Role::Leader { followers } = &state.role else {
            return;
        };
        let committable = (state.commit_index + 1..=state.last_log_index())
            .rev()
            .find(|&n| {
                let own_term = state.term_at(n) == Some(state.current_term);
                let replicas = 1 + followers.values().filter(|p| p.match_index >= n).count();
                (own_term || self.commit_old_term) && self.is_majority(replicas)
            });
        if let Some(n) = committable {
            state.commit_index = n;
            self.apply_committed(state, step);
        }
    }

    /// The leader's heartbeat (real hosts only): an idle follower gets an empty
    /// `append_entries`; a request unanswered for [`RETRANSMIT_AFTER_TICKS`] periods is sent
    /// again.
    pub(super) fn on_heartbeat(&self, state: &mut ServerState, step: &mut Step) {
        if !self.heartbeats {
            return;
        }
        let Role::Leader { followers } = &mut state.role else {
            return;
        };
        step.out.set_timer(Timer::Heartbeat, HEARTBEAT);
        let mut due = Vec::new();
        for (&peer, progress) in followers.iter_mut() {
            if progress.in_flight {
                progress.waited = progress.waited.saturating_add(1);
            }
            if !progress.in_flight || progress.waited >= RETRANSMIT_AFTER_TICKS {
                due.push(peer);
            }
        }
        for peer in due {
            self.send_append_entries(state, peer, step);
        }
    }
}
