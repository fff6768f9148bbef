//! The Raft properties: Figure 3's guarantees, checked on every reachable state, and the
//! `sometimes` checks that keep a pass from being vacuous.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `election safety` | always | Figure 3, §5.2: at most one leader can be elected in a given term |
//! | `log matching` | always | Figure 3, §5.3: two logs with an entry of the same index and term are identical up to it |
//! | `leader completeness` | always | Figure 3, §5.4: an entry committed in a term is in the log of every leader of a higher term |
//! | `state machine safety` | always | Figure 3, §5.4.3: no two servers apply different entries at the same index |
//! | `linearizable` | always | Herlihy & Wing 1990 (the framework's property), the guarantee §8 promises clients |
//! | `entry committed` | sometimes | §5.3: some client operation is committed |
//! | `written value read` | sometimes | §8: some client read returns a value written by a client |
//!
//! The properties see states, not histories, so each is stated over what the state holds: the
//! roles, terms, logs, commit and applied indices of all servers. A crashed server keeps the
//! state it crashed in until it recovers; the properties read it too, as a snapshot of a real
//! past state (every property here holds across time, not only between simultaneous states).
//! A violation of the historical form (say, two leaders of one term that never coexist) is
//! still found: the search explores every interleaving, including the one where the message
//! that would have deposed the first leader is still in flight.
//!
//! Log prefixes are compared by their chained digests ([`Log::same_prefix`](super::Log::same_prefix)),
//! in constant time: `splitbrain validate` evaluates these properties on every state of a real
//! run, whose logs grow to thousands of entries.

use super::{Raft, ServerState};
use crate::history::{Function, OpValue};
use crate::spec::SpecProperty;
use crate::system::{System, SystemState};

/// Every server's state (crashed ones with the state they crashed in). An iterator, not a
/// vector: the properties run on every state the checker reaches, and an allocation each was
/// a visible share of a check's time.
fn servers<'a>(
    system: &System<Raft>,
    state: &'a SystemState<Raft>,
) -> impl Iterator<Item = &'a ServerState> + Clone + 'a {
    system.states(state).filter_map(|(_, s)| s.server())
}

/// Whether `check` holds for every unordered pair of distinct servers.
fn all_pairs(
    system: &System<Raft>,
    state: &SystemState<Raft>,
    check: impl Fn(&ServerState, &ServerState) -> bool,
) -> bool {
    let servers = servers(system, state);
    servers
        .clone()
        .enumerate()
        .all(|(i, a)| servers.clone().skip(i + 1).all(|b| check(a, b)))
}

/// Election safety (Figure 3; §5.2): no two servers are leaders of the same term.
pub(super) fn election_safety() -> SpecProperty<Raft> {
    SpecProperty::always(
        "election safety",
        "at most one leader can be elected in a given term",
        "Ongaro & Ousterhout, \"In Search of an Understandable Consensus Algorithm\", USENIX \
         ATC 2014, Figure 3 and §5.2",
        |system, state| {
            all_pairs(system, state, |a, b| {
                !(a.is_leader() && b.is_leader() && a.current_term == b.current_term)
            })
        },
    )
}

/// Log matching (Figure 3; §5.3): if two logs contain an entry with the same index and term,
/// the logs are identical in all entries up through that index.
pub(super) fn log_matching() -> SpecProperty<Raft> {
    SpecProperty::always(
        "log matching",
        "if two logs contain an entry with the same index and term, the logs are identical in \
         all entries up through the given index",
        "Ongaro & Ousterhout, \"In Search of an Understandable Consensus Algorithm\", USENIX \
         ATC 2014, Figure 3 and §5.3",
        |system, state| all_pairs(system, state, logs_match),
    )
}

fn logs_match(a: &ServerState, b: &ServerState) -> bool {
    let shared = a
        .log
        .iter()
        .zip(&b.log)
        .rposition(|(x, y)| x.term == y.term);
    shared.is_none_or(|last| a.log.same_prefix(&b.log, last + 1))
}

/// Leader completeness (Figure 3; §5.4): if an entry is committed in a given term, it is present
/// in the logs of the leaders of all higher terms. A server's committed prefix (up to its
/// commit index) was committed in a term no later than its current term, so every leader of a
/// higher term must hold that prefix.
pub(super) fn leader_completeness() -> SpecProperty<Raft> {
    SpecProperty::always(
        "leader completeness",
        "if a log entry is committed in a given term, it is present in the logs of the leaders \
         for all higher-numbered terms",
        "Ongaro & Ousterhout, \"In Search of an Understandable Consensus Algorithm\", USENIX \
         ATC 2014, Figure 3 and §5.4",
        |system, state| {
            let servers = servers(system, state);
            servers
                .clone()
                .filter(|leader| leader.is_leader())
                .all(|leader| {
                    servers
                        .clone()
                        .filter(|s| s.current_term < leader.current_term)
                        .all(|s| {
                            let committed = s.commit_index as usize;
                            leader.log.same_prefix(&s.log, committed)
                        })
                })
        },
    )
}

/// State machine safety (Figure 3; §5.4.3): if a server has applied a log entry at a given
/// index, no other server applies a different entry at that index. Checked as: two servers'
/// logs agree on every index both have applied, and two servers that applied equally many
/// entries hold equal stores.
pub(super) fn state_machine_safety() -> SpecProperty<Raft> {
    SpecProperty::always(
        "state machine safety",
        "if a server has applied a log entry at a given index to its state machine, no other \
         server will ever apply a different log entry for the same index",
        "Ongaro & Ousterhout, \"In Search of an Understandable Consensus Algorithm\", USENIX \
         ATC 2014, Figure 3 and §5.4.3",
        |system, state| {
            all_pairs(system, state, |a, b| {
                let both = a.last_applied.min(b.last_applied) as usize;
                a.log.same_prefix(&b.log, both)
                    && (a.last_applied != b.last_applied
                        || (a.kv == b.kv && a.txn == b.txn && a.kafka == b.kafka))
            })
        },
    )
}

/// Some client operation is committed (so the safety properties judge committed entries).
pub(super) fn entry_committed() -> SpecProperty<Raft> {
    SpecProperty::sometimes(
        "entry committed",
        "some server commits a client's operation",
        "reachability; commitment as defined in Ongaro & Ousterhout, \"In Search of an \
         Understandable Consensus Algorithm\", USENIX ATC 2014, §5.3",
        |system, state| servers(system, state).any(|s| s.commit_index > 0),
    )
}

/// Some client read returns a written value (so `linearizable` judges reads of replicated
/// writes, not only writes).
pub(super) fn written_value_read() -> SpecProperty<Raft> {
    SpecProperty::sometimes(
        "written value read",
        "some client read returns a value a client wrote",
        "reachability; client interaction as in Ongaro & Ousterhout, \"In Search of an \
         Understandable Consensus Algorithm\", USENIX ATC 2014, §8",
        |_, state| {
            state
                .history()
                .ok_ops()
                .any(|(_, ok)| ok.f == Function::Read && ok.value != OpValue::Null)
        },
    )
}
