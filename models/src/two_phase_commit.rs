//! Two-phase commit: a coordinator runs bank transactions (transfers between accounts, and
//! reads of every balance) across participants that each own some of the accounts, and every
//! node may crash and recover from what it persisted.
//!
//! After Gray, "Notes on Data Base Operating Systems" (1978), §5.8.3.3 (the two-phase commit
//! protocol: a participant that voted yes may not abort on its own, and must remember its vote
//! across a crash), Bernstein, Hadzilacos & Goodman, *Concurrency Control and Recovery in
//! Database Systems* (1987), ch. 7 (atomic commitment: AC1 all processes that decide reach the
//! same decision; AC3 commit only if all processes voted yes; §7.4 the blocking window, a
//! participant "uncertain" while the coordinator is down; the presumed-abort recovery used
//! here), and Lampson & Sturgis, "Crash Recovery in a Distributed Data Storage System" (1979),
//! where the coordinator's commit record, written before any participant is told, is the
//! commit point.
//!
//! The protocol, in one paragraph: a client sends `transfer` or `read` to the coordinator
//! `n0`, which names the transaction (its incarnation and a sequence number) and sends
//! `prepare` to *every* participant `n1 … nP` (it does not route by owner: reads and transfers
//! take one path). A participant locks the accounts it owns that the transaction touches (a
//! read touches all of them), checks there is no overdraft, persists its yes vote, and answers
//! `vote` (with the balances it locked, for a read); on a lock conflict or an overdraft it votes
//! no and forgets the transaction. With every vote yes the coordinator persists the commit
//! (the commit point), sends `commit` and answers the client; a no vote, or its vote timer
//! firing, aborts (nothing persisted: presumed abort). A participant that voted yes and hears
//! nothing asks the coordinator with `query`; the coordinator answers `commit` if it persisted
//! the commit and `abort` otherwise (aborting the transaction first if it is still collecting
//! votes). A recovered participant keeps its yes votes and its locks; a recovered coordinator
//! starts a new incarnation (so transaction names never repeat) and keeps its commit records.
//!
//! Map of this module, in reading order:
//! - the vocabulary (here): [`Txn`], [`Work`], [`TpcMsg`], [`TpcTimer`], [`TpcDurable`],
//!   [`Outcome`], account ownership, the bug names;
//! - [`Coordinator`] (`coordinator.rs`) and [`Participant`] (`participant.rs`): the two server
//!   roles; [`TpcClient`] (`client.rs`): the model's scripted client;
//! - [`TpcNode`] (`node.rs`): the roles as one `Protocol`;
//! - [`TwoPhaseCommit`] (`model.rs`): the `two-phase-commit` spec: sizes, scripts, bugs;
//! - `properties.rs`: atomicity, validity, and the `sometimes` checks (the blocking window;
//!   a commit beside an abort);
//! - `deploy.rs`: `splitbrain node two-phase-commit`, with real timeouts and the bank's
//!   accounts;
//! - `lift.rs`: a deployed node's state as the spec's, for judging real runs.
//!
//! Bug variants: [`COMMIT_ON_MAJORITY`] (the coordinator commits once a majority of the
//! cohort, itself included, is for it) and [`FORGET_VOTE`] (a participant that voted yes forgets it on
//! restart and aborts on its own).

mod client;
mod coordinator;
mod deploy;
mod lift;
mod model;
mod node;
mod participant;
mod properties;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use client::{TpcClient, TpcClientState};
pub use coordinator::{Active, Coordinator, CoordinatorState, Decided};
pub use deploy::{DEPLOYED_ACCOUNTS, DEPLOYED_BALANCE};
pub use model::TwoPhaseCommit;
pub use node::{TpcNode, TpcState};
pub use participant::{Participant, ParticipantState};

use crate::maelstrom::ErrorCode;
use crate::protocol::NodeId;

/// Bug variant: the coordinator commits as soon as a majority of the cohort is for it — the
/// coordinator counts itself, so with two participants one yes vote is enough — whatever the
/// others answer (a quorum rule where unanimity is needed). A participant that voted no has
/// already aborted: money appears or vanishes.
pub const COMMIT_ON_MAJORITY: &str = "commit-on-majority";

/// Bug variant: a participant's yes votes do not survive a restart: it comes back without
/// them, releases their locks and counts them aborted, though the coordinator may commit them.
pub const FORGET_VOTE: &str = "forget-vote";

/// An account number.
pub type Account = u64;

/// A balance or an amount.
pub type Amount = i64;

/// A transaction's name: the coordinator's incarnation (one more after every restart, and
/// persisted before use, so names never repeat) and a sequence number within it. Serialized
/// as the string `"incarnation.seq"`, so it can key a JSON object (durable state, journals).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Txn {
    /// The coordinator's incarnation.
    pub incarnation: u64,
    /// The sequence number within the incarnation.
    pub seq: u64,
}

impl From<Txn> for String {
    fn from(txn: Txn) -> String {
        format!("{}.{}", txn.incarnation, txn.seq)
    }
}

impl TryFrom<String> for Txn {
    type Error = String;

    fn try_from(text: String) -> Result<Txn, String> {
        let parse = || {
            let (incarnation, seq) = text.split_once('.')?;
            Some(Txn {
                incarnation: incarnation.parse().ok()?,
                seq: seq.parse().ok()?,
            })
        };
        parse().ok_or_else(|| format!("a transaction is named \"incarnation.seq\", not {text:?}"))
    }
}

impl fmt::Debug for Txn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}.{}", self.incarnation, self.seq)
    }
}

