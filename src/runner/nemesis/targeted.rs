//! Targeted nemeses: fault schedules that react to what the nodes say rather than to a clock.
//!
//! A random schedule cannot build a scenario that needs faults at protocol moments ("cut the
//! leader off the instant it sends its first entry of a term"). A targeted nemesis sits inside
//! the router: it sees every message as it is sent, may drop it, and keeps its own partition,
//! which it changes between two messages — so no message slips past a step. It is a pure state
//! machine (no clock of its own, no I/O): the router hands it the run's clock with each message
//! (nodes' heartbeats keep that clock moving), and the nemesis executor records the [`Step`]s it
//! reports as nemesis events.
//!
//! Implementations, one per file:
//! - `figure8.rs`: [`Figure8`], Raft's Figure 8 (a leader that commits an entry of an earlier
//!   term by counting replicas loses an acknowledged write).

mod figure8;

use std::time::Duration;

pub use figure8::Figure8;

use super::{FaultKind, Grudge};
use crate::runner::protocol::Endpoint;

/// A message as the router sees it when it is sent.
#[derive(Clone, Copy, Debug)]
pub struct Sent<'a> {
    /// Time since the run's clock started.
    pub at: Duration,
    /// The sender.
    pub from: Endpoint,
    /// The destination.
    pub dest: Endpoint,
    /// The line as written: `{"src":…,"dest":…,"body":{…}}`.
    pub line: &'a [u8],
}

/// What a targeted nemesis did: a step of its scenario, and the partition it leaves in place
/// (`None`: the network is whole again).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What happened and why, for the history and the progress bar.
    pub description: String,
    /// Who drops whose messages from now on.
    pub grudge: Option<Grudge>,
}

/// A fault schedule driven by the messages themselves.
pub trait TargetedNemesis: Send {
    /// Sees `message` as it is sent; returns whether to drop it. Steps taken are pushed to
    /// `steps` (their partition applies to this message already).
    fn on_send(&mut self, message: Sent<'_>, steps: &mut Vec<Step>) -> bool;

    /// Whether a message from `from` still in flight is dropped when it reaches `dest` (its
    /// current partition; clients and services are never cut off by it).
    fn blocks(&self, from: Endpoint, dest: Endpoint) -> bool;
}

/// The targeted nemesis among `kinds`, if any, for `node_count` nodes with `pause` between its
/// rounds.
pub(crate) fn build(
    kinds: &[FaultKind],
    node_count: usize,
    pause: Duration,
) -> Option<(FaultKind, Box<dyn TargetedNemesis>)> {
    kinds.iter().find_map(|&kind| match kind {
        FaultKind::Figure8 => Some((
            kind,
            Box::new(Figure8::new(node_count, pause)) as Box<dyn TargetedNemesis>,
        )),
        _ => None,
    })
}

/// Cuts the listed groups off from each other: nodes in one group hear each other, and no one
/// else; a node in no group hears no one.
pub(crate) fn groups(node_count: usize, groups: &[&[usize]]) -> Grudge {
    let group_of = |node: usize| groups.iter().position(|g| g.contains(&node));
    let mut grudge = Grudge::none(node_count);
    for dest in 0..node_count {
        for src in 0..node_count {
            let together = group_of(dest).is_some() && group_of(dest) == group_of(src);
            if !together {
                grudge.block(dest, src);
            }
        }
    }
    grudge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_hear_only_their_own_members() {
        let g = groups(5, &[&[0, 2], &[1]]);
        assert_eq!(g.visible_from(0), vec![0, 2]);
        assert_eq!(g.visible_from(2), vec![0, 2]);
        assert_eq!(g.visible_from(1), vec![1]);
        assert_eq!(g.visible_from(3), vec![3]);
        assert_eq!(g.visible_from(4), vec![4]);
    }
}
