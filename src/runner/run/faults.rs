//! The nemesis executor: applies scheduled faults through the backend's [`Cluster`], records
//! each as a nemesis event (`"process":"nemesis"`, `info`) with the [`Effect`] the backend saw
//! (its `effect` field: the exit of a kill, the process seen stopped, the packets a partition
//! dropped), tracks what is active (for the progress bar and the final heal) and which kinds
//! were proved to take effect, and heals everything at the end. A targeted nemesis runs inside
//! the backend instead; the executor installs it, records the steps it reports, and removes it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::history::{Event, EventKind, Process, Value};
use crate::node::ClockSetting;
use crate::runner::backend::Cluster;
use crate::runner::clock_skew;
use crate::runner::corrupt;
use crate::runner::effect::Effect;
use crate::runner::host_clock;
use crate::runner::membership;
use crate::runner::nemesis::targeted::Step;
use crate::runner::nemesis::{Fault, FaultKind, Scheduled, TargetedNemesis};
use crate::runner::progress::RunProgress;
use crate::runner::protocol::node_id;
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
    /// Per kind, the actions whose effect was judged, and how many took.
    proofs: BTreeMap<FaultKind, Proof>,
    /// The nodes' data directories (`<data>/n0`, ...), for the corrupt nemesis.
    data: Option<PathBuf>,
    /// The last generation of clock setting written to a host-owned clock's file.
    clock_generation: u64,
}

/// How many of a kind's judged actions took effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Proof {
    judged: u32,
    took: u32,
}

