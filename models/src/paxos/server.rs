//! [`PaxosServer`]: acceptor, proposer and learner of single-decree Paxos, serving a write-once
//! register to `lin-kv` clients.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Ballot, Durable, Msg, PaxosMsg, Timer, Vote};
use crate::maelstrom::{ErrorCode, KvBody};
use crate::protocol::{Effects, NodeId, NodeSet, Protocol};

/// A Paxos server. The configuration is fixed; everything that changes is in [`ServerState`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PaxosServer {
    /// The cluster size (nodes `n0 … n{servers-1}`).
    pub servers: usize,
    /// A value this server proposes on its own when its `Propose` timer fires (single-decree
    /// proposers); `None` for servers that only propose what clients write.
    pub proposal: Option<u64>,
    /// How many ballots this server may start (the first, then retries on its timer).
    pub rounds: u32,
    /// The `ignore-promise` bug: accept ballots lower than the one promised.
    pub ignore_promise: bool,
}

/// A server's volatile state (the acceptor part is also persisted as [`Durable`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ServerState {
    /// Acceptor: the highest ballot promised.
    pub promised: Option<Ballot>,
    /// Acceptor: the latest vote cast.
    pub accepted: Option<Vote>,
    /// Proposer: the ballot in progress.
    pub proposer: Option<Proposer>,
    /// Proposer: ballots started so far (bounded by `rounds`).
    pub ballots_started: u32,
    /// Learner: the chosen value, once learned.
    pub decided: Option<u64>,
    /// Register: client writes waiting for the decision, `(client, msg_id, value)`.
    pub waiting: Vec<(NodeId, u64, u64)>,
}

/// A ballot this server is driving.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Proposer {
    /// The ballot.
    pub ballot: Ballot,
    /// The value this server would like chosen (its own, or a client's).
    pub candidate: u64,
    /// The phase.
    pub phase: Phase,
}

/// A proposer's phase.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Phase 1: collecting promises and the highest vote among them.
    Preparing {
        /// Who promised.
        promises: NodeSet,
        /// The highest-numbered vote reported by a promise.
        highest: Option<Vote>,
    },
    /// Phase 2: collecting votes for `value`.
    Accepting {
        /// The value proposed (the highest vote's, or the candidate).
        value: u64,
        /// Who voted.
        accepts: NodeSet,
    },
}

const RETRY: std::ops::Range<Duration> = Duration::from_millis(100)..Duration::from_millis(300);

impl PaxosServer {
    /// Acceptor, phase 1(b) of §2.2: if `ballot` is higher than any prepare answered so far,
    /// promise it (persisted first) and report the highest-numbered vote cast. Returns that vote,
    /// or `None` when the prepare is ignored.
    fn prepare(
        &self,
        state: &mut ServerState,
        ballot: Ballot,
        out: &mut Effects<Self>,
    ) -> Option<Option<Vote>> {
        if state.promised.is_some_and(|p| p >= ballot) {
            return None;
        }
        state.promised = Some(ballot);
        self.persist(state, out);
        Some(state.accepted)
    }

    /// Acceptor, phase 2(b) of §2.2, under P1a: accept unless a prepare with a higher ballot was
    /// answered. With the `ignore-promise` bug, accept anyway.
    fn accept(
        &self,
        state: &mut ServerState,
        ballot: Ballot,
        value: u64,
        out: &mut Effects<Self>,
    ) -> bool {
        if !self.ignore_promise && state.promised.is_some_and(|p| p > ballot) {
            return false;
        }
        state.promised = state.promised.max(Some(ballot));
        state.accepted = Some(Vote { ballot, value });
        self.persist(state, out);
        true
    }

    fn persist(&self, state: &ServerState, out: &mut Effects<Self>) {
        out.persist(Durable {
            promised: state.promised,
            accepted: state.accepted,
        });
    }

    /// Proposer: start a ballot higher than any this server has seen, for `candidate`.
    fn start_ballot(
        &self,
        me: NodeId,
        state: &mut ServerState,
        candidate: u64,
        out: &mut Effects<Self>,
    ) {
        let seen = state.promised.map_or(0, |b| b.round);
        let own = state.proposer.as_ref().map_or(0, |p| p.ballot.round);
        let ballot = Ballot {
            round: seen.max(own) + 1,
            node: me,
        };
        state.ballots_started += 1;
        state.proposer = Some(Proposer {
            ballot,
            candidate,
            phase: Phase::Preparing {
                promises: NodeSet::new(),
                highest: None,
            },
        });
        if state.ballots_started < self.rounds {
            out.set_timer(Timer::Propose, RETRY);
        }
        out.broadcast(me.peers(self.servers), &PaxosMsg::Prepare { ballot }.into());
        if let Some(accepted) = self.prepare(state, ballot, out) {
            self.on_promise(me, state, me, ballot, accepted, out);
        }
    }

    /// Proposer, phase 1 → 2: on a majority of promises, propose the highest vote's value.
    fn on_promise(
        &self,
        me: NodeId,
        state: &mut ServerState,
        from: NodeId,
        ballot: Ballot,
        vote: Option<Vote>,
        out: &mut Effects<Self>,
    ) {
        let Some(proposer) = state.proposer.as_mut().filter(|p| p.ballot == ballot) else {
            return;
        };
        let Phase::Preparing { promises, highest } = &mut proposer.phase else {
            return;
        };
        promises.insert(from);
        *highest = (*highest).max(vote);
        if !promises.is_majority_of(self.servers) {
            return;
        }
        let value = highest.map_or(proposer.candidate, |v| v.value);
        proposer.phase = Phase::Accepting {
            value,
            accepts: NodeSet::new(),
        };
        out.broadcast(
            me.peers(self.servers),
            &PaxosMsg::Accept { ballot, value }.into(),
        );
        if self.accept(state, ballot, value, out) {
            self.on_accepted(me, state, me, ballot, out);
        }
    }

