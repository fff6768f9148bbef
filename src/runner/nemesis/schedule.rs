//! [`schedule`]: the seeded fault schedule. Pure: the same seed and options give the same
//! schedule, whatever the nodes do.
//!
//! Like Jepsen's combined nemesis: actions are staggered (each waits a random 0..2×interval after
//! the previous one); each action picks one of the enabled kinds at random and flips it (starts
//! it when it is inactive, stops it when it is active), so faults of different kinds overlap.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;

use super::clock::{self, ClockFault};
use super::{Fault, FaultKind, PartitionShape, Scheduled};
use crate::runner::{rng, Stream};

/// The faults of a run: `kinds` flipped every `interval` on average, within `time_limit`, over
/// `node_count` nodes, drawn from `seed`; clock faults drawn from `clock` (empty: bumps).
pub fn schedule(
    seed: u64,
    kinds: &[FaultKind],
    interval: Duration,
    time_limit: Duration,
    node_count: usize,
    clock: &[ClockFault],
) -> Vec<Scheduled> {
    let mut kinds: Vec<FaultKind> = kinds.to_vec();
    kinds.retain(|k| !k.is_targeted());
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() || interval.is_zero() || node_count == 0 {
        return Vec::new();
    }
    let mut rng = rng(seed, Stream::Nemesis);
    let mut active: Vec<Option<Fault>> = vec![None; kinds.len()];
    let mut at = Duration::ZERO;
    let mut out = Vec::new();
    loop {
        at += interval.mul_f64(rng.gen_range(0.0..2.0));
        if at >= time_limit {
            break;
        }
        let k = rng.gen_range(0..kinds.len());
        let fault = match active[k].take() {
            Some(stop) => stop,
            None => {
                // A pause must find its nodes running: a killed node cannot be stopped, and a
                // pause that stops nothing proves nothing.
                let killed: Vec<usize> = active
                    .iter()
                    .flat_map(|f| match f {
                        Some(Fault::Restart(nodes) | Fault::Recover(nodes)) => nodes.clone(),
                        _ => Vec::new(),
                    })
                    .collect();
                let up: Vec<usize> = (0..node_count).filter(|i| !killed.contains(i)).collect();
                if kinds[k] == FaultKind::LoseUnsynced {
                    // One action (kill, drop, restart): nothing stays active. Only running
                    // nodes: restarting a killed one would cut its kill short.
                    if up.is_empty() {
                        continue;
                    }
                    let nodes = targets(&up, true, &mut rng);
                    out.push(Scheduled {
                        at,
                        fault: Fault::LoseUnsynced(nodes, rng.gen()),
                    });
                    continue;
                }
                let Some((start, stop)) = start(kinds[k], &up, node_count, clock, &mut rng) else {
                    continue;
                };
                active[k] = Some(stop);
                start
            }
        };
        out.push(Scheduled { at, fault });
    }
    out
}

