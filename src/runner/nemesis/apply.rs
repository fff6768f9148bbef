//! The nemesis executor: applies scheduled faults to the cluster and the network, records each
//! as a nemesis event (`"process":"nemesis"`, `info`), tracks what is active (for the progress
//! bar and the final heal), and heals everything at the end. A targeted nemesis runs inside the
//! router instead; the executor installs it, records the steps it reports, and removes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::targeted::Step;
use super::{Fault, FaultKind, Scheduled, TargetedNemesis};
use crate::history::{Event, EventKind, Process};
use crate::runner::cluster::Cluster;
use crate::runner::net::{Control, RouterHandle, Targeted};
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
    /// The installed targeted nemesis's kind and its step reports.
    targeted: Option<(FaultKind, mpsc::UnboundedReceiver<Step>)>,
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
            targeted: None,
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

    /// Installs `nemesis` (of `kind`) in the router and records its steps until `until`; times
    /// count from `start`. It stays installed until [`Nemesis::heal`].
    pub(crate) async fn run_targeted(
        &mut self,
        kind: FaultKind,
        nemesis: Box<dyn TargetedNemesis>,
        start: Instant,
        until: Instant,
    ) {
        let (steps, mut reports) = mpsc::unbounded_channel();
        self.router
            .control(Control::Targeted(Some(Targeted { nemesis, steps })));
        let deadline = tokio::time::sleep_until(until);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                step = reports.recv() => match step {
                    Some(step) => self.record(&targeted_fault(kind, step), start),
                    None => break,
                },
                _ = &mut deadline => break,
            }
        }
        self.targeted = Some((kind, reports));
    }

    /// Stops every active fault: heals the network, restarts killed nodes, resumes paused ones.
    pub(crate) async fn heal(&mut self, start: Instant) -> Result<(), RunError> {
        if let Some((kind, mut reports)) = self.targeted.take() {
            // Removing it from the router drops the sender: the steps it took before that are
            // still recorded, then the channel closes.
            self.router.control(Control::Targeted(None));
            while let Some(step) = reports.recv().await {
                self.record(&targeted_fault(kind, step), start);
            }
        }
        let active: Vec<Fault> = self.active.values().cloned().collect();
        for fault in active {
            let stop = match fault {
                Fault::StartPartition { .. } => Fault::StopPartition,
                Fault::Kill(nodes) => Fault::Restart(nodes),
                Fault::Pause(nodes) => Fault::Resume(nodes),
                Fault::StartLoss(..) => Fault::StopLoss,
                Fault::StartLatency(..) => Fault::StopLatency,
                Fault::Targeted { kind, .. } => Fault::Targeted {
                    kind,
                    step: format!("{}: end of the run: heal", kind.name()),
                    grudge: None,
                },
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

    /// Records `fault` as a nemesis event and as applied, and notes what is active.
    fn record(&mut self, fault: &Fault, start: Instant) {
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
    }

    async fn apply(&mut self, fault: &Fault, start: Instant) -> Result<(), RunError> {
        self.record(fault, start);
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
            // The router took the step itself (or, healing, has already been told).
            Fault::Targeted { .. } => {}
        }
        Ok(())
    }
}

fn targeted_fault(kind: FaultKind, step: Step) -> Fault {
    Fault::Targeted {
        kind,
        step: step.description,
        grudge: step.grudge,
    }
}
