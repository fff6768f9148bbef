//! Who leads, as the nodes say, and how long the cluster goes without a leader it can use.
//!
//! [`Watcher`]: for a system whose adapter reports leaders, one thread per node (in the client
//! namespace, on netns) asks the node who leads every 50 ms (through the adapter, e.g. etcd's
//! `/v3/maintenance/status`) and records each change of the leader that node reports. [`failovers`] (pure) then measures,
//! for every fault that took the leader away (a partition leaving it without a majority, a kill,
//! a pause), the time from the fault to the first report of a different leader by a node on the
//! majority side. The resolution is the poll interval plus one request. [`overlaps`]
//! (`leader/overlap.rs`, pure) finds the times when two or more nodes each said they lead at
//! once: a split brain, such as two Redis primaries.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

mod overlap;

pub use overlap::{overlaps, Overlap};

use super::namespace::enter_if;
use crate::runner::nemesis::{Fault, Scheduled};
use crate::runner::protocol::node_id;
use crate::runner::systems::SystemAdapter;
use crate::runner::StopHandle;

/// Node `node` reported, at `at` (from the client phase start), that `leader` leads (`0`: none,
/// or the node stopped answering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// When.
    pub at: Duration,
    /// Who said it.
    pub node: usize,
    /// The leader's member id, 0 for none.
    pub leader: u64,
    /// The reporting node's own member id.
    pub member: u64,
}

/// One measured leader change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failover {
    /// When the fault hit (s from the client phase start).
    pub at: f64,
    /// The fault (`partition one`, `kill n1`).
    pub fault: String,
    /// The leader it took away.
    pub old_leader: String,
    /// The next leader reported on the majority side, if any before the fault ended.
    pub new_leader: Option<String>,
    /// Seconds from the fault to that report.
    pub seconds: Option<f64>,
}

impl Failover {
    /// One line for the terminal.
    pub fn describe(&self) -> String {
        match (self.seconds, &self.new_leader) {
            (Some(s), Some(new)) => format!(
                "leader: {} at {:.1}s took leader {} away; new leader {new} after {s:.3}s",
                self.fault, self.at, self.old_leader
            ),
            _ => format!(
                "leader: {} at {:.1}s took leader {} away; no new leader seen before it ended",
                self.fault, self.at, self.old_leader
            ),
        }
    }
}

/// Polls every node's status until stopped.
pub struct Watcher {
    reports: Arc<Mutex<Vec<Report>>>,
    stop: StopHandle,
    threads: Vec<JoinHandle<()>>,
}

impl Watcher {
    /// Starts one poller per node address, asking through `adapter`, timing reports from
    /// `start`.
    pub fn start(
        namespace: Option<&str>,
        addrs: &[SocketAddr],
        adapter: Arc<dyn SystemAdapter>,
        start: Instant,
    ) -> Watcher {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let stop = StopHandle::default();
        let threads = addrs
            .iter()
            .enumerate()
            .filter_map(|(node, &addr)| {
                let (reports, stop) = (reports.clone(), stop.clone());
                let ns = namespace.map(str::to_string);
                let adapter = adapter.clone();
                std::thread::Builder::new()
                    .name(format!("leader-{node}"))
                    .spawn(move || {
                        poll(node, addr, &*adapter, ns.as_deref(), start, &reports, &stop)
                    })
                    .ok()
            })
            .collect();
        Watcher {
            reports,
            stop,
            threads,
        }
    }

    /// Stops polling; the reports, in time order.
    pub fn finish(self) -> Vec<Report> {
        self.stop.stop();
        for t in self.threads {
            let _ = t.join();
        }
        let mut r = self
            .reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        r.sort_by_key(|x| x.at);
        r
    }
}