impl Faults {
    pub(super) fn new(
        recorder: Arc<Recorder>,
        progress: Arc<RunProgress>,
        data: Option<PathBuf>,
    ) -> Faults {
        Faults {
            data,
            recorder,
            progress,
            active: BTreeMap::new(),
            applied: Vec::new(),
            targeted: None,
            proofs: BTreeMap::new(),
            clock_generation: 0,
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
                    Some(step) => self.record(&targeted_fault(kind, step), None, start),
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
                self.record(&targeted_fault(kind, step), None, start);
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

    /// Why a `valid` verdict proves nothing about the `requested` timed fault kinds that
    /// never took effect: one reason per kind. A targeted nemesis's steps are the router's own
    /// and are not judged here.
    pub(super) fn unproven(&self, requested: &[FaultKind]) -> Vec<String> {
        requested
            .iter()
            .filter(|k| !k.is_targeted())
            .filter_map(|&kind| {
                let proof = self.proofs.get(&kind).copied().unwrap_or_default();
                (proof.took == 0).then(|| unproven_reason(kind, proof))
            })
            .collect()
    }

    /// Records `fault` as a nemesis event (with the `effect` seen, if any) and as applied, and
    /// notes what is active and what took effect.
    fn record(&mut self, fault: &Fault, effect: Option<&Effect>, start: Instant) {
        let mut event = Event::new(0, EventKind::Info, fault.f(), fault.value());
        event.process = Process::Nemesis;
        if let Some(effect) = effect.filter(|e| e.took.is_some() || !e.evidence.is_empty()) {
            event.extra.push(("effect".into(), effect.value()));
            if let (Some(took), true) = (effect.took, judges(fault)) {
                let proof = self.proofs.entry(fault.kind()).or_default();
                proof.judged += 1;
                proof.took += u32::from(took);
            }
        }
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

    /// Kills node `i`, then corrupts a file of its data directory (chosen by `seed` and the
    /// node); the effect is the corruption's, with the exit seen.
    async fn corrupt<C: Cluster>(&self, cluster: &C, i: usize, seed: u64) -> Effect {
        let killed = cluster.kill_node(i).await;
        let Some(root) = self.data.clone() else {
            return Effect::missed(vec![("file", Value::str("no local data directories"))]);
        };
        let dir = root.join(node_id(i));
        let seed = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let corrupted = tokio::task::spawn_blocking(move || corrupt::corrupt(&dir, seed))
            .await
            .unwrap_or_else(|_| Effect::missed(vec![("file", Value::str("not corrupted"))]));
        Effect {
            took: corrupted.took,
            evidence: corrupted
                .evidence
                .into_iter()
                .chain(killed.evidence)
                .collect(),
        }
    }

    /// Sets each node's clock `(node, offset_ms, rate)`; the effect: each node's own.
    async fn clock<C: Cluster>(&mut self, cluster: &C, settings: &[(usize, i64, f64)]) -> Effect {
        let wait = Duration::from_millis(500);
        Effect::per_node(self.set_clocks(cluster, settings, wait).await)
    }

    /// Sets each node's clock `(node, offset_ms, rate)`: through its clock file when its host
    /// owns its clock (read back from the node within `wait`), else on its host (ssh), else in
    /// `<store>/clock/nX`, read by the node's libfaketime (read back with `date` under the
    /// node's environment, and libfaketime seen in its process). Each node's effect.
    async fn set_clocks<C: Cluster>(
        &mut self,
        cluster: &C,
        settings: &[(usize, i64, f64)],
        wait: Duration,
    ) -> Vec<(String, Effect)> {
        let files: Option<Vec<PathBuf>> = settings
            .iter()
            .map(|&(i, ..)| cluster.host_clock_file(i))
            .collect();
        if let Some(files) = files {
            let mut batch = Vec::new();
            for (file, &(_, offset_ms, rate)) in files.into_iter().zip(settings) {
                self.clock_generation += 1;
                let setting = ClockSetting {
                    generation: self.clock_generation,
                    offset_ms,
                    rate,
                };
                batch.push((file, setting));
            }
            let effects = tokio::task::spawn_blocking(move || host_clock::set_all(batch, wait))
                .await
                .unwrap_or_default();
            return settings
                .iter()
                .map(|&(i, ..)| node_id(i))
                .zip(effects)
                .collect();
        }
        if let Some(&(i, _, rate)) = settings.iter().find(|s| s.2 != 1.0) {
            let why = "libfaketime cannot apply a rate mid-run (it counts one from the \
                       process's start); refused";
            let effect = Effect::missed(vec![
                ("rate", Value::Float(rate)),
                ("error", Value::str(why)),
            ]);
            return vec![(node_id(i), effect)];
        }
        let mut remote = Vec::new();
        for &(i, ms, _) in settings {
            match cluster.set_clock(i, ms).await {
                Some(effect) => remote.push((node_id(i), effect)),
                None => break,
            }
        }
        if remote.len() == settings.len() && !settings.is_empty() {
            return remote;
        }
        let lib = match clock_skew::libfaketime() {
            Ok(lib) => lib,
            Err(why) => {
                return vec![(
                    "error".into(),
                    Effect::missed(vec![("error", Value::str(why))]),
                )]
            }
        };
        let Some(dir) = self
            .data
            .as_ref()
            .and_then(|d| d.parent())
            .map(|s| s.join("clock"))
        else {
            let missed = Effect::missed(vec![("error", Value::str("no local clock files"))]);
            return vec![("error".into(), missed)];
        };
        let mut effects = Vec::new();
        for &(i, ms, _) in settings {
            let pid = cluster.node_pid(i);
            let (dir, lib, node) = (dir.clone(), lib.clone(), node_id(i));
            let effect =
                tokio::task::spawn_blocking(move || clock_skew::bump(&dir, &node, &lib, ms, pid))
                    .await
                    .unwrap_or_else(|_| {
                        Effect::missed(vec![("error", Value::str("no read-back"))])
                    });
            effects.push((node_id(i), effect));
        }
        effects
    }

    /// Jepsen's strobe: flips `nodes`' clocks to `delta_ms` and back to the real time every
    /// `period` for `duration` (an even number of flips: it ends at the real time). The effect
    /// per node: the flips made and how many were read back at their offset; taken when a flip
    /// to `delta_ms` was.
    async fn strobe<C: Cluster>(
        &mut self,
        cluster: &C,
        nodes: &[usize],
        delta_ms: i64,
        period: Duration,
        duration: Duration,
    ) -> Effect {
        let flips = (duration.as_millis() / period.as_millis().max(1)).max(2) as usize / 2 * 2;
        let mut read_back = vec![0i64; nodes.len()];
        let mut delta_seen = vec![false; nodes.len()];
        for k in 0..flips {
            let at = Instant::now();
            let offset = if k % 2 == 0 { delta_ms } else { 0 };
            let settings: Vec<(usize, i64, f64)> =
                nodes.iter().map(|&i| (i, offset, 1.0)).collect();
            let effects = self.set_clocks(cluster, &settings, period).await;
            for (n, (_, effect)) in effects.iter().enumerate().take(nodes.len()) {
                if effect.took == Some(true) {
                    read_back[n] += 1;
                    delta_seen[n] |= offset != 0;
                }
            }
            tokio::time::sleep_until(at + period).await;
        }
        let effects = nodes
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let evidence = vec![
                    ("delta-ms", Value::Int(delta_ms)),
                    ("flips", Value::Int(flips as i64)),
                    ("flips-read-back", Value::Int(read_back[n])),
                ];
                let effect = if delta_seen[n] {
                    Effect::took(evidence)
                } else {
                    Effect::missed(evidence)
                };
                (node_id(i), effect)
            })
            .collect();
        Effect::per_node(effects)
    }

    /// Applies `fault`, then records it with what it was seen to do.
    async fn apply<C: Cluster>(
        &mut self,
        cluster: &C,
        fault: &Fault,
        start: Instant,
    ) -> Result<(), RunError> {
        let effect = match fault {
            Fault::StartPartition { grudge, .. } => Some(cluster.partition(Some(grudge)).await?),
            Fault::StopPartition => Some(cluster.partition(None).await?),
            Fault::Kill(nodes) => {
                let mut effects = Vec::new();
                for &i in nodes {
                    effects.push((node_id(i), cluster.kill_node(i).await));
                }
                Some(Effect::per_node(effects))
            }
            Fault::Restart(nodes) => {
                for &i in nodes {
                    cluster.start_node(i).await?;
                }
                None
            }
            Fault::Pause(nodes) => {
                let mut effects = Vec::new();
                for &i in nodes {
                    effects.push((node_id(i), cluster.pause_node(i).await));
                }
                Some(Effect::per_node(effects))
            }
            Fault::Resume(nodes) => {
                let mut effects = Vec::new();
                for &i in nodes {
                    effects.push((node_id(i), cluster.resume_node(i).await));
                }
                Some(Effect::per_node(effects))
            }
            Fault::StartLoss(nodes, p) => Some(cluster.loss(nodes, Some(*p)).await?),
            Fault::StopLoss => Some(cluster.loss(&[], None).await?),
            Fault::StartLatency(nodes, extra) => Some(cluster.latency(nodes, Some(*extra)).await?),
            Fault::StopLatency => Some(cluster.latency(&[], None).await?),
            Fault::Corrupt(nodes, seed) => {
                let mut effects = Vec::new();
                for &i in nodes {
                    effects.push((node_id(i), self.corrupt(cluster, i, *seed).await));
                }
                Some(Effect::per_node(effects))
            }
            Fault::Recover(nodes) => {
                for &i in nodes {
                    cluster.start_node(i).await?;
                }
                None
            }
            Fault::LoseUnsynced(nodes, seed) => {
                let mut effects = Vec::new();
                for &i in nodes {
                    // The node's own draw, as for the corrupt nemesis: nodes lose different
                    // amounts under one action.
                    let seed = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    effects.push((node_id(i), cluster.lose_unsynced(i, seed).await));
                }
                for &i in nodes {
                    cluster.start_node(i).await?;
                }
                Some(Effect::per_node(effects))
            }
            Fault::ClockBump(offsets) => {
                let settings: Vec<_> = offsets.iter().map(|&(i, ms)| (i, ms, 1.0)).collect();
                Some(self.clock(cluster, &settings).await)
            }
            Fault::ClockRate(rates) => {
                let settings: Vec<_> = rates.iter().map(|&(i, r)| (i, 0, r)).collect();
                Some(self.clock(cluster, &settings).await)
            }
            Fault::ClockStrobe {
                nodes,
                delta_ms,
                period,
                duration,
            } => Some(
                self.strobe(cluster, nodes, *delta_ms, *period, *duration)
                    .await,
            ),
            Fault::ClockReset(nodes) => {
                let real: Vec<_> = nodes.iter().map(|&i| (i, 0, 1.0)).collect();
                Some(self.clock(cluster, &real).await)
            }
            Fault::Leave(nodes) | Fault::Join(nodes) => {
                let join = matches!(fault, Fault::Join(_));
                let mut effects = Vec::new();
                for &i in nodes {
                    effects.push((node_id(i), membership::change(cluster, i, join).await));
                }
                Some(Effect::per_node(effects))
            }
            // The backend took the step itself (or, healing, has already been told).
            Fault::Targeted { .. } => None,
        };
        self.record(fault, effect.as_ref(), start);
        Ok(())
    }
}

/// Whether `fault`'s effect proves its kind took effect: the kill, the pause, the corruption
/// read back, the clock offset read back, and the end of a network fault (which counts what it dropped or delayed). A
/// restart or a resume proves nothing about the fault it ends.
fn judges(fault: &Fault) -> bool {
    !matches!(
        fault,
        Fault::Restart(_) | Fault::Resume(_) | Fault::Recover(_) | Fault::ClockReset(_)
    )
}

fn unproven_reason(kind: FaultKind, proof: Proof) -> String {
    let what = match kind {
        FaultKind::Partition => "no partition dropped a packet or message",
        FaultKind::Loss => "no loss fault dropped a packet or message",
        FaultKind::Latency => "no latency fault delayed a message",
        FaultKind::Kill => "no kill was seen to end a process",
        FaultKind::Pause => "no paused process was seen stopped",
        FaultKind::Corrupt => "no file of a down node's data directory was corrupted",
        FaultKind::LoseUnsynced => "no node was killed with its unsynced writes dropped",
        FaultKind::Clock => "no node's clock was read back at the offset (and rate) it was set to",
        FaultKind::Membership => "the coordinator n0 accepted no join or leave",
        FaultKind::Figure8 => "the targeted nemesis took no step",
    };
    if proof.judged == 0 {
        format!(
            "--nemesis {} never took effect: none was applied",
            kind.name()
        )
    } else {
        format!(
            "--nemesis {} never took effect: {what} ({} tried)",
            kind.name(),
            proof.judged
        )
    }
}

fn targeted_fault(kind: FaultKind, step: Step) -> Fault {
    Fault::Targeted {
        kind,
        step: step.description,
        grudge: step.grudge,
    }
}
