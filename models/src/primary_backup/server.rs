//! [`PbServer`]: one primary-backup server (backup, candidate or primary), as an I/O-free
//! [`Protocol`] node.
//!
//! This file holds the configuration and state, the handlers that route events, and what every
//! rule shares: the epoch rule (a message of a later epoch makes this server a backup of that
//! epoch; a message of an earlier one is answered `stale`) and persisting. The rules themselves
//! live in the children:
//! - `failover.rs`: the failover timer, `new_epoch` / `epoch_ok`, promotion;
//! - `replication.rs`: client requests, `replicate`, `ack`, `nack`, `sync`, commit, replies.
//!
//! Every handler runs inside a [`Step`]: rules mark the persisted state dirty, and the step
//! emits one [`Effect::Persist`](crate::protocol::Effect::Persist) *before* every message the
//! handler sends, so nothing a server promised (joining an epoch, holding an entry) is
//! forgotten by a crash.

mod failover;
mod replication;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Entry, Epoch, Msg, PbMsg, Persisted, Timer};
use crate::maelstrom::KvBody;
use crate::protocol::{Effects, NodeId, NodeSet, Protocol};

/// How long a backup waits for its primary before it starts a new epoch. A real host draws
/// the duration from the range (the spread keeps backups from all starting at once); in the
/// model an armed timer may fire at any moment, which covers every draw.
pub const FAILOVER_TIMEOUT: Range<Duration> =
    Duration::from_millis(150)..Duration::from_millis(300);

/// The primary's heartbeat period, well below the failover timeout.
pub const HEARTBEAT: Range<Duration> = Duration::from_millis(40)..Duration::from_millis(40);

/// A primary-backup server. The configuration is fixed; everything that changes is in
/// [`PbState`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PbServer {
    /// The cluster size (servers `n0 … n{servers-1}`).
    pub servers: usize,
    /// The highest epoch a failover may start: the model's bound. `Epoch::MAX` for real hosts.
    pub max_epoch: Epoch,
    /// Whether the primary sends heartbeats (real hosts; in the model a failover timer may fire
    /// at any moment anyway, and messages are lost only when a partition heals).
    pub heartbeats: bool,
    /// Bug `no-epoch`: epochs are not enforced.
    pub no_epoch: bool,
    /// Bug `async-ack`: acknowledge before replicating.
    pub async_ack: bool,
}

/// A server's state: the persisted part ([`Persisted`]) and the volatile part.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PbState {
    /// Persisted: the highest epoch joined.
    pub epoch: Epoch,
    /// Persisted: the epoch in which `log` was installed.
    pub normal_epoch: Epoch,
    /// Persisted: the log (entry `i` is `log[i - 1]`).
    pub log: Vec<Entry>,
    /// Backup, candidate or primary, with the role's own state.
    pub role: Role,
    /// How many entries are known to be committed (held by a majority in `normal_epoch`).
    pub commit: u64,
    /// Ghost (the protocol never reads it): the update operations this server acknowledged to
    /// a client, with the epoch it was primary of. The property `no acknowledged write lost`
    /// reads it.
    pub acknowledged: BTreeSet<(Epoch, NodeId, u64)>,
}

/// A server's role and what only that role keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Follows the primary of its epoch.
    #[default]
    Backup,
    /// Collecting `epoch_ok`s for the epoch it leads.
    Candidate {
        /// Who joined (itself included).
        joined: NodeSet,
        /// The most recent log among theirs: its normal epoch and the log.
        best: (Epoch, Vec<Entry>),
    },
    /// Orders client operations in its epoch.
    Primary {
        /// Per backup: how long a prefix of this epoch's log it is known to hold.
        matched: BTreeMap<NodeId, u64>,
        /// Replies owed once the entry at the index commits.
        pending: BTreeMap<u64, (NodeId, KvBody)>,
    },
}

impl PbState {
    /// The log's length.
    pub fn len(&self) -> u64 {
        self.log.len() as u64
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// Whether this server is an established primary.
    pub fn is_primary(&self) -> bool {
        matches!(self.role, Role::Primary { .. })
    }

    /// The committed prefix of the log.
    pub fn committed(&self) -> &[Entry] {
        &self.log[..(self.commit as usize).min(self.log.len())]
    }

    /// What is persisted.
    pub fn persisted(&self) -> Persisted {
        Persisted {
            epoch: self.epoch,
            normal_epoch: self.normal_epoch,
            log: self.log.clone(),
        }
    }
}

/// One handler invocation: the effects it produces and whether it changed persisted state.
pub(super) struct Step {
    me: NodeId,
    out: Effects<PbServer>,
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

    /// The persisted state changed: persist it before anything this step sends.
    fn persist(&mut self) {
        self.dirty = true;
    }