    /// Proposer as distinguished learner (§2.3): on a majority of votes, the value is chosen.
    fn on_accepted(
        &self,
        me: NodeId,
        state: &mut ServerState,
        from: NodeId,
        ballot: Ballot,
        out: &mut Effects<Self>,
    ) {
        let Some(proposer) = state.proposer.as_mut().filter(|p| p.ballot == ballot) else {
            return;
        };
        let Phase::Accepting { value, accepts } = &mut proposer.phase else {
            return;
        };
        accepts.insert(from);
        if !accepts.is_majority_of(self.servers) {
            return;
        }
        let value = *value;
        state.proposer = None;
        out.broadcast(me.peers(self.servers), &PaxosMsg::Decided { value }.into());
        self.learn(state, value, out);
    }

    /// Learner: remember the chosen value (the first one learned) and answer waiting writes.
    fn learn(&self, state: &mut ServerState, value: u64, out: &mut Effects<Self>) {
        if state.decided.is_some() {
            return;
        }
        state.decided = Some(value);
        out.cancel_timer(Timer::Propose);
        for (client, msg_id, written) in std::mem::take(&mut state.waiting) {
            out.send(client, write_reply(msg_id, written, value).into());
        }
    }

    /// Register front end: `write` proposes the value; `read` answers once decided; `cas` is
    /// not supported (error 10).
    fn on_client(
        &self,
        me: NodeId,
        state: &mut ServerState,
        client: NodeId,
        body: KvBody,
        out: &mut Effects<Self>,
    ) {
        let reply = match (body, state.decided) {
            (KvBody::Write { msg_id, value, .. }, Some(decided)) => {
                write_reply(msg_id, value, decided)
            }
            (KvBody::Write { msg_id, value, .. }, None) => {
                state.waiting.push((client, msg_id, value));
                if state.proposer.is_none() && state.ballots_started < self.rounds {
                    self.start_ballot(me, state, value, out);
                }
                return;
            }
            (KvBody::Read { msg_id, .. }, Some(decided)) => KvBody::ReadOk {
                in_reply_to: msg_id,
                value: Some(decided),
            },
            // Not learned yet: no answer. In the model the request stays deliverable (a no-op
            // delivery is not a transition) until the server learns; a real client times out.
            (KvBody::Read { .. }, None) => return,
            (KvBody::Cas { msg_id, .. }, _) => KvBody::Error {
                in_reply_to: msg_id,
                code: ErrorCode::Other(10),
            },
            _ => return,
        };
        out.send(client, reply.into());
    }
}

/// `write_ok` if the write's value is the chosen one, else `precondition-failed`: the register
/// is write-once and holds another value.
fn write_reply(msg_id: u64, written: u64, decided: u64) -> KvBody {
    if written == decided {
        KvBody::WriteOk {
            in_reply_to: msg_id,
        }
    } else {
        KvBody::Error {
            in_reply_to: msg_id,
            code: ErrorCode::PreconditionFailed,
        }
    }
}

impl Protocol for PaxosServer {
    type Msg = Msg;
    type State = ServerState;
    type Timer = Timer;
    type Durable = Durable;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&Durable>,
        out: &mut Effects<Self>,
    ) -> ServerState {
        let durable = recovered.copied().unwrap_or_default();
        if self.proposal.is_some() && self.rounds > 0 {
            out.set_timer(Timer::Propose, RETRY);
        }
        ServerState {
            promised: durable.promised,
            accepted: durable.accepted,
            ..ServerState::default()
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut ServerState,
        from: NodeId,
        msg: Msg,
        out: &mut Effects<Self>,
    ) {
        match msg {
            Msg::Kv(body) => self.on_client(me, state, from, body, out),
            Msg::Paxos(PaxosMsg::Prepare { ballot }) => {
                if let Some(accepted) = self.prepare(state, ballot, out) {
                    out.send(from, PaxosMsg::Promise { ballot, accepted }.into());
                }
            }
            Msg::Paxos(PaxosMsg::Promise { ballot, accepted }) => {
                self.on_promise(me, state, from, ballot, accepted, out)
            }
            Msg::Paxos(PaxosMsg::Accept { ballot, value }) => {
                if self.accept(state, ballot, value, out) {
                    out.send(from, PaxosMsg::Accepted { ballot, value }.into());
                }
            }
            Msg::Paxos(PaxosMsg::Accepted { ballot, .. }) => {
                self.on_accepted(me, state, from, ballot, out)
            }
            Msg::Paxos(PaxosMsg::Decided { value }) => self.learn(state, value, out),
        }
    }

    fn on_timer(&self, me: NodeId, state: &mut ServerState, timer: Timer, out: &mut Effects<Self>) {
        match timer {
            Timer::Propose => {
                let candidate = self.proposal.or_else(|| state.waiting.first().map(|w| w.2));
                if let (None, Some(candidate)) = (state.decided, candidate) {
                    if state.ballots_started < self.rounds {
                        self.start_ballot(me, state, candidate, out);
                    }
                }
            }
        }
    }

    fn role(&self) -> &'static str {
        "paxos server"
    }
}

#[cfg(test)]
mod tests;