/// A random start action of `kind` and the action that ends it; `up` are the nodes not killed
/// or corrupted (`None`: nothing to pause or corrupt).
fn start(
    kind: FaultKind,
    up: &[usize],
    n: usize,
    clock: &[ClockFault],
    rng: &mut impl Rng,
) -> Option<(Fault, Fault)> {
    let all: Vec<usize> = (0..n).collect();
    Some(match kind {
        FaultKind::Partition => {
            let shape = *PartitionShape::cutting(n).choose(rng).expect("shapes");
            let grudge = shape.grudge(n, rng);
            (
                Fault::StartPartition { shape, grudge },
                Fault::StopPartition,
            )
        }
        FaultKind::Kill => {
            // A corrupted node is down until it recovers; a kill restarting it early would cut
            // the corruption short.
            let nodes = targets(up, false, rng);
            (Fault::Kill(nodes.clone()), Fault::Restart(nodes))
        }
        FaultKind::Pause if up.is_empty() => return None,
        FaultKind::Pause => {
            let nodes = targets(up, false, rng);
            (Fault::Pause(nodes.clone()), Fault::Resume(nodes))
        }
        FaultKind::Loss => {
            let nodes = targets(&all, true, rng);
            let p = *[0.2, 0.5, 0.8].choose(rng).expect("probabilities");
            (Fault::StartLoss(nodes, p), Fault::StopLoss)
        }
        FaultKind::Latency => {
            let nodes = targets(&all, true, rng);
            let extra = Duration::from_millis(rng.gen_range(20..=200));
            (Fault::StartLatency(nodes, extra), Fault::StopLatency)
        }
        // One node at a time, and never a node already down: corruption stays on a minority.
        FaultKind::Corrupt if up.len() < n || n < 2 => return None,
        FaultKind::Corrupt => {
            let node = up[rng.gen_range(0..up.len())];
            (
                Fault::Corrupt(vec![node], rng.gen()),
                Fault::Recover(vec![node]),
            )
        }
        FaultKind::Clock => {
            let nodes = targets(&all, true, rng);
            clock::draw(clock, nodes, rng)
        }
        // One node leaves the ring and later joins it again; never the last member.
        FaultKind::Membership if n < 2 => return None,
        FaultKind::Membership => {
            let node = rng.gen_range(0..n);
            (Fault::Leave(vec![node]), Fault::Join(vec![node]))
        }
        FaultKind::LoseUnsynced => unreachable!("a one-shot action, scheduled above"),
        FaultKind::Figure8 => unreachable!("targeted kinds are not scheduled by time"),
    })
}