fn poll(
    node: usize,
    addr: SocketAddr,
    adapter: &dyn SystemAdapter,
    ns: Option<&str>,
    start: Instant,
    reports: &Mutex<Vec<Report>>,
    stop: &StopHandle,
) {
    if enter_if(ns).is_err() {
        return;
    }
    let mut client = adapter.connect(node, addr);
    let mut last = None;
    let mut member = 0;
    while !stop.is_stopped() {
        let asked = Instant::now();
        // A node that stops answering (killed, paused) no longer claims anything.
        let leader = match client.leader(Duration::from_millis(250)) {
            Some(status) => {
                member = status.member;
                Some(status.leader)
            }
            None => last.map(|_| 0),
        };
        if leader.is_some() && leader != last {
            last = leader;
            let r = Report {
                at: asked.saturating_duration_since(start),
                node,
                leader: leader.unwrap_or(0),
                member,
            };
            reports.lock().unwrap_or_else(|e| e.into_inner()).push(r);
        }
        std::thread::sleep(Duration::from_millis(50).saturating_sub(asked.elapsed()));
    }
}

/// The leader changes forced by `faults`, measured from `reports` over `n` nodes.
pub fn failovers(reports: &[Report], faults: &[Scheduled], n: usize) -> Vec<Failover> {
    let node_of = |member: u64| reports.iter().find(|r| r.member == member).map(|r| r.node);
    let mut out = Vec::new();
    for (k, s) in faults.iter().enumerate() {
        // The leader most recently reported before the fault.
        let Some(old) = reports
            .iter()
            .rfind(|r| r.at <= s.at && r.leader != 0)
            .map(|r| r.leader)
        else {
            continue;
        };
        let Some(old_node) = node_of(old) else {
            continue;
        };
        // The nodes that can still form a majority without the old leader.
        let survivors: Vec<usize> = match &s.fault {
            Fault::StartPartition { grudge, .. } => {
                if grudge.visible_from(old_node).len() * 2 > n {
                    continue;
                }
                (0..n)
                    .filter(|&i| grudge.visible_from(i).len() * 2 > n)
                    .collect()
            }
            Fault::Kill(slots) | Fault::Pause(slots) if slots.contains(&old_node) => {
                (0..n).filter(|i| !slots.contains(i)).collect()
            }
            _ => continue,
        };
        // Until the fault's kind next changes (its stop action).
        let until = faults[k + 1..]
            .iter()
            .find(|t| t.fault.kind() == s.fault.kind())
            .map_or(Duration::MAX, |t| t.at);
        let new = reports.iter().find(|r| {
            r.at > s.at
                && r.at < until
                && survivors.contains(&r.node)
                && r.leader != 0
                && r.leader != old
        });
        out.push(Failover {
            at: s.at.as_secs_f64(),
            fault: s.fault.describe(),
            old_leader: node_id(old_node),
            new_leader: new.and_then(|r| node_of(r.leader)).map(node_id),
            seconds: new.map(|r| (r.at - s.at).as_secs_f64()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::nemesis::{Grudge, PartitionShape};

    fn report(ms: u64, node: usize, leader: u64) -> Report {
        Report {
            at: Duration::from_millis(ms),
            node,
            leader,
            member: 100 + node as u64,
        }
    }

    fn isolate(node: usize, n: usize) -> Grudge {
        let mut g = Grudge::none(n);
        for j in (0..n).filter(|&j| j != node) {
            g.block(node, j);
            g.block(j, node);
        }
        g
    }

    #[test]
    fn isolating_the_leader_measures_the_first_new_leader_on_the_majority_side() {
        let reports = [
            report(10, 0, 101),
            report(10, 1, 101),
            report(10, 2, 101),
            report(1400, 1, 0),
            report(1700, 2, 102),
            report(1800, 1, 102),
        ];
        let partition = Scheduled {
            at: Duration::from_millis(1000),
            fault: Fault::StartPartition {
                shape: PartitionShape::One,
                grudge: isolate(1, 3),
            },
        };
        let f = failovers(&reports, &[partition], 3);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].old_leader, "n1");
        assert_eq!(f[0].new_leader.as_deref(), Some("n2"));
        assert!((f[0].seconds.unwrap() - 0.7).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn isolating_a_follower_is_not_a_failover() {
        let reports = [report(10, 0, 101), report(10, 1, 101), report(10, 2, 101)];
        let partition = Scheduled {
            at: Duration::from_millis(1000),
            fault: Fault::StartPartition {
                shape: PartitionShape::One,
                grudge: isolate(2, 3),
            },
        };
        assert!(failovers(&reports, &[partition], 3).is_empty());
    }
}
