//! The primary-backup properties, checked on every reachable state, and the `sometimes` checks
//! that keep a pass from being vacuous.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `one primary per epoch` | always | Budhiraja et al. 1993, Pb1 (at most one primary), with epochs: no two servers are primary of one epoch, and no two servers' committed logs diverge — two primaries never both commit |
//! | `no acknowledged write lost` | always | Budhiraja et al. 1993, §2 (the primary answers after the backups have the update); VR Revisited §4.2: an update acknowledged in epoch `e` is in the log of every primary of a later epoch |
//! | `linearizable` | always | Herlihy & Wing 1990 (the framework's property) |
//! | `failover completes` | sometimes | a primary of a later epoch than 0 is established |
//! | `acknowledged write survives failover` | sometimes | a primary of a later epoch holds an update acknowledged in an earlier one |
//!
//! A crashed server keeps the state it crashed in until it recovers; the properties read it as
//! a snapshot of a real past state (each property holds across time).

use super::{PbState, PrimaryBackup};
use crate::protocol::NodeId;
use crate::spec::SpecProperty;
use crate::system::{System, SystemState};

/// Every server with its state.
fn servers<'a>(
    system: &System<PrimaryBackup>,
    state: &'a SystemState<PrimaryBackup>,
) -> Vec<(NodeId, &'a PbState)> {
    system
        .states(state)
        .filter_map(|(id, s)| s.server().map(|s| (id, s)))
        .collect()
}

/// Whether one of `a`, `b` is a prefix of the other.
fn prefix_consistent<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let shared = a.len().min(b.len());
    a[..shared] == b[..shared]
}

/// At most one primary accepts writes per epoch (Pb1 with epochs).
pub(super) fn one_primary_per_epoch() -> SpecProperty<PrimaryBackup> {
    SpecProperty::always(
        "one primary per epoch",
        "at most one primary accepts writes per epoch: no two servers are primary of the same \
         epoch, and no two servers' committed logs diverge (two primaries never both commit)",
        "Budhiraja, Marzullo, Schneider & Toueg, \"The Primary-Backup Approach\", 1993, \
         property Pb1; Liskov & Cowling, \"Viewstamped Replication Revisited\", 2012, §4",
        |system, state| {
            let servers = servers(system, state);
            servers.iter().enumerate().all(|(i, (_, a))| {
                servers[i + 1..].iter().all(|(_, b)| {
                    !(a.is_primary() && b.is_primary() && a.epoch == b.epoch)
                        && prefix_consistent(a.committed(), b.committed())
                })
            })
        },
    )
}

/// No acknowledged write is lost: every update a primary acknowledged in epoch `e` is in the log
/// of every primary of a later epoch.
pub(super) fn no_acknowledged_write_lost() -> SpecProperty<PrimaryBackup> {
    SpecProperty::always(
        "no acknowledged write lost",
        "an update acknowledged to a client in epoch e is in the log of every primary of a \
         later epoch",
        "Budhiraja, Marzullo, Schneider & Toueg, \"The Primary-Backup Approach\", 1993, §2 \
         (the primary responds once the backups have the update); Liskov & Cowling, \
         \"Viewstamped Replication Revisited\", 2012, §4.2",
        |system, state| {
            let servers = servers(system, state);
            servers.iter().all(|(_, acker)| {
                acker.acknowledged.iter().all(|&(epoch, client, msg_id)| {
                    servers
                        .iter()
                        .filter(|(_, p)| p.is_primary() && p.normal_epoch > epoch)
                        .all(|(_, p)| p.log.iter().any(|e| e.is(client, msg_id)))
                })
            })
        },
    )
}

/// A failover happened: some server is primary of an epoch after 0.
pub(super) fn failover_completes() -> SpecProperty<PrimaryBackup> {
    SpecProperty::sometimes(
        "failover completes",
        "a backup becomes primary of a later epoch",
        "reachability; failover as in Budhiraja et al. 1993, §3",
        |system, state| {
            servers(system, state)
                .iter()
                .any(|(_, s)| s.is_primary() && s.normal_epoch > 0)
        },
    )
}

/// An acknowledged update reaches a later primary (so `no acknowledged write lost` judges a
/// write that crossed a failover).
pub(super) fn acknowledged_write_survives_failover() -> SpecProperty<PrimaryBackup> {
    SpecProperty::sometimes(
        "acknowledged write survives failover",
        "a primary of a later epoch holds an update acknowledged in an earlier one",
        "reachability",
        |system, state| {
            let servers = servers(system, state);
            servers.iter().any(|(_, acker)| {
                acker.acknowledged.iter().any(|&(epoch, client, msg_id)| {
                    servers.iter().any(|(_, p)| {
                        p.is_primary()
                            && p.normal_epoch > epoch
                            && p.log.iter().any(|e| e.is(client, msg_id))
                    })
                })
            })
        },
    )
}
