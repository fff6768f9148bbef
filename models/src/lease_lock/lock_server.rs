//! [`LockServer`]: grants leases with fencing tokens; a lease ends on release or expiry.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{LeaseDurable, LeaseNode, LeaseTimer, LockMsg};
use crate::maelstrom::ErrorCode;
use crate::protocol::{Effects, NodeId};
use crate::system::Rename;

/// The lock server role (`n0`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LockServer {
    /// How long a lease lasts (real hosts; in the model it may expire at any moment).
    pub lease: Duration,
}

/// A lease in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lease {
    /// The holder.
    pub client: NodeId,
    /// Its fencing token.
    pub token: u64,
}

/// The lock server's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LockState {
    /// The last token granted (persisted).
    pub last_token: u64,
    /// The lease in force.
    pub holder: Option<Lease>,
    /// Clients waiting for the lock, in arrival order: `(client, msg_id)`.
    pub waiting: Vec<(NodeId, u64)>,
}

impl Rename for LockState {
    fn rename(&self, rename: &dyn Fn(NodeId) -> NodeId) -> Self {
        LockState {
            last_token: self.last_token,
            holder: self.holder.map(|l| Lease {
                client: l.client.rename(rename),
                token: l.token,
            }),
            waiting: self.waiting.rename(rename),
        }
    }
}

impl LockServer {
    /// Start: the last token granted survives a crash; leases and waiters do not.
    pub fn on_start(&self, recovered: Option<&LeaseDurable>) -> LockState {
        let last_token = match recovered {
            Some(LeaseDurable::Lock { last_token }) => *last_token,
            _ => 0,
        };
        LockState {
            last_token,
            ..LockState::default()
        }
    }

    /// `acquire` waits in line; `release` of the lease in force frees the lock.
    pub fn on_msg(
        &self,
        state: &mut LockState,
        from: NodeId,
        msg: LockMsg,
        out: &mut Effects<LeaseNode>,
    ) {
        match msg {
            LockMsg::Acquire { msg_id } => {
                state.waiting.push((from, msg_id));
                self.grant_next(state, out);
            }
            LockMsg::Release { msg_id, token } => {
                let reply = if state
                    .holder
                    .is_some_and(|l| l.client == from && l.token == token)
                {
                    state.holder = None;
                    out.cancel_timer(LeaseTimer::LeaseExpiry);
                    LockMsg::ReleaseOk {
                        in_reply_to: msg_id,
                    }
                } else {
                    LockMsg::Error {
                        in_reply_to: msg_id,
                        code: ErrorCode::PreconditionFailed,
                    }
                };
                out.send(from, reply);
                self.grant_next(state, out);
            }
            _ => {}
        }
    }

    /// The lease expires: the lock is free for the next client in line.
    pub fn on_timer(&self, state: &mut LockState, timer: LeaseTimer, out: &mut Effects<LeaseNode>) {
        match timer {
            LeaseTimer::LeaseExpiry => {
                state.holder = None;
                self.grant_next(state, out);
            }
        }
    }

    fn grant_next(&self, state: &mut LockState, out: &mut Effects<LeaseNode>) {
        if state.holder.is_some() || state.waiting.is_empty() {
            return;
        }
        let (client, msg_id) = state.waiting.remove(0);
        state.last_token += 1;
        let token = state.last_token;
        out.persist(LeaseDurable::Lock { last_token: token });
        state.holder = Some(Lease { client, token });
        out.set_timer(LeaseTimer::LeaseExpiry, self.lease..self.lease);
        out.send(
            client,
            LockMsg::AcquireOk {
                in_reply_to: msg_id,
                token,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Effect;

    #[test]
    fn grants_persist_the_token_first_and_a_restart_keeps_tokens_increasing() {
        let lock = LockServer {
            lease: Duration::from_secs(1),
        };
        let mut state = lock.on_start(Some(&LeaseDurable::Lock { last_token: 7 }));
        let mut out = Effects::new();
        lock.on_msg(
            &mut state,
            NodeId::client(0),
            LockMsg::Acquire { msg_id: 1 },
            &mut out,
        );
        let effects: Vec<_> = out.into_iter().collect();
        assert!(matches!(
            effects[0],
            Effect::Persist(LeaseDurable::Lock { last_token: 8 })
        ));
        assert!(matches!(effects[1], Effect::Sync));
        assert!(matches!(
            effects[3],
            Effect::Send {
                msg: LockMsg::AcquireOk { token: 8, .. },
                ..
            }
        ));
        let mut out = Effects::new();
        lock.on_msg(
            &mut state,
            NodeId::client(1),
            LockMsg::Acquire { msg_id: 1 },
            &mut out,
        );
        assert!(out.is_empty(), "the second client waits");
        lock.on_timer(&mut state, LeaseTimer::LeaseExpiry, &mut out);
        assert_eq!(
            state.holder,
            Some(Lease {
                client: NodeId::client(1),
                token: 9
            })
        );
    }
}
