//! The nemesis executor of the real network: the same [`Scheduled`] faults as the router
//! backend (same seed, same schedule), applied with iptables (partition, loss) and signals
//! (kill, pause); each recorded as a nemesis event; everything active healed at the end.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cluster_file::ClusterFile;
use super::nodes::Nodes;
use super::proxy::Delays;
use super::rules;
use super::topology::Topology;
use crate::history::{Event, EventKind, Process};
use crate::runner::nemesis::{Fault, FaultKind, Scheduled};
use crate::runner::progress::RunProgress;
use crate::runner::recorder::Recorder;
use crate::runner::{RunError, StopHandle};

/// Applies faults to the namespaces and the node processes.
pub struct Faults<'a> {
    pub(super) cluster: &'a ClusterFile,
    pub(super) topology: &'a Topology,
    pub(super) nodes: Arc<Mutex<Nodes>>,
    pub(super) recorder: Arc<Recorder>,
    pub(super) progress: Arc<RunProgress>,
    pub(super) active: BTreeMap<FaultKind, Fault>,
    pub(super) applied: Vec<Scheduled>,
    /// The latency proxies' delays, when they run.
    pub(super) delays: Option<Arc<Delays>>,
}

impl Faults<'_> {
    /// Runs `schedule` (times from `start`) until it ends or `stop` is asked for.
    pub fn run(
        &mut self,
        schedule: &[Scheduled],
        start: Instant,
        stop: &StopHandle,
    ) -> Result<(), RunError> {
        for s in schedule {
            while start.elapsed() < s.at {
                if stop.is_stopped() {
                    return Ok(());
                }
                let left = s.at.saturating_sub(start.elapsed());
                std::thread::sleep(left.min(Duration::from_millis(50)));
            }
            self.apply(&s.fault, start)?;
        }
        Ok(())
    }

    /// Stops every active fault.
    pub fn heal(&mut self, start: Instant) -> Result<(), RunError> {
        let active: Vec<Fault> = self.active.values().cloned().collect();
        for fault in active {
            let stop = match fault {
                Fault::StartPartition { .. } => Fault::StopPartition,
                Fault::Kill(nodes) => Fault::Restart(nodes),
                Fault::Pause(nodes) => Fault::Resume(nodes),
                Fault::StartLoss(..) => Fault::StopLoss,
                Fault::StartLatency(..) => Fault::StopLatency,
                other => other,
            };
            self.apply(&stop, start)?;
        }
        Ok(())
    }

    /// The addresses node `j`'s traffic arrives from.
    fn sources(&self, j: usize) -> Vec<std::net::Ipv4Addr> {
        vec![self.cluster.ip(j), self.cluster.alias(j)]
    }

    fn delays(&self) -> Result<&Delays, RunError> {
        self.delays.as_deref().ok_or_else(|| {
            RunError::Netns("latency needs the proxies, which are not running".into())
        })
    }

    fn apply(&mut self, fault: &Fault, start: Instant) -> Result<(), RunError> {
        let mut event = Event::new(0, EventKind::Info, fault.f(), fault.value());
        event.process = Process::Nemesis;
        self.recorder.record(event);
        self.applied.push(Scheduled {
            at: start.elapsed(),
            fault: fault.clone(),
        });
        if fault.is_start() {
            self.active.insert(fault.kind(), fault.clone());
        } else {
            self.active.remove(&fault.kind());
        }
        self.progress
            .set_faults(self.active.values().map(Fault::describe).collect());
        let n = self.cluster.nodes;
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        match fault {
            Fault::StartPartition { grudge, .. } => {
                for i in 0..n {
                    let r = rules::partition(i, Some(grudge), |j| self.sources(j));
                    self.topology.iptables_restore(i, &r)?;
                }
            }
            Fault::StopPartition => {
                for i in 0..n {
                    let r = rules::partition(i, None, |j| self.sources(j));
                    self.topology.iptables_restore(i, &r)?;
                }
            }
            Fault::Kill(slots) => slots.iter().for_each(|&i| nodes.kill(i)),
            Fault::Restart(slots) => {
                for &i in slots {
                    nodes.start(i)?;
                }
            }
            Fault::Pause(slots) => slots.iter().for_each(|&i| nodes.pause(i)),
            Fault::Resume(slots) => slots.iter().for_each(|&i| nodes.resume(i)),
            Fault::StartLoss(slots, p) => {
                for &i in slots {
                    let r = rules::loss(Some(*p), self.cluster.client_ip());
                    self.topology.iptables_restore(i, &r)?;
                }
            }
            Fault::StopLoss => {
                for i in 0..n {
                    let r = rules::loss(None, self.cluster.client_ip());
                    self.topology.iptables_restore(i, &r)?;
                }
            }
            Fault::StartLatency(slots, extra) => self.delays()?.set(slots, *extra),
            Fault::StopLatency => self.delays()?.set(&[], Duration::ZERO),
            // Refused when the run is planned: it needs the router.
            Fault::Targeted { .. } => {}
        }
        Ok(())
    }
}