    fn send(&mut self, to: NodeId, msg: impl Into<Msg>) {
        self.out.send(to, msg.into());
    }

    /// Hands the effects to the host: the persisted state first, then everything else in order.
    fn finish(self, state: &PbState, out: &mut Effects<PbServer>) {
        if self.dirty {
            out.persist(state.persisted());
        }
        self.out.forward_to(out);
    }
}

impl PbServer {
    /// The primary of `epoch`.
    pub fn primary_of(&self, epoch: Epoch) -> NodeId {
        NodeId::node((epoch % self.servers as u64) as usize)
    }

    /// Every other server.
    fn peers(&self, me: NodeId) -> impl Iterator<Item = NodeId> + Clone {
        me.peers(self.servers)
    }

    /// Whether `count` servers are a majority of the cluster.
    fn is_majority(&self, count: usize) -> bool {
        2 * count > self.servers
    }

    /// The epoch rule: a message of a later `epoch` makes this server a backup of that epoch
    /// (its log stays; it is installed in its old normal epoch until a `sync`). With `no-epoch`
    /// a primary never hears of later epochs: it stays primary.
    fn observe_epoch(&self, state: &mut PbState, epoch: Epoch, step: &mut Step) {
        if epoch <= state.epoch || (self.no_epoch && state.is_primary()) {
            return;
        }
        state.epoch = epoch;
        step.persist();
        self.become_backup(state, step);
    }

    /// Back to backup (from candidate or primary): the failover timer runs again; replies the
    /// primary still owed are dropped (their clients time out: indefinite).
    fn become_backup(&self, state: &mut PbState, step: &mut Step) {
        if matches!(state.role, Role::Backup) {
            return;
        }
        if state.is_primary() && self.heartbeats {
            step.out.cancel_timer(Timer::Heartbeat);
        }
        state.role = Role::Backup;
        step.out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
    }
}

impl Protocol for PbServer {
    type Msg = Msg;
    type State = PbState;
    type Timer = Timer;
    type Durable = Persisted;

    /// `n0` starts as the primary of epoch 0; everyone else, and every server after a crash, as
    /// a backup (a recovered primary does not resume: it waits for the next epoch's primary).
    fn on_start(
        &self,
        me: NodeId,
        recovered: Option<&Persisted>,
        out: &mut Effects<Self>,
    ) -> PbState {
        let persisted = recovered.cloned().unwrap_or_default();
        let mut state = PbState {
            epoch: persisted.epoch,
            normal_epoch: persisted.normal_epoch,
            log: persisted.log,
            ..PbState::default()
        };
        if recovered.is_none() && me == self.primary_of(0) {
            state.role = Role::Primary {
                matched: BTreeMap::new(),
                pending: BTreeMap::new(),
            };
            if self.heartbeats {
                out.set_timer(Timer::Heartbeat, HEARTBEAT);
            }
        } else {
            out.set_timer(Timer::Failover, FAILOVER_TIMEOUT);
        }
        state
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut PbState,
        from: NodeId,
        msg: Msg,
        out: &mut Effects<Self>,
    ) {
        let mut step = Step::new(me);
        match msg {
            Msg::Kv(body) => self.on_client_request(state, from, body, true, &mut step),
            Msg::Pb(PbMsg::Forward { client, request }) => {
                self.on_client_request(state, client, request, false, &mut step)
            }
            Msg::Pb(PbMsg::NewEpoch { epoch }) => self.on_new_epoch(state, from, epoch, &mut step),
            Msg::Pb(PbMsg::EpochOk {
                epoch,
                normal_epoch,
                log,
            }) => self.on_epoch_ok(state, from, epoch, (normal_epoch, log), &mut step),
            Msg::Pb(PbMsg::Stale { epoch }) => self.observe_epoch(state, epoch, &mut step),
            Msg::Pb(PbMsg::Replicate {
                epoch,
                index,
                entries,
                commit,
            }) => self.on_replicate(state, from, epoch, index, entries, commit, &mut step),
            Msg::Pb(PbMsg::Sync { epoch, log, commit }) => {
                self.on_sync(state, from, epoch, log, commit, &mut step)
            }
            Msg::Pb(PbMsg::Ack { epoch, len }) => self.on_ack(state, from, epoch, len, &mut step),
            Msg::Pb(PbMsg::Nack { epoch, .. }) => self.on_nack(state, from, epoch, &mut step),
        }
        step.finish(state, out);
    }

    fn on_timer(&self, me: NodeId, state: &mut PbState, timer: Timer, out: &mut Effects<Self>) {
        let mut step = Step::new(me);
        match timer {
            Timer::Failover => self.on_failover_timeout(state, &mut step),
            Timer::Heartbeat => self.on_heartbeat(state, &mut step),
        }
        step.finish(state, out);
    }

    fn role(&self) -> &'static str {
        "primary-backup server"
    }
}
