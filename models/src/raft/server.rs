//! [`RaftServer`]: one Raft server (follower, candidate or leader) with a key-value state
//! machine, as an I/O-free [`Protocol`] node.
//!
//! This file holds the server's configuration and state, the [`Protocol`] handlers that route
//! events, and what every rule shares: the term rule of Figure 2 ("if RPC request or response
//! contains term T > currentTerm: set currentTerm = T, convert to follower") and persisting.
//! The rules themselves live in the children:
//! - `election.rs`: election timeout → candidate, `request_vote` and its result, becoming leader
//!   (§5.2, §5.4.1);
//! - `replication.rs`: `append_entries` and its result, per-follower progress, commit
//!   advancement (§5.3, §5.4.2);
//! - `state_machine.rs`: client requests (leaders append them, others answer
//!   `temporarily-unavailable`), applying committed entries, replies (§5.3, §8).
//!
//! Every handler runs inside a [`Step`]: rules mark the persistent state dirty, and the step
//! emits one [`Effect::Persist`](crate::protocol::Effect::Persist) and its
//! [`Effect::Sync`](crate::protocol::Effect::Sync) *before* every message the handler sends, as
//! Figure 2 requires ("updated on stable storage before responding to RPCs"). The bug
//! `ack-before-sync` writes there but syncs on a later [`Timer::Sync`].

mod election;
mod replication;
mod state_machine;

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Index, Log, Msg, Persistent, RaftMsg, Term, Timer};
use crate::maelstrom::{KafkaStore, TxnStore};
use crate::protocol::{Effects, NodeId, NodeSet, Protocol};

/// The election timeout range (§5.2: randomized, 150–300 ms in the paper's experiments). A real
/// host draws the duration from it; in the model an armed timer may fire at any moment, which
/// covers every draw.
pub const ELECTION_TIMEOUT: Range<Duration> =
    Duration::from_millis(150)..Duration::from_millis(300);

/// The leader's heartbeat period (well below the election timeout, §5.2 and §9.3).
pub const HEARTBEAT: Range<Duration> = Duration::from_millis(50)..Duration::from_millis(50);

/// Bug `ack-before-sync` (real hosts): how long after its first unsynced write a server syncs
/// (Redis' `appendfsync everysec` batches a second; 300 ms keeps small runs small).
pub const SYNC_EVERY: Range<Duration> = Duration::from_millis(300)..Duration::from_millis(300);

/// Heartbeat periods without an answer after which a leader resends `append_entries` to a
/// follower (real hosts; see [`RaftServer::heartbeats`]).
pub const RETRANSMIT_AFTER_TICKS: u8 = 2;

/// A Raft server. The configuration is fixed; everything that changes is in [`ServerState`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RaftServer {
    /// The cluster size (servers `n0 … n{servers-1}`).
    pub servers: usize,
    /// The highest term this server may start an election for: the model's bound on terms.
    /// `Term::MAX` for real hosts.
    pub max_term: Term,
    /// Whether this server ever starts an election (its election timer is armed). Always `true`
    /// on real hosts; the model can restrict campaigning to the first `candidates` servers, the
    /// others only vote and follow (as Paxos' `proposers` restricts who proposes).
    pub campaigns: bool,
    /// Whether the leader sends idle heartbeats and retransmits unanswered `append_entries` on
    /// its `Heartbeat` timer. Real hosts need both (heartbeats keep followers from starting
    /// elections; retransmissions recover lost messages). The model leaves them off: there an
    /// election timer may fire at any moment anyway, and the network loses messages only when a
    /// partition heals, so they would add states (message copies) but no behaviours; the leader
    /// sends `append_entries` whenever a follower lacks entries or the commit index, at most one
    /// request in flight per follower.
    pub heartbeats: bool,
    /// Bug `vote-without-log-check`: grant votes without the up-to-date check of §5.4.1.
    pub vote_without_log_check: bool,
    /// Bug `commit-old-term`: commit entries of earlier terms by counting replicas (§5.4.2,
    /// Figure 8).
    pub commit_old_term: bool,
    /// Bug `local-reads` (real nodes): read-only transactions answered from local state.
    pub local_reads: bool,
    /// Bug `per-node-offsets` (real nodes): `kafka` sends answered at once with an offset from
    /// the receiving server's own counter.
    pub per_node_offsets: bool,
    /// Bug `ack-before-sync`: answer once the persistent state is written; sync it on a later
    /// [`Timer::Sync`].
    pub ack_before_sync: bool,
}