/// What a transaction does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Move `amount` from account `from` to account `to`.
    Transfer {
        /// The debited account.
        from: Account,
        /// The credited account.
        to: Account,
        /// How much (positive).
        amount: Amount,
    },
    /// Read every balance.
    Read,
}

impl fmt::Debug for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Work::Transfer { from, to, amount } => write!(f, "transfer {amount} {from}→{to}"),
            Work::Read => f.write_str("read"),
        }
    }
}

/// How a transaction ended at a node (a ghost record: the protocol never reads it; the
/// properties do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Committed (a participant applied it).
    Committed,
    /// Aborted (a participant voted no, or undid its yes vote).
    Aborted,
}

/// Every body in the system, Maelstrom-shaped: client requests and replies, and the messages
/// between the coordinator and the participants.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TpcMsg {
    /// Client → coordinator: move `amount` from `from` to `to`.
    Transfer {
        /// Request id.
        msg_id: u64,
        /// The debited account.
        from: Account,
        /// The credited account.
        to: Account,
        /// How much.
        amount: Amount,
    },
    /// The transfer committed.
    TransferOk {
        /// The request's id.
        in_reply_to: u64,
    },
    /// Client → coordinator: read every balance, atomically.
    Read {
        /// Request id.
        msg_id: u64,
    },
    /// The read committed: every account's balance.
    ReadOk {
        /// The request's id.
        in_reply_to: u64,
        /// Account (as a JSON object key: a string) → balance.
        value: BTreeMap<String, Amount>,
    },
    /// The request failed: `txn-conflict` (30, definite) for an aborted transaction,
    /// `malformed-request` (12) for a transfer that names no valid accounts or amount.
    Error {
        /// The request's id.
        in_reply_to: u64,
        /// The Maelstrom error code.
        code: ErrorCode,
        /// Why.
        text: String,
    },
    /// Coordinator → participant: lock what `work` touches and vote.
    Prepare {
        /// The transaction.
        txn: Txn,
        /// What it does.
        work: Work,
    },
    /// Participant → coordinator: its vote, with the balances it locked (for a read).
    Vote {
        /// The transaction.
        txn: Txn,
        /// Yes (prepared: locked and persisted) or no (aborted).
        yes: bool,
        /// The balances of the accounts it owns that the transaction reads, as pairs (an
        /// internally tagged body cannot read integer object keys back).
        balances: Vec<(Account, Amount)>,
    },
    /// The transaction committed: apply it and release its locks.
    Commit {
        /// The transaction.
        txn: Txn,
    },
    /// The transaction aborted: release its locks.
    Abort {
        /// The transaction.
        txn: Txn,
    },
    /// Participant → coordinator: a yes voter in doubt asks for the decision.
    Query {
        /// The transaction.
        txn: Txn,
    },
}

/// The named timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TpcTimer {
    /// Coordinator: votes took too long; every transaction still collecting aborts.
    VoteTimeout,
    /// Participant: it holds yes votes with no decision: ask the coordinator.
    InDoubt,
}

/// What a node persists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TpcDurable {
    /// The coordinator: its incarnation and its commit records.
    Coordinator {
        /// The incarnation in use.
        incarnation: u64,
        /// Every transaction it decided to commit.
        committed: BTreeSet<Txn>,
    },
    /// A participant: its balances and its yes votes (with what each transaction does).
    Participant {
        /// Account → balance, for the accounts it owns.
        balances: BTreeMap<Account, Amount>,
        /// The transactions it voted yes on and has no decision for.
        prepared: BTreeMap<Txn, Work>,
    },
}

/// The participant (0-based) that owns `account` among `participants`: accounts are dealt
/// round-robin.
pub fn owner(account: Account, participants: usize) -> usize {
    (account % participants as u64) as usize
}

/// The node id of participant `index` (the coordinator is `n0`).
pub fn participant_id(index: usize) -> NodeId {
    NodeId::node(index + 1)
}

/// The coordinator's node id.
pub fn coordinator_id() -> NodeId {
    NodeId::node(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_serialize_as_flat_maelstrom_bodies() {
        let prepare = TpcMsg::Prepare {
            txn: Txn {
                incarnation: 1,
                seq: 2,
            },
            work: Work::Transfer {
                from: 0,
                to: 3,
                amount: 5,
            },
        };
        let json = serde_json::to_string(&prepare).unwrap();
        assert_eq!(
            json,
            r#"{"type":"prepare","txn":"1.2","work":{"kind":"transfer","from":0,"to":3,"amount":5}}"#
        );
        assert_eq!(serde_json::from_str::<TpcMsg>(&json).unwrap(), prepare);
        let read_ok = TpcMsg::ReadOk {
            in_reply_to: 4,
            value: BTreeMap::from([("0".to_string(), 10), ("1".to_string(), 7)]),
        };
        let json = serde_json::to_string(&read_ok).unwrap();
        assert_eq!(
            json,
            r#"{"type":"read_ok","in_reply_to":4,"value":{"0":10,"1":7}}"#
        );
        assert_eq!(serde_json::from_str::<TpcMsg>(&json).unwrap(), read_ok);
    }

    #[test]
    fn durable_state_keyed_by_transaction_round_trips_through_json() {
        let durable = TpcDurable::Participant {
            balances: BTreeMap::from([(0, 10)]),
            prepared: BTreeMap::from([(
                Txn {
                    incarnation: 0,
                    seq: 7,
                },
                Work::Read,
            )]),
        };
        let json = serde_json::to_string(&durable).unwrap();
        assert!(
            json.contains(r#""prepared":{"0.7":{"kind":"read"}}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<TpcDurable>(&json).unwrap(), durable);
        assert!(serde_json::from_str::<Txn>(r#""x""#).is_err());
    }
}
