//! [`TimedLeaseLock`]: the lease lock with time and drifting clocks (`lease-lock-timed`).
//!
//! The untimed spec (`lease-lock`) lets a lease expire at any moment, so without fencing it is
//! always unsafe. Real leases are safe without fencing *if* clocks keep to a rate bound and
//! messages to a delay bound: Gray & Cheriton, "Leases: An Efficient Fault-Tolerant Mechanism
//! for Distributed File Cache Consistency" (SOSP 1989), §2: a lease holder must stop using its
//! lease early enough to cover the message delay and the clocks' drift, "clocks … need only have
//! a known bounded drift ε"; Kleppmann, "How to do distributed locking" (2016): what breaks when
//! that timing assumption fails (a clock that jumps or runs fast), and why fencing does not
//! depend on it.
//!
//! The system: a lock server (`n0`) grants a lease of `lease` ticks *on its own clock* with a
//! fencing token; a storage (`n1`); clients `c0…` that each send `acquire` once, and, holding
//! the lease, write once — but only while *their own clock* says the lease is valid, counting
//! from when they sent `acquire` (the lease cannot have started earlier) minus their margin:
//!
//! ```text
//! valid while  elapsed_own_clock < V,   V = (lease / (1 + ρ) − delay) × (1 − ρ) − margin
//! ```
//!
//! With every clock's rate within `[1 − ρ, 1 + ρ]` of real time and every message delivered
//! within `delay` ticks, the holder's last write reaches the storage before real time
//! `send + V/(1 − ρ) + delay ≤ send + lease/(1 + ρ)`, which is before the server's clock can say
//! the lease is over — so before any newer holder can write. Unfenced storage is then safe.
//! Clocks that drift more than ρ (`drift` > `rho`) break that, and only fencing saves the
//! storage.
//!
//! Time is discrete and real: a `tick` advances it by one, and is not allowed while a message
//! has been in flight for `delay` ticks (the delay bound). Each node's clock runs at a fixed rate
//! chosen at the start among `1 − drift`, `1` and `1 + drift` (in percent: the extremes are the
//! worst cases, the exact clock the control). Clock readings are kept in centi-ticks so rates
//! stay integers. Time is explored up to `horizon` ticks: each client may send its `acquire` at
//! any tick before it.
//!
//! Map: [`TimedLeaseLock`] (the parameters and the stateright model), [`TimedState`],
//! [`TimedAction`]; `timed/check.rs`: the catalog entry (parameters, properties, the check and
//! its traces).

pub(crate) mod check;

use std::sync::Arc;

use stateright::{Model, Property};

use crate::system::Cutoff;

/// Clock rates are in percent of real time.
const PERCENT: u64 = 100;

/// The bug variant: the storage ignores fencing tokens.
pub const NO_FENCING: &str = super::model::NO_FENCING;

/// The timed lease lock's parameters (see the module docs).
#[derive(Clone, Debug)]
pub struct TimedLeaseLock {
    /// Lease length, in ticks of the lock server's clock.
    pub lease: u64,
    /// The longest a message is in flight, in real ticks.
    pub delay: u64,
    /// The clock-rate bound (percent) the clients' validity is sized for.
    pub rho: u64,
    /// How far the clocks really run off real time (percent).
    pub drift: u64,
    /// Extra client margin, in ticks of its own clock.
    pub margin: u64,
    /// Clients.
    pub clients: usize,
    /// Real ticks explored.
    pub horizon: u64,
    /// The storage checks fencing tokens.
    pub fencing: bool,
    /// Where a check's `--max-states` and `--time-limit` stop the search: stateright consults
    /// its own only between blocks of expanded states (see `crate::system::Cutoff`).
    pub(crate) cutoff: Arc<Cutoff>,
}

/// A message in flight and when it was sent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InFlight {
    /// Real time it was sent.
    pub sent_at: u64,
    /// What it says.
    pub msg: TimedMsg,
}

/// The messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimedMsg {
    /// Client → lock server.
    Acquire {
        /// The client.
        client: usize,
    },
    /// Lock server → client: the lease, with its fencing token.
    Grant {
        /// The client.
        client: usize,
        /// The token.
        token: u64,
    },
    /// Client → storage.
    Write {
        /// The client.
        client: usize,
        /// Its token.
        token: u64,
    },
}

