//! The nemesis executor: applies scheduled faults through the backend's [`Cluster`], records
//! each as a nemesis event (`"process":"nemesis"`, `info`), tracks what is active (for the
//! progress bar and the final heal), and heals everything at the end. A targeted nemesis runs
//! inside the backend instead; the executor installs it, records the steps it reports, and
//! removes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::history::{Event, EventKind, Process};
use crate::runner::backend::Cluster;
use crate::runner::nemesis::targeted::Step;
use crate::runner::nemesis::{Fault, FaultKind, Scheduled, TargetedNemesis};
use crate::runner::progress::RunProgress;
use crate::runner::recorder::Recorder;
use crate::runner::RunError;

/// Fault bookkeeping: what was applied when, and the start action of each active kind.
pub(super) struct Faults {
    recorder: Arc<Recorder>,
    progress: Arc<RunProgress>,
    active: BTreeMap<FaultKind, Fault>,
    applied: Vec<Scheduled>,
    /// The installed targeted nemesis's kind and its step reports.
    targeted: Option<(FaultKind, mpsc::UnboundedReceiver<Step>)>,
}

impl Faults {
    pub(super) fn new(recorder: Arc<Recorder>, progress: Arc<RunProgress>) -> Faults {
        Faults {
            recorder,
            progress,
            active: BTreeMap::new(),
            applied: Vec::new(),
            targeted: None,
        }
    }

    /// Runs `schedule`, whose times count from `start`.
    pub(super) async fn run<C: Cluster>(
        &mut self,
        cluster: &C,
        schedule: &[Scheduled],
        start: Instant,
    ) -> Result<(), RunError> {
        for s in schedule {
            tokio::time::sleep_until(start + s.at).await;
            self.apply(cluster, &s.fault, start).await?;
        }
        Ok(())
    }

    /// Installs `nemesis` (of `kind`) and records its steps until `until`; times count from
    /// `start`. It stays installed until [`Faults::heal`].
    pub(super) async fn run_targeted<C: Cluster>(
        &mut self,
        cluster: &C,
        kind: FaultKind,
        nemesis: Box<dyn TargetedNemesis>,
        start: Instant,
        until: Instant,
    ) -> Result<(), RunError> {
        let mut reports = cluster.install_targeted(nemesis)?;
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
        Ok(())
    }

    /// Stops every active fault: heals the network, restarts killed nodes, resumes paused ones.
    pub(super) async fn heal<C: Cluster>(
        &mut self,
        cluster: &C,
        start: Instant,
    ) -> Result<(), RunError> {
        if let Some((kind, mut reports)) = self.targeted.take() {
            // Removing it drops its sender: the steps it took before that are still recorded,
            // then the channel closes.
            cluster.remove_targeted();
            while let Some(step) = reports.recv().await {
                self.record(&targeted_fault(kind, step), start);
            }
        }
        let active: Vec<Fault> = self.active.values().cloned().collect();
        for fault in active {
            self.apply(cluster, &fault.healing(), start).await?;
        }
        Ok(())
    }

    /// What was applied, with the time each was applied at.
    pub(super) fn applied(&self) -> &[Scheduled] {
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

    async fn apply<C: Cluster>(
        &mut self,
        cluster: &C,
        fault: &Fault,
        start: Instant,
    ) -> Result<(), RunError> {
        self.record(fault, start);
        match fault {
            Fault::StartPartition { grudge, .. } => cluster.partition(Some(grudge)).await?,
            Fault::StopPartition => cluster.partition(None).await?,
            Fault::Kill(nodes) => {
                for &i in nodes {
                    cluster.kill_node(i).await;
                }
            }
            Fault::Restart(nodes) => {
                for &i in nodes {
                    cluster.start_node(i).await?;
                }
            }
            Fault::Pause(nodes) => {
                for &i in nodes {
                    cluster.pause_node(i).await;
                }
            }
            Fault::Resume(nodes) => {
                for &i in nodes {
                    cluster.resume_node(i).await;
                }
            }
            Fault::StartLoss(nodes, p) => cluster.loss(nodes, Some(*p)).await?,
            Fault::StopLoss => cluster.loss(&[], None).await?,
            Fault::StartLatency(nodes, extra) => cluster.latency(nodes, Some(*extra)).await?,
            Fault::StopLatency => cluster.latency(&[], None).await?,
            // The backend took the step itself (or, healing, has already been told).
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
