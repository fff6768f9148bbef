//! [`LockClient`]: acquire, write with the token, release; `rounds` times.

use serde::{Deserialize, Serialize};

use super::{LeaseNode, LockMsg};
use crate::protocol::{Effects, NodeId};
use crate::system::Rename;

/// The client role.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LockClient {
    /// The lock server.
    pub lock: NodeId,
    /// The storage.
    pub storage: NodeId,
    /// How many times to acquire, write and release.
    pub rounds: u32,
}

/// Where a client is in its round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClientPhase {
    /// Waiting for `acquire_ok`.
    Acquiring,
    /// Holding lease `token` (as far as it knows), waiting for the write's reply.
    Writing {
        /// The fencing token.
        token: u64,
    },
    /// Waiting for `release_ok`.
    Releasing {
        /// The fencing token.
        token: u64,
    },
    /// Every round is done.
    Done,
}

/// A client's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LockClientState {
    /// The round (0-based).
    pub round: u32,
    /// The phase within it.
    pub phase: ClientPhase,
}

impl Rename for LockClientState {
    fn rename(&self, _: &dyn Fn(NodeId) -> NodeId) -> Self {
        *self
    }
}

impl LockClient {
    /// Start: ask for the lock.
    pub fn on_start(&self, out: &mut Effects<LeaseNode>) -> LockClientState {
        let state = LockClientState {
            round: 0,
            phase: ClientPhase::Acquiring,
        };
        if self.rounds == 0 {
            return LockClientState {
                phase: ClientPhase::Done,
                ..state
            };
        }
        out.send(
            self.lock,
            LockMsg::Acquire {
                msg_id: msg_id(0, 0),
            },
        );
        state
    }

    /// A reply moves the round on: token → write; write answered → release; release answered →
    /// next round.
    pub fn on_msg(&self, state: &mut LockClientState, msg: LockMsg, out: &mut Effects<LeaseNode>) {
        let round = state.round;
        match (state.phase, msg) {
            (ClientPhase::Acquiring, LockMsg::AcquireOk { in_reply_to, token })
                if in_reply_to == msg_id(round, 0) =>
            {
                state.phase = ClientPhase::Writing { token };
                let write = LockMsg::Write {
                    msg_id: msg_id(round, 1),
                    key: 0,
                    value: token,
                    token,
                };
                out.send(self.storage, write);
            }
            (
                ClientPhase::Writing { token },
                LockMsg::WriteOk { in_reply_to } | LockMsg::Error { in_reply_to, .. },
            ) if in_reply_to == msg_id(round, 1) => {
                state.phase = ClientPhase::Releasing { token };
                out.send(
                    self.lock,
                    LockMsg::Release {
                        msg_id: msg_id(round, 2),
                        token,
                    },
                );
            }
            (
                ClientPhase::Releasing { .. },
                LockMsg::ReleaseOk { in_reply_to } | LockMsg::Error { in_reply_to, .. },
            ) if in_reply_to == msg_id(round, 2) => {
                state.round += 1;
                if state.round == self.rounds {
                    state.phase = ClientPhase::Done;
                } else {
                    state.phase = ClientPhase::Acquiring;
                    out.send(
                        self.lock,
                        LockMsg::Acquire {
                            msg_id: msg_id(state.round, 0),
                        },
                    );
                }
            }
            _ => {}
        }
    }
}

/// Request ids: three per round (acquire, write, release), from 1.
fn msg_id(round: u32, step: u32) -> u64 {
    u64::from(round) * 3 + u64::from(step) + 1
}