/// A server's state: the persistent part of Figure 2 (also persisted as [`Persistent`]) and the
/// volatile part, which a crash loses.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ServerState {
    /// Persistent: the latest term seen.
    pub current_term: Term,
    /// Persistent: the candidate voted for in the current term.
    pub voted_for: Option<NodeId>,
    /// Persistent: the log (index 1 is `log[0]`).
    pub log: Log,
    /// Follower, candidate or leader, with the role's own state.
    pub role: Role,
    /// The highest index known to be committed.
    pub commit_index: Index,
    /// The highest index applied to the key-value store.
    pub last_applied: Index,
    /// The key-value store: the state machine.
    pub kv: BTreeMap<u64, u64>,
    /// The transactional store (registers and lists), the state machine of `txn` entries.
    pub txn: TxnStore,
    /// The `kafka` logs and committed offsets, the state machine of `kafka` entries.
    #[serde(default, skip_serializing_if = "KafkaStore::is_empty")]
    pub kafka: KafkaStore,
    /// Bug `per-node-offsets`: per key, the next offset this server gives out on its own.
    /// Always empty on a correct server.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub local_offsets: BTreeMap<String, u64>,
    /// The leader last heard from (volatile; where client requests are forwarded). Cleared when
    /// a higher term is seen; kept while this server campaigns, as the best guess it has (a
    /// deposed leader refuses forwarded requests, it never forwards them on).
    pub leader: Option<NodeId>,
    /// Bug `ack-before-sync`: something was written and not synced yet ([`Timer::Sync`] is
    /// armed). Always `false` on a correct server, which syncs as it writes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsynced: bool,
}

/// A server's role and what only that role keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Answers RPCs; starts an election when its timer fires.
    #[default]
    Follower,
    /// Collecting votes for its current term.
    Candidate {
        /// Who granted their vote (itself included).
        votes: NodeSet,
    },
    /// Replicating its log.
    Leader {
        /// Per-follower replication state.
        followers: BTreeMap<NodeId, Progress>,
    },
}

/// A leader's view of one follower (Figure 2, "Volatile state on leaders", plus flow control).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Progress {
    /// `nextIndex`: the next entry to send.
    pub next_index: Index,
    /// `matchIndex`: the highest entry known to be replicated on the follower.
    pub match_index: Index,
    /// Whether a request is waiting for its result (at most one at a time).
    pub in_flight: bool,
    /// Heartbeat periods the request in flight has waited (real hosts only).
    pub waited: u8,
}

impl ServerState {
    /// The index of the last log entry (0 if the log is empty).
    pub fn last_log_index(&self) -> Index {
        self.log.len() as Index
    }

    /// The term of the last log entry (0 if the log is empty).
    pub fn last_log_term(&self) -> Term {
        self.log.last().map_or(0, |e| e.term)
    }

    /// The term of the entry at `index` (0 for index 0), if the log reaches that far.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        match index {
            0 => Some(0),
            i => self.log.get(i as usize - 1).map(|e| e.term),
        }
    }

    /// Whether this server is a leader.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    /// The persistent part, as persisted.
    pub fn persistent(&self) -> Persistent {
        Persistent {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: self.log.clone(),
        }
    }
}

/// One handler invocation: the effects it produces and whether it changed persistent state.
pub(super) struct Step {
    me: NodeId,
    out: Effects<RaftServer>,
    dirty: bool,
}

impl Step {
    fn new(me: NodeId) -> Step {
        Step {
            me,
            out: Effects::new(),
            dirty: false,
        }
    }

    /// The persistent state changed: persist it before anything this step sends.
    fn persist(&mut self) {
        self.dirty = true;
    }

    fn send(&mut self, to: NodeId, msg: impl Into<Msg>) {
        self.out.send(to, msg.into());
    }

