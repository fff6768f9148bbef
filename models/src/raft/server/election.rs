//! Leader election (§5.2) with the election restriction (§5.4.1).
//!
//! - An election timeout makes a follower (or a candidate whose election stalled) a candidate
//!   of the next term: it votes for itself, persists, and asks every peer for its vote. The
//!   timeout is randomized by the range it is armed with ([`ELECTION_TIMEOUT`]); in the model any
//!   armed timer may fire at any moment, so every outcome of that randomization is explored.
//!   Terms stop at [`RaftServer::max_term`], the model's bound.
//! - A server grants its vote if the request's term is its current term, it has not voted for
//!   another candidate in that term, and the candidate's log is at least as up-to-date as its
//!   own (§5.4.1: a later last term, or the same last term and at least as long). The bug
//!   `vote-without-log-check` skips the last condition.
//! - A candidate with votes from a majority becomes leader and sends every follower an initial
//!   `append_entries` (Figure 2, "Upon election").

use super::{RaftServer, Role, ServerState, Step, HEARTBEAT};
use crate::protocol::NodeId;
use crate::raft::{Index, Progress, RaftMsg, Term, Timer};

impl RaftServer {
    /// Figure 2, followers and candidates: "If election timeout elapses … convert to candidate"
    /// and start an election: increment `currentTerm`, vote for self, send RequestVote to all
    /// other servers, and re-arm the timer in case the vote splits.
    pub(super) fn on_election_timeout(&self, state: &mut ServerState, step: &mut Step) {
        if state.is_leader() {
            return;
        }
        if state.current_term >= self.max_term {
            // The model's bound: no more elections. Re-arming makes the firing a no-op the
            // checker prunes (a timer that fires and stays disarmed would be a new state).
            self.arm_election_timer(step);
            return;
        }
        state.current_term += 1;
        state.voted_for = Some(step.me);
        step.persist();
        state.role = Role::Candidate {
            votes: [step.me].into_iter().collect(),
        };
        self.arm_election_timer(step);
        let request = RaftMsg::RequestVote {
            term: state.current_term,
            last_log_index: state.last_log_index(),
            last_log_term: state.last_log_term(),
        };
        for peer in self.peers(step.me) {
            step.send(peer, request.clone());
        }
        self.count_votes(state, step);
    }

    /// Figure 2, RequestVote receiver: reply false if `term < currentTerm`; grant if `votedFor`
    /// is null or the candidate, and the candidate's log is at least as up-to-date (§5.4.1).
    pub(super) fn on_request_vote(
        &self,
        state: &mut ServerState,
        candidate: NodeId,
        term: Term,
        (last_log_index, last_log_term): (Index, Term),
        step: &mut Step,
    ) {
        self.observe_term(state, term, step);
        let up_to_date = last_log_term > state.last_log_term()
            || (last_log_term == state.last_log_term() && last_log_index >= state.last_log_index());
        let grant = term == state.current_term
            && state.voted_for.is_none_or(|v| v == candidate)
            && (up_to_date || self.vote_without_log_check);
        if !grant {
            return;
        }
        if state.voted_for.is_none() {
            state.voted_for = Some(candidate);
            step.persist();
        }
        // §5.2: a server that grants its vote waits a full timeout before campaigning.
        self.arm_election_timer(step);
        step.send(
            candidate,
            RaftMsg::RequestVoteRes {
                term: state.current_term,
                vote_granted: true,
            },
        );
    }

    /// Figure 2, candidates: "If votes received from majority of servers: become leader". A
    /// result from an earlier term, or a refusal, changes nothing.
    pub(super) fn on_request_vote_res(
        &self,
        state: &mut ServerState,
        voter: NodeId,
        term: Term,
        vote_granted: bool,
        step: &mut Step,
    ) {
        self.observe_term(state, term, step);
        if term != state.current_term || !vote_granted {
            return;
        }
        if let Role::Candidate { votes } = &mut state.role {
            votes.insert(voter);
            self.count_votes(state, step);
        }
    }

    fn count_votes(&self, state: &mut ServerState, step: &mut Step) {
        let Role::Candidate { votes } = &state.role else {
            return;
        };
        if self.is_majority(votes.len()) {
            self.become_leader(state, step);
        }
    }

    /// Figure 2, leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
    /// each server"; `nextIndex` starts just past the leader's last entry, `matchIndex` at 0.
    fn become_leader(&self, state: &mut ServerState, step: &mut Step) {
        let next_index = state.last_log_index() + 1;
        let followers = self
            .peers(step.me)
            .map(|peer| {
                let progress = Progress {
                    next_index,
                    match_index: 0,
                    in_flight: false,
                    waited: 0,
                };
                (peer, progress)
            })
            .collect();
        state.role = Role::Leader { followers };
        step.out.cancel_timer(Timer::Election);
        if self.heartbeats {
            step.out.set_timer(Timer::Heartbeat, HEARTBEAT);
        }
        // With an empty log there is nothing to probe for; the first client entry (or, on real
        // hosts, the first heartbeat) announces the leader.
        if self.heartbeats || !state.log.is_empty() {
            for peer in self.peers(step.me) {
                self.send_append_entries(state, peer, step);
            }
        }
        // A single-server cluster commits on its own.
        self.advance_commit_index(state, step);
    }
}