/// Jepsen's node specs, drawn from `candidates`: one node, a minority, a majority (and, when
/// `all` is allowed, every node), in node order.
fn targets(candidates: &[usize], all: bool, rng: &mut impl Rng) -> Vec<usize> {
    let n = candidates.len();
    let specs = if all { 4 } else { 3 };
    let size = match rng.gen_range(0..specs) {
        0 => 1,
        1 => ((n - 1) / 2).max(1),
        2 => n / 2 + 1,
        _ => n,
    }
    .min(n);
    let mut nodes: Vec<usize> = candidates.to_vec();
    nodes.shuffle(rng);
    nodes.truncate(size);
    nodes.sort_unstable();
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [FaultKind; 10] = FaultKind::ALL;

    #[test]
    fn same_seed_gives_the_same_schedule_and_another_seed_another() {
        let s = |seed| {
            schedule(
                seed,
                &ALL,
                Duration::from_secs(1),
                Duration::from_secs(30),
                5,
                &[],
            )
        };
        assert_eq!(s(7), s(7));
        assert_ne!(s(7), s(8));
        assert!(s(7).len() > 5);
    }

    #[test]
    fn every_fault_is_stopped_only_after_it_started_and_kinds_alternate() {
        let s = schedule(
            3,
            &ALL,
            Duration::from_millis(300),
            Duration::from_secs(60),
            5,
            &[],
        );
        // lose-unsynced is one action (kill, drop, restart), never a start/stop pair.
        for kind in ALL.into_iter().filter(|&k| k != FaultKind::LoseUnsynced) {
            let starts: Vec<bool> = s
                .iter()
                .filter(|x| x.fault.kind() == kind)
                .map(|x| x.fault.is_start())
                .collect();
            for (i, is_start) in starts.iter().enumerate() {
                assert_eq!(*is_start, i % 2 == 0, "{kind:?}: {starts:?}");
            }
        }
    }

    #[test]
    fn lose_unsynced_is_one_action_on_nodes_no_kill_holds_down() {
        for seed in 0..50 {
            let s = schedule(
                seed,
                &[FaultKind::Kill, FaultKind::LoseUnsynced],
                Duration::from_millis(100),
                Duration::from_secs(10),
                3,
                &[],
            );
            let mut killed: Vec<usize> = Vec::new();
            let mut seen = 0;
            for x in &s {
                match &x.fault {
                    Fault::Kill(nodes) => killed = nodes.clone(),
                    Fault::Restart(_) => killed.clear(),
                    Fault::LoseUnsynced(nodes, _) => {
                        seen += 1;
                        assert!(!x.fault.is_start() && !nodes.is_empty());
                        assert!(nodes.iter().all(|n| !killed.contains(n)), "seed {seed}");
                    }
                    other => panic!("{other:?}"),
                }
            }
            assert!(seen > 0, "seed {seed}: {s:?}");
        }
    }

    #[test]
    fn restarts_name_the_killed_nodes() {
        let s = schedule(
            5,
            &[FaultKind::Kill],
            Duration::from_millis(100),
            Duration::from_secs(10),
            5,
            &[],
        );
        for pair in s.chunks(2) {
            if let [a, b] = pair {
                match (&a.fault, &b.fault) {
                    (Fault::Kill(x), Fault::Restart(y)) => assert_eq!(x, y),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_pause_never_targets_a_killed_node() {
        for seed in 0..50 {
            let s = schedule(
                seed,
                &[FaultKind::Kill, FaultKind::Pause],
                Duration::from_millis(100),
                Duration::from_secs(10),
                3,
                &[],
            );
            let mut killed: Vec<usize> = Vec::new();
            for x in &s {
                match &x.fault {
                    Fault::Kill(nodes) => killed = nodes.clone(),
                    Fault::Restart(_) => killed.clear(),
                    Fault::Pause(nodes) => {
                        assert!(
                            nodes.iter().all(|n| !killed.contains(n)),
                            "seed {seed}: {s:?}"
                        )
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn corruption_hits_one_node_while_every_other_node_is_up() {
        for seed in 0..50 {
            let s = schedule(
                seed,
                &[FaultKind::Kill, FaultKind::Corrupt, FaultKind::Pause],
                Duration::from_millis(100),
                Duration::from_secs(10),
                3,
                &[],
            );
            let mut down: Vec<usize> = Vec::new();
            for x in &s {
                match &x.fault {
                    Fault::Corrupt(nodes, _) => {
                        assert!(down.is_empty() && nodes.len() == 1, "seed {seed}: {s:?}");
                        down = nodes.clone();
                    }
                    Fault::Kill(nodes) => down.extend(nodes),
                    Fault::Restart(nodes) | Fault::Recover(nodes) => {
                        down.retain(|n| !nodes.contains(n))
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn clock_bumps_are_between_130ms_and_7_5s_either_way_and_reset_the_same_nodes() {
        let (mut ahead, mut behind) = (0, 0);
        for seed in 0..30 {
            let s = schedule(
                seed,
                &[FaultKind::Clock],
                Duration::from_millis(100),
                Duration::from_secs(5),
                3,
                &[],
            );
            for pair in s.chunks(2) {
                let Fault::ClockBump(offsets) = &pair[0].fault else {
                    panic!("seed {seed}: {s:?}");
                };
                for &(_, ms) in offsets {
                    assert!((130..=7482).contains(&ms.abs()), "{ms}");
                    if ms > 0 {
                        ahead += 1;
                    } else {
                        behind += 1;
                    }
                }
                if let Some(reset) = pair.get(1) {
                    assert_eq!(reset.fault, pair[0].fault.healing());
                }
            }
        }
        assert!(ahead > 0 && behind > 0);
    }

    #[test]
    fn times_are_increasing_and_within_the_limit() {
        let limit = Duration::from_secs(20);
        let s = schedule(11, &ALL, Duration::from_secs(2), limit, 3, &[]);
        assert!(s.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(s.iter().all(|x| x.at < limit));
    }

    #[test]
    fn no_kinds_means_no_faults() {
        assert!(schedule(
            1,
            &[],
            Duration::from_secs(1),
            Duration::from_secs(10),
            3,
            &[]
        )
        .is_empty());
    }
}
