//! The nemesis executor: applies scheduled faults to the cluster and the network, records each
//! as a nemesis event (`"process":"nemesis"`, `info`), tracks what is active (for the progress
//! bar and the final heal), and heals everything at the end.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::time::Instant;

use super::{Fault, FaultKind, Scheduled};
use crate::history::{Event, EventKind, Process};
use crate::runner::cluster::Cluster;
use crate::runner::net::{Control, RouterHandle};
use crate::runner::progress::RunProgress;
use crate::runner::recorder::Recorder;
use crate::runner::RunError;

/// Applies faults; remembers the start action of each active kind.
pub(crate) struct Nemesis {
    cluster: Arc<Cluster>,
    router: RouterHandle,
    recorder: Arc<Recorder>,
    progress: Arc<RunProgress>,
    active: BTreeMap<FaultKind, Fault>,
    applied: Vec<Scheduled>,
}

impl Nemesis {
    pub(crate) fn new(
        cluster: Arc<Cluster>,
        router: RouterHandle,
        recorder: Arc<Recorder>,
        progress: Arc<RunProgress>,
    ) -> Nemesis {
        Nemesis {
            cluster,
            router,
            recorder,
            progress,
            active: BTreeMap::new(),
            applied: Vec::new(),
        }
    }

    /// Runs `schedule`, whose times count from `start`.
    pub(crate) async fn run(
        &mut self,
        schedule: &[Scheduled],
        start: Instant,
    ) -> Result<(), RunError> {
        for s in schedule {
            tokio::time::sleep_until(start + s.at).await;
            self.apply(&s.fault, start).await?;
        }
        Ok(())
    }

    /// Stops every active fault: heals the network, restarts killed nodes, resumes paused ones.
    pub(crate) async fn heal(&mut self, start: Instant) -> Result<(), RunError> {
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
            self.apply(&stop, start).await?;
        }
        Ok(())
    }

    /// What was applied, with the time each was applied at.
    pub(crate) fn applied(&self) -> &[Scheduled] {
        &self.applied
    }

    async fn apply(&mut self, fault: &Fault, start: Instant) -> Result<(), RunError> {
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
        match fault {
            Fault::StartPartition { grudge, .. } => self
                .router
                .control(Control::Partition(Some(grudge.clone()))),
            Fault::StopPartition => self.router.control(Control::Partition(None)),
            Fault::Kill(nodes) => {
                for &i in nodes {
                    self.cluster.kill(i).await;
                }
            }
            Fault::Restart(nodes) => {
                for &i in nodes {
                    self.cluster.start(i).await?;
                }
            }
            Fault::Pause(nodes) => {
                for &i in nodes {
                    self.cluster.pause(i).await;
                }
            }
            Fault::Resume(nodes) => {
                for &i in nodes {
                    self.cluster.resume(i).await;
                }
            }
            Fault::StartLoss(nodes, p) => self
                .router
                .control(Control::Loss(Some((nodes.clone(), *p)))),
            Fault::StopLoss => self.router.control(Control::Loss(None)),
            Fault::StartLatency(nodes, extra) => self
                .router
                .control(Control::Slow(Some((nodes.clone(), *extra)))),
            Fault::StopLatency => self.router.control(Control::Slow(None)),
        }
        Ok(())
    }
}
