//! Faults on the router: a partition, loss or latency is a command to the router task, which
//! applies it to every message from then on (a partition also to messages already in flight,
//! when they are delivered); a targeted nemesis is installed in the router, which shows it every
//! message as it is sent.

use std::time::Duration;

use tokio::sync::mpsc;

use super::task::{Control, RouterHandle, Targeted};
use crate::runner::nemesis::targeted::Step;
use crate::runner::nemesis::{Grudge, TargetedNemesis};

/// Starts (`Some`) or heals (`None`) a partition.
pub(super) fn partition(router: &RouterHandle, grudge: Option<&Grudge>) {
    router.control(Control::Partition(grudge.cloned()));
}

/// Drops a share `p` of the messages to and from `nodes` (`None`: stop).
pub(super) fn loss(router: &RouterHandle, nodes: &[usize], p: Option<f64>) {
    router.control(Control::Loss(p.map(|p| (nodes.to_vec(), p))));
}

/// Adds `extra` latency to the messages to and from `nodes` (`None`: stop).
pub(super) fn latency(router: &RouterHandle, nodes: &[usize], extra: Option<Duration>) {
    router.control(Control::Slow(extra.map(|d| (nodes.to_vec(), d))));
}

/// Installs `nemesis`; its steps arrive on the returned channel.
pub(super) fn install_targeted(
    router: &RouterHandle,
    nemesis: Box<dyn TargetedNemesis>,
) -> mpsc::UnboundedReceiver<Step> {
    let (steps, reports) = mpsc::unbounded_channel();
    router.control(Control::Targeted(Some(Targeted { nemesis, steps })));
    reports
}

/// Removes the targeted nemesis: its partition heals and its step channel closes.
pub(super) fn remove_targeted(router: &RouterHandle) {
    router.control(Control::Targeted(None));
}