    /// Hands the effects to the host: the persisted state first (written and synced, or with
    /// `ack-before-sync` written only, its sync left to [`Timer::Sync`]), then everything else
    /// in order.
    fn finish(self, server: &RaftServer, state: &mut ServerState, out: &mut Effects<RaftServer>) {
        if self.dirty && server.ack_before_sync {
            out.write(state.persistent());
            if !state.unsynced {
                state.unsynced = true;
                out.set_timer(Timer::Sync, SYNC_EVERY);
            }
        } else if self.dirty {
            out.persist(state.persistent());
        }
        self.out.forward_to(out);
    }
}

impl RaftServer {
    /// Every other server.
    fn peers(&self, me: NodeId) -> impl Iterator<Item = NodeId> + Clone {
        me.peers(self.servers)
    }

    /// Whether `count` servers are a majority of the cluster.
    fn is_majority(&self, count: usize) -> bool {
        2 * count > self.servers
    }

    /// Figure 2, rules for all servers: a message from a higher term makes this server a
    /// follower of that term, with no vote cast in it yet.
    fn observe_term(&self, state: &mut ServerState, term: Term, step: &mut Step) {
        if term > state.current_term {
            state.current_term = term;
            state.voted_for = None;
            state.leader = None;
            step.persist();
            self.become_follower(state, step);
        }
    }

    /// Back to follower (from candidate or leader; a follower stays one): the election timer
    /// runs again and the leader's timers stop.
    fn become_follower(&self, state: &mut ServerState, step: &mut Step) {
        if matches!(state.role, Role::Follower) {
            return;
        }
        if state.is_leader() && self.heartbeats {
            step.out.cancel_timer(Timer::Heartbeat);
        }
        state.role = Role::Follower;
        self.arm_election_timer(step);
    }

    /// Arms (or re-arms: a leader was heard from, a vote was granted) the election timer, on
    /// servers that campaign.
    fn arm_election_timer(&self, step: &mut Step) {
        if self.campaigns {
            step.out.set_timer(Timer::Election, ELECTION_TIMEOUT);
        }
    }
}

impl Protocol for RaftServer {
    type Msg = Msg;
    type State = ServerState;
    type Timer = Timer;
    type Durable = Persistent;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&Persistent>,
        out: &mut Effects<Self>,
    ) -> ServerState {
        let persistent = recovered.cloned().unwrap_or_default();
        if self.campaigns {
            out.set_timer(Timer::Election, ELECTION_TIMEOUT);
        }
        ServerState {
            current_term: persistent.current_term,
            voted_for: persistent.voted_for,
            log: persistent.log,
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
        let mut step = Step::new(me);
        match msg {
            Msg::Kv(body) => self.on_client_request(state, from, body, true, &mut step),
            Msg::Raft(RaftMsg::Forward { client, request }) => {
                self.on_client_request(state, client, request, false, &mut step)
            }
            Msg::Raft(RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            }) => self.on_request_vote(
                state,
                from,
                term,
                (last_log_index, last_log_term),
                &mut step,
            ),
            Msg::Raft(RaftMsg::RequestVoteRes { term, vote_granted }) => {
                self.on_request_vote_res(state, from, term, vote_granted, &mut step)
            }
            Msg::Raft(RaftMsg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            }) => self.on_append_entries(
                state,
                from,
                term,
                (prev_log_index, prev_log_term),
                entries,
                leader_commit,
                &mut step,
            ),
            Msg::Raft(RaftMsg::AppendEntriesRes {
                term,
                success,
                match_index,
            }) => self.on_append_entries_res(state, from, term, success, match_index, &mut step),
        }
        step.finish(self, state, out);
    }

    fn on_timer(&self, me: NodeId, state: &mut ServerState, timer: Timer, out: &mut Effects<Self>) {
        let mut step = Step::new(me);
        match timer {
            Timer::Election => self.on_election_timeout(state, &mut step),
            Timer::Heartbeat => self.on_heartbeat(state, &mut step),
            Timer::Sync => {
                state.unsynced = false;
                out.sync();
            }
        }
        step.finish(self, state, out);
    }

    fn role(&self) -> &'static str {
        "raft server"
    }
}
