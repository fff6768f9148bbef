//! [`Participant`]: owns some accounts; locks, votes, applies decisions, and asks the
//! coordinator when it is in doubt.
//!
//! A yes vote is a promise (Gray 1978, §5.8.3.3): the participant persists it, with what the
//! transaction does, before the vote leaves, and from then on it may neither abort nor release
//! the locks on its own; after a crash it comes back prepared, locks held, and asks. That
//! window — voted yes, no decision, coordinator down — is where two-phase commit blocks
//! (Bernstein et al. 1987, §7.4). Locks are taken without waiting: a transaction that touches
//! an account another prepared transaction holds is voted no (no deadlock, at the price of
//! aborts under contention).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    coordinator_id, owner, Account, Amount, Outcome, TpcDurable, TpcMsg, TpcNode, TpcTimer, Txn,
    Work,
};
use crate::protocol::{Effects, NodeId};

/// How long a participant in doubt waits before it asks the coordinator (and between asks, on
/// real hosts).
pub const IN_DOUBT: Range<Duration> = Duration::from_millis(100)..Duration::from_millis(200);

/// A participant role (`n{index+1}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Participant {
    /// Its index among the participants (0-based).
    pub index: usize,
    /// How many participants there are.
    pub participants: usize,
    /// The accounts are `0 … accounts-1`; this participant owns those [`owner`] gives it.
    pub accounts: u64,
    /// Every account's opening balance.
    pub opening: Amount,
    /// Whether it asks again after every `InDoubt` period until it has a decision (real
    /// hosts); the model asks once per arming, so queries do not pile up in the network.
    pub requery: bool,
    /// Bug `forget-vote`.
    pub forget_vote: bool,
}

/// A participant's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ParticipantState {
    /// Persisted: account → balance, for the accounts it owns.
    pub balances: BTreeMap<Account, Amount>,
    /// Persisted: the transactions it voted yes on, awaiting a decision (their locks are held).
    pub prepared: BTreeMap<Txn, Work>,
    /// Ghost: how each transaction it decided ended here.
    pub outcomes: BTreeMap<Txn, Outcome>,
}

impl ParticipantState {
    fn durable(&self) -> TpcDurable {
        TpcDurable::Participant {
            balances: self.balances.clone(),
            prepared: self.prepared.clone(),
        }
    }
}

impl Participant {
    fn owns(&self, account: Account) -> bool {
        owner(account, self.participants) == self.index
    }

    /// The accounts of this participant that `work` locks.
    fn touched(&self, work: &Work) -> BTreeSet<Account> {
        match *work {
            Work::Transfer { from, to, .. } => {
                [from, to].into_iter().filter(|&a| self.owns(a)).collect()
            }
            Work::Read => (0..self.accounts).filter(|&a| self.owns(a)).collect(),
        }
    }

    /// Start with every owned account at the opening balance, or recover balances and yes
    /// votes (with `forget-vote`, the votes are dropped and counted aborted).
    pub fn on_start(
        &self,
        recovered: Option<&TpcDurable>,
        out: &mut Effects<TpcNode>,
    ) -> ParticipantState {
        let mut state = match recovered {
            Some(TpcDurable::Participant { balances, prepared }) => ParticipantState {
                balances: balances.clone(),
                prepared: prepared.clone(),
                outcomes: BTreeMap::new(),
            },
            _ => ParticipantState {
                balances: (0..self.accounts)
                    .filter(|&a| self.owns(a))
                    .map(|a| (a, self.opening))
                    .collect(),
                ..ParticipantState::default()
            },
        };
        if self.forget_vote && !state.prepared.is_empty() {
            let forgotten = std::mem::take(&mut state.prepared);
            for txn in forgotten.into_keys() {
                state.outcomes.insert(txn, Outcome::Aborted);
            }
            out.persist(state.durable());
        }
        if !state.prepared.is_empty() {
            out.set_timer(TpcTimer::InDoubt, IN_DOUBT);
        }
        state
    }

    /// A message arrived. Decisions for transactions it holds no vote for change nothing.
    pub fn on_msg(
        &self,
        state: &mut ParticipantState,
        from: NodeId,
        msg: TpcMsg,
        out: &mut Effects<TpcNode>,
    ) {
        match msg {
            TpcMsg::Prepare { txn, work } => self.on_prepare(state, from, txn, work, out),
            TpcMsg::Commit { txn } => {
                if let Some(work) = state.prepared.remove(&txn) {
                    self.apply(state, &work);
                    state.outcomes.insert(txn, Outcome::Committed);
                    out.persist(state.durable());
                }
            }
            TpcMsg::Abort { txn } => {
                if state.prepared.remove(&txn).is_none() {
                    return;
                }
                state.outcomes.insert(txn, Outcome::Aborted);
                out.persist(state.durable());
            }
            _ => {}
        }
    }

    /// In doubt: ask the coordinator about every transaction it holds a yes vote for.
    pub fn on_timer(&self, state: &mut ParticipantState, out: &mut Effects<TpcNode>) {
        for &txn in state.prepared.keys() {
            out.send(coordinator_id(), TpcMsg::Query { txn });
        }
        if self.requery && !state.prepared.is_empty() {
            out.set_timer(TpcTimer::InDoubt, IN_DOUBT);
        }
    }

    fn on_prepare(
        &self,
        state: &mut ParticipantState,
        from: NodeId,
        txn: Txn,
        work: Work,
        out: &mut Effects<TpcNode>,
    ) {
        if state.prepared.contains_key(&txn) || state.outcomes.contains_key(&txn) {
            return; // a repeated prepare: the vote already went out
        }
        let touched = self.touched(&work);
        let locked: BTreeSet<Account> = state
            .prepared
            .values()
            .flat_map(|w| self.touched(w))
            .collect();
        let conflict = !touched.is_disjoint(&locked);
        let overdraft = match work {
            Work::Transfer { from, amount, .. } if self.owns(from) => {
                state.balances.get(&from).copied().unwrap_or(0) < amount
            }
            _ => false,
        };
        let balances = match work {
            Work::Read => touched
                .iter()
                .map(|a| (*a, state.balances.get(a).copied().unwrap_or(0)))
                .collect(),
            Work::Transfer { .. } => Vec::new(),
        };
        let yes = !conflict && !overdraft;
        if yes {
            state.prepared.insert(txn, work);
            out.persist(state.durable());
            out.set_timer(TpcTimer::InDoubt, IN_DOUBT);
        } else {
            state.outcomes.insert(txn, Outcome::Aborted);
        }
        out.send(
            from,
            TpcMsg::Vote {
                txn,
                yes,
                balances: if yes { balances } else { Vec::new() },
            },
        );
    }

    /// Applies a committed transfer to the accounts this participant owns.
    fn apply(&self, state: &mut ParticipantState, work: &Work) {
        if let Work::Transfer { from, to, amount } = *work {
            if let Some(b) = state.balances.get_mut(&from) {
                *b -= amount;
            }
            if let Some(b) = state.balances.get_mut(&to) {
                *b += amount;
            }
        }
    }
}
