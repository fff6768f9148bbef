//! Faults on the router: a partition, loss or latency is a command to the router task, which
//! applies it to every message from then on (a partition also to messages already in flight,
//! when they are delivered); a targeted nemesis is installed in the router, which shows it every
//! message as it is sent. The evidence that a fault took effect is the router's own count of
//! the messages it dropped or delayed while the fault lasted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::task::{Control, RouterHandle, Targeted};
use crate::history::Value;
use crate::runner::effect::Effect;
use crate::runner::nemesis::targeted::Step;
use crate::runner::nemesis::{Grudge, TargetedNemesis};

/// Each network fault's counter when it began (partitioned drops, loss-fault drops, slowed
/// messages).
#[derive(Debug, Default)]
pub(super) struct Baselines {
    partitioned: AtomicU64,
    lost: AtomicU64,
    slowed: AtomicU64,
}

/// The effect of starting (`start`) or ending a fault whose evidence is `count` (read before the
/// change): pending at the start, the count since then at the end.
fn effect(start: bool, count: u64, base: &AtomicU64, name: &'static str, what: Value) -> Effect {
    if start {
        base.store(count, Ordering::Relaxed);
        Effect::pending(vec![("faulted", what)])
    } else {
        Effect::counted(name, count.saturating_sub(base.load(Ordering::Relaxed)))
    }
}

/// Starts (`Some`) or heals (`None`) a partition.
pub(super) async fn partition(
    router: &RouterHandle,
    base: &Baselines,
    grudge: Option<&Grudge>,
) -> Effect {
    let count = router.stats().await.partitioned;
    router.control(Control::Partition(grudge.cloned()));
    let links = grudge.map_or(0, |g| {
        (0..g.len())
            .flat_map(|a| (0..g.len()).map(move |b| (a, b)))
            .filter(|&(a, b)| g.blocks(a, b))
            .count()
    });
    let blocked = Value::Int(links as i64);
    effect(
        grudge.is_some(),
        count,
        &base.partitioned,
        "dropped",
        blocked,
    )
}

/// Drops a share `p` of the messages to and from `nodes` (`None`: stop).
pub(super) async fn loss(
    router: &RouterHandle,
    base: &Baselines,
    nodes: &[usize],
    p: Option<f64>,
) -> Effect {
    let count = router.stats().await.lost_by_fault;
    router.control(Control::Loss(p.map(|p| (nodes.to_vec(), p))));
    let nodes = Value::Int(nodes.len() as i64);
    effect(p.is_some(), count, &base.lost, "dropped", nodes)
}

/// Adds `extra` latency to the messages to and from `nodes` (`None`: stop).
pub(super) async fn latency(
    router: &RouterHandle,
    base: &Baselines,
    nodes: &[usize],
    extra: Option<Duration>,
) -> Effect {
    let count = router.stats().await.slowed;
    router.control(Control::Slow(extra.map(|d| (nodes.to_vec(), d))));
    let nodes = Value::Int(nodes.len() as i64);
    effect(extra.is_some(), count, &base.slowed, "delayed", nodes)
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