/// A client's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimedClient {
    /// Has not asked yet.
    Idle,
    /// Sent `acquire` at real time `sent_at`.
    Acquiring {
        /// When.
        sent_at: u64,
    },
    /// Holds `token`, counting its validity from `sent_at`.
    Holding {
        /// The token.
        token: u64,
        /// When it sent `acquire`.
        sent_at: u64,
    },
    /// Wrote (or its validity ran out).
    Done,
}

/// The lease in force: holder, token, and the real time it was granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimedLease {
    /// The holder.
    pub client: usize,
    /// Its token.
    pub token: u64,
    /// Real time of the grant.
    pub granted_at: u64,
}

/// The whole system's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimedState {
    /// Real time, in ticks.
    pub now: u64,
    /// Clock rates in percent: `[server, c0, c1, …]`.
    pub rates: Vec<u64>,
    /// The lock server: last token granted.
    pub last_token: u64,
    /// The lock server: the lease in force.
    pub holder: Option<TimedLease>,
    /// The lock server: clients waiting, in order.
    pub waiting: Vec<usize>,
    /// The clients.
    pub clients: Vec<TimedClient>,
    /// The storage: highest token accepted.
    pub fence: u64,
    /// The storage: writes that took effect, `(client, token)`, in order.
    pub writes: Vec<(usize, u64)>,
    /// The storage: writes rejected for a stale token.
    pub rejected: u32,
    /// Messages in flight (sorted: a multiset).
    pub network: Vec<InFlight>,
}

/// What can happen next.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TimedAction {
    /// Real time advances one tick.
    Tick,
    /// Client `c` sends `acquire`.
    Ask(usize),
    /// A message arrives.
    Deliver(InFlight),
    /// The lock server's clock says the lease is over.
    Expire,
    /// Client `c` writes with its token (its clock says the lease is valid).
    Write(usize),
}

impl TimedLeaseLock {
    /// The client's validity, in centi-ticks of its own clock (see the module docs).
    pub fn validity(&self) -> u64 {
        let real = self.lease * PERCENT * PERCENT / (PERCENT + self.rho);
        let real = real.saturating_sub(self.delay * PERCENT);
        (real * (PERCENT - self.rho.min(PERCENT)) / PERCENT).saturating_sub(self.margin * PERCENT)
    }

    /// Whether the configuration is within the bound its clients were sized for.
    pub fn within_bound(&self) -> bool {
        self.drift <= self.rho
    }

    fn rates(&self) -> Vec<u64> {
        let mut rates = vec![
            PERCENT - self.drift.min(PERCENT - 1),
            PERCENT,
            PERCENT + self.drift,
        ];
        rates.dedup();
        rates
    }

    fn grant_next(state: &mut TimedState) {
        if state.holder.is_some() || state.waiting.is_empty() {
            return;
        }
        let client = state.waiting.remove(0);
        state.last_token += 1;
        state.holder = Some(TimedLease {
            client,
            token: state.last_token,
            granted_at: state.now,
        });
        send(
            state,
            TimedMsg::Grant {
                client,
                token: state.last_token,
            },
        );
    }

    fn expired(&self, state: &TimedState) -> bool {
        state
            .holder
            .is_some_and(|l| (state.now - l.granted_at) * state.rates[0] >= self.lease * PERCENT)
    }

    fn may_write(&self, state: &TimedState, c: usize) -> bool {
        match state.clients[c] {
            TimedClient::Holding { sent_at, .. } => {
                (state.now - sent_at) * state.rates[c + 1] < self.validity()
            }
            _ => false,
        }
    }
}

fn send(state: &mut TimedState, msg: TimedMsg) {
    let at = InFlight {
        sent_at: state.now,
        msg,
    };
    let i = state.network.partition_point(|m| *m <= at);
    state.network.insert(i, at);
}

/// The storage's writes keep their tokens in order (Kleppmann's fencing).
pub(crate) fn fenced_in_order(state: &TimedState) -> bool {
    state.writes.windows(2).all(|w| w[0].1 <= w[1].1)
}

/// While the storage is at a lease's token, only that lease's holder's writes take effect.
pub(crate) fn one_writer_per_lease(state: &TimedState) -> bool {
    let mut fence = 0;
    let mut writer = None;
    state.writes.iter().all(|&(client, token)| {
        if token > fence {
            fence = token;
            writer = Some(client);
        }
        writer == Some(client)
    })
}

impl Model for TimedLeaseLock {
    type State = TimedState;
    type Action = TimedAction;

    fn init_states(&self) -> Vec<TimedState> {
        let rates = self.rates();
        let mut combos: Vec<Vec<u64>> = vec![Vec::new()];
        for _ in 0..=self.clients {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    rates.iter().map(move |&r| {
                        let mut c = c.clone();
                        c.push(r);
                        c
                    })
                })
                .collect();
        }
        combos
            .into_iter()
            .map(|rates| TimedState {
                now: 0,
                rates,
                last_token: 0,
                holder: None,
                waiting: Vec::new(),
                clients: vec![TimedClient::Idle; self.clients],
                fence: 0,
                writes: Vec::new(),
                rejected: 0,
                network: Vec::new(),
            })
            .collect()
    }

    fn actions(&self, state: &TimedState, actions: &mut Vec<TimedAction>) {
        if self.cutoff.is_tripped() {
            return;
        }
        let overdue = state
            .network
            .iter()
            .any(|m| state.now - m.sent_at >= self.delay);
        if state.now < self.horizon && !overdue {
            actions.push(TimedAction::Tick);
        }
        for (c, client) in state.clients.iter().enumerate() {
            if *client == TimedClient::Idle && state.now < self.horizon {
                actions.push(TimedAction::Ask(c));
            }
            if self.may_write(state, c) {
                actions.push(TimedAction::Write(c));
            }
        }
        let mut last = None;
        for m in &state.network {
            if last != Some(m) {
                actions.push(TimedAction::Deliver(m.clone()));
            }
            last = Some(m);
        }
        if self.expired(state) {
            actions.push(TimedAction::Expire);
        }
    }

    fn next_state(&self, last: &TimedState, action: TimedAction) -> Option<TimedState> {
        let next = self.step(last, action);
        if next.is_some() {
            self.cutoff.spend(1);
        }
        next
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // In the order of `check::PROPERTIES`.
        vec![
            Property::always("fencing", |_, s: &TimedState| fenced_in_order(s)),
            Property::always("one writer per lease", |_, s: &TimedState| {
                one_writer_per_lease(s)
            }),
            Property::sometimes("write takes effect", |_, s: &TimedState| {
                !s.writes.is_empty()
            }),
            Property::sometimes("lease handed over", |_, s: &TimedState| {
                s.writes.iter().any(|&(_, token)| token >= 2)
            }),
        ]
    }
}

impl TimedLeaseLock {
    /// The state after `action`, or `None` when it does not apply.
    fn step(&self, last: &TimedState, action: TimedAction) -> Option<TimedState> {
        let mut state = last.clone();
        match action {
            TimedAction::Tick => state.now += 1,
            TimedAction::Ask(c) => {
                state.clients[c] = TimedClient::Acquiring { sent_at: state.now };
                send(&mut state, TimedMsg::Acquire { client: c });
            }
            TimedAction::Write(c) => {
                let TimedClient::Holding { token, .. } = state.clients[c] else {
                    return None;
                };
                state.clients[c] = TimedClient::Done;
                send(&mut state, TimedMsg::Write { client: c, token });
            }
            TimedAction::Expire => {
                state.holder = None;
                Self::grant_next(&mut state);
            }
            TimedAction::Deliver(m) => {
                let i = state.network.iter().position(|x| *x == m)?;
                state.network.remove(i);
                match m.msg {
                    TimedMsg::Acquire { client } => {
                        state.waiting.push(client);
                        Self::grant_next(&mut state);
                    }
                    TimedMsg::Grant { client, token } => {
                        if let TimedClient::Acquiring { sent_at } = state.clients[client] {
                            state.clients[client] = TimedClient::Holding { token, sent_at };
                        }
                    }
                    TimedMsg::Write { client, token } => {
                        if self.fencing && token < state.fence {
                            state.rejected += 1;
                        } else {
                            state.fence = state.fence.max(token);
                            state.writes.push((client, token));
                        }
                    }
                }
            }
        }
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(rho: u64, drift: u64) -> TimedLeaseLock {
        TimedLeaseLock {
            lease: 10,
            delay: 1,
            rho,
            drift,
            margin: 0,
            clients: 2,
            horizon: 24,
            cutoff: Arc::default(),
            fencing: false,
        }
    }

    #[test]
    fn the_validity_covers_the_delay_and_the_drift_bound() {
        // (10 / 1.1 − 1) × 0.9 = 7.28 ticks of the client's clock.
        assert_eq!(lock(10, 10).validity(), 728);
        // Without drift the holder only gives up the message delay.
        assert_eq!(lock(0, 0).validity(), 900);
        assert!(lock(10, 10).within_bound() && !lock(10, 20).within_bound());
    }
}
