//! The nemesis: which faults, when, and on which nodes.
//!
//! Map of this module, in reading order:
//! - [`FaultKind`], [`Fault`], [`Scheduled`] (here): the fault menu and one timed action;
//! - `clock.rs`: [`ClockFault`], bump, strobe and rate, and their seeded draws (pure);
//! - `partition.rs`: partition shapes ([`PartitionShape`]) turned into a [`Grudge`] (pure);
//! - `schedule.rs`: [`schedule()`], the seeded fault schedule (pure: same seed, same schedule);
//! - `targeted.rs`: [`TargetedNemesis`], schedules that react to the messages (Raft's Figure 8),
//!   run inside the router (pure).
//!
//! Everything here is pure; the run skeleton's executor (`run/faults.rs`) applies the actions
//! through a backend.
//!
//! Faults come in start/stop pairs (Jepsen's flip-flop): a kill is followed by a restart of the
//! same nodes, a pause by a resume, a partition by a heal. At the end of a run every fault still
//! active is stopped.

mod clock;
mod partition;
mod schedule;
pub mod targeted;

use std::time::Duration;

pub use clock::ClockFault;
pub use partition::{Grudge, PartitionShape};
pub use schedule::schedule;
pub use targeted::TargetedNemesis;

use super::json;
use super::protocol::node_id;
use crate::history::Value;

/// A kind of fault, as named in `--nemesis`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// Network partitions among the nodes (clients and services are never cut off).
    Partition,
    /// SIGKILL a node's process group, later restart it with the same node id.
    Kill,
    /// SIGSTOP a node's process group, later SIGCONT it.
    Pause,
    /// Drop a share of the messages to and from some nodes.
    Loss,
    /// Add latency to the messages to and from some nodes.
    Latency,
    /// Kill one node, flip a bit in or truncate one file of its data directory, restart it.
    Corrupt,
    /// Kill nodes, drop what they wrote but did not fsync (all of it or a torn tail, seeded),
    /// restart them (a power failure; netns with a lazy filesystem).
    LoseUnsynced,
    /// Skew some nodes' clocks (Jepsen's bump, strobe or rate: [`ClockFault`]), later reset
    /// them.
    Clock,
    /// Ask the coordinator `n0` to take a node out of the ring, later to put it back (a
    /// Maelstrom request from the harness: `{"type":"leave","node":"n2"}`, then `join`).
    Membership,
    /// Raft's Figure 8, built from the messages (see [`targeted::Figure8`]); runs alone.
    Figure8,
}

impl FaultKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::Partition,
        FaultKind::Kill,
        FaultKind::Pause,
        FaultKind::Loss,
        FaultKind::Latency,
        FaultKind::Corrupt,
        FaultKind::LoseUnsynced,
        FaultKind::Clock,
        FaultKind::Membership,
        FaultKind::Figure8,
    ];

    /// The kinds that follow the timed schedule.
    pub const TIMED: [FaultKind; 9] = [
        FaultKind::Partition,
        FaultKind::Kill,
        FaultKind::Pause,
        FaultKind::Loss,
        FaultKind::Latency,
        FaultKind::Corrupt,
        FaultKind::LoseUnsynced,
        FaultKind::Clock,
        FaultKind::Membership,
    ];

    /// The kinds that react to messages (and run alone).
    pub const TARGETED: [FaultKind; 1] = [FaultKind::Figure8];

    /// The name used in `--nemesis`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::Kill => "kill",
            FaultKind::Pause => "pause",
            FaultKind::Loss => "loss",
            FaultKind::Latency => "latency",
            FaultKind::Corrupt => "corrupt",
            FaultKind::LoseUnsynced => "lose-unsynced",
            FaultKind::Clock => "clock",
            FaultKind::Membership => "membership",
            FaultKind::Figure8 => "figure8",
        }
    }

    /// Whether it reacts to messages rather than following the timed schedule.
    pub fn is_targeted(self) -> bool {
        FaultKind::TARGETED.contains(&self)
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One nemesis action. Node lists are slots (0 is `n0`).
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Start a partition.
    StartPartition {
        /// The shape it was drawn from.
        shape: PartitionShape,
        /// Who drops messages from whom.
        grudge: Grudge,
    },
    /// Heal the network.
    StopPartition,
    /// SIGKILL these nodes.
    Kill(Vec<usize>),
    /// Restart these (killed) nodes with the same ids.
    Restart(Vec<usize>),
    /// SIGSTOP these nodes.
    Pause(Vec<usize>),
    /// SIGCONT these nodes.
    Resume(Vec<usize>),
    /// Drop messages to and from these nodes with this probability.
    StartLoss(Vec<usize>, f64),
    /// Stop dropping.
    StopLoss,
    /// Delay messages to and from these nodes by this much more.
    StartLatency(Vec<usize>, Duration),
    /// Back to the configured latency.
    StopLatency,
    /// SIGKILL these nodes and corrupt one file of each one's data directory, chosen by the seed.
    Corrupt(Vec<usize>, u64),
    /// Restart these (corrupted) nodes with the same ids.
    Recover(Vec<usize>),
    /// SIGKILL these nodes, drop what they wrote but did not sync (how much: from the seed),
    /// and restart them: one action, a power failure and the reboot after it.
    LoseUnsynced(Vec<usize>, u64),
    /// Set these nodes' clocks this many milliseconds off the real time (signed).
    ClockBump(Vec<(usize, i64)>),
    /// Flip these nodes' clocks between the real time and `delta_ms` off it every `period`,
    /// for `duration` (Jepsen's strobe); they end at the real time.
    ClockStrobe {
        /// The nodes.
        nodes: Vec<usize>,
        /// How far each flip steps (signed).
        delta_ms: i64,
        /// How long between flips.
        period: Duration,
        /// How long the strobe lasts.
        duration: Duration,
    },
    /// Run these nodes' clocks this many times as fast as the real one.
    ClockRate(Vec<(usize, f64)>),
    /// Set these nodes' clocks back to the real time.
    ClockReset(Vec<usize>),
    /// Ask the coordinator to take these nodes out of the ring.
    Leave(Vec<usize>),
    /// Ask the coordinator to put these nodes (back) into the ring.
    Join(Vec<usize>),
    /// A step of a targeted nemesis, taken by the router; `grudge` is the partition it leaves
    /// (`None`: healed).
    Targeted {
        /// Which nemesis.
        kind: FaultKind,
        /// What happened and why.
        step: String,
        /// The partition from now on.
        grudge: Option<Grudge>,
    },
}

impl Fault {
    /// The `f` of its nemesis event (Jepsen's names where Jepsen has one).
    pub fn f(&self) -> &'static str {
        match self {
            Fault::StartPartition { .. } => "start-partition",
            Fault::StopPartition => "stop-partition",
            Fault::Kill(_) => "kill",
            Fault::Restart(_) => "start",
            Fault::Pause(_) => "pause",
            Fault::Resume(_) => "resume",
            Fault::StartLoss(..) => "start-loss",
            Fault::StopLoss => "stop-loss",
            Fault::StartLatency(..) => "start-latency",
            Fault::StopLatency => "stop-latency",
            Fault::Corrupt(..) => "corrupt",
            Fault::Recover(_) => "recover",
            Fault::LoseUnsynced(..) => "lose-unsynced",
            Fault::ClockBump(_) => "bump",
            Fault::ClockStrobe { .. } => "strobe",
            Fault::ClockRate(_) => "rate",
            Fault::ClockReset(_) => "reset",
            Fault::Leave(_) => "leave",
            Fault::Join(_) => "join",
            Fault::Targeted {
                grudge: Some(_), ..
            } => "start-partition",
            Fault::Targeted { grudge: None, .. } => "stop-partition",
        }
    }

    /// The kind it belongs to.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::StartPartition { .. } | Fault::StopPartition => FaultKind::Partition,
            Fault::Kill(_) | Fault::Restart(_) => FaultKind::Kill,
            Fault::Pause(_) | Fault::Resume(_) => FaultKind::Pause,
            Fault::StartLoss(..) | Fault::StopLoss => FaultKind::Loss,
            Fault::StartLatency(..) | Fault::StopLatency => FaultKind::Latency,
            Fault::Corrupt(..) | Fault::Recover(_) => FaultKind::Corrupt,
            Fault::LoseUnsynced(..) => FaultKind::LoseUnsynced,
            Fault::ClockBump(_)
            | Fault::ClockStrobe { .. }
            | Fault::ClockRate(_)
            | Fault::ClockReset(_) => FaultKind::Clock,
            Fault::Leave(_) | Fault::Join(_) => FaultKind::Membership,
            Fault::Targeted { kind, .. } => *kind,
        }
    }

    /// Whether it starts a fault (rather than ending one).
    pub fn is_start(&self) -> bool {
        matches!(
            self,
            Fault::StartPartition { .. }
                | Fault::Kill(_)
                | Fault::Pause(_)
                | Fault::StartLoss(..)
                | Fault::StartLatency(..)
                | Fault::Corrupt(..)
                | Fault::ClockBump(_)
                | Fault::Leave(_)
                | Fault::ClockStrobe { .. }
                | Fault::ClockRate(_)
                | Fault::Targeted {
                    grudge: Some(_),
                    ..
                }
        )
    }

    /// The action that ends this one: a restart ends a kill, a resume a pause, a heal a
    /// partition; an action that ends a fault is its own.
    pub fn healing(&self) -> Fault {
        match self {
            Fault::StartPartition { .. } => Fault::StopPartition,
            Fault::Kill(nodes) => Fault::Restart(nodes.clone()),
            Fault::Pause(nodes) => Fault::Resume(nodes.clone()),
            Fault::StartLoss(..) => Fault::StopLoss,
            Fault::StartLatency(..) => Fault::StopLatency,
            Fault::Corrupt(nodes, _) => Fault::Recover(nodes.clone()),
            Fault::Leave(nodes) => Fault::Join(nodes.clone()),
            Fault::ClockBump(offsets) => {
                Fault::ClockReset(offsets.iter().map(|&(i, _)| i).collect())
            }
            Fault::ClockStrobe { nodes, .. } => Fault::ClockReset(nodes.clone()),
            Fault::ClockRate(rates) => Fault::ClockReset(rates.iter().map(|&(i, _)| i).collect()),
            Fault::Targeted { kind, .. } => Fault::Targeted {
                kind: *kind,
                step: format!("{}: end of the run: heal", kind.name()),
                grudge: None,
            },
            other => other.clone(),
        }
    }

    /// The `value` of its nemesis event.
    pub fn value(&self) -> Value {
        let nodes = |slots: &[usize]| {
            Value::list(
                slots
                    .iter()
                    .map(|&i| Value::str(node_id(i)))
                    .collect::<Vec<_>>(),
            )
        };
        let map = |entries: Vec<(&str, Value)>| {
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (Value::str(k), v))
                    .collect(),
            )
        };
        match self {
            Fault::StartPartition { shape, grudge } => map(vec![
                ("shape", Value::str(shape.name())),
                ("drops", json::string_map(&grudge.describe())),
            ]),
            Fault::StopPartition => Value::str("network-healed"),
            Fault::Kill(s)
            | Fault::Restart(s)
            | Fault::Pause(s)
            | Fault::Resume(s)
            | Fault::Recover(s)
            | Fault::ClockReset(s)
            | Fault::Leave(s)
            | Fault::Join(s) => nodes(s),
            Fault::ClockBump(offsets) => Value::Map(
                offsets
                    .iter()
                    .map(|&(i, ms)| (Value::str(node_id(i)), Value::Int(ms)))
                    .collect(),
            ),
            Fault::ClockRate(rates) => Value::Map(
                rates
                    .iter()
                    .map(|&(i, r)| (Value::str(node_id(i)), Value::Float(r)))
                    .collect(),
            ),
            Fault::ClockStrobe {
                nodes: s,
                delta_ms,
                period,
                duration,
            } => map(vec![
                ("nodes", nodes(s)),
                ("delta-ms", Value::Int(*delta_ms)),
                ("period-ms", Value::Int(period.as_millis() as i64)),
                ("duration-ms", Value::Int(duration.as_millis() as i64)),
            ]),
            Fault::Corrupt(s, seed) | Fault::LoseUnsynced(s, seed) => map(vec![
                ("nodes", nodes(s)),
                ("seed", Value::Int(*seed as i64)),
            ]),
            Fault::StartLoss(s, p) => {
                map(vec![("nodes", nodes(s)), ("probability", Value::Float(*p))])
            }
            Fault::StartLatency(s, d) => map(vec![
                ("nodes", nodes(s)),
                ("extra-ms", Value::Int(d.as_millis() as i64)),
            ]),
            Fault::StopLoss | Fault::StopLatency => Value::Nil,
            Fault::Targeted { kind, step, grudge } => {
                let mut entries = vec![
                    ("shape", Value::str(kind.name())),
                    ("step", Value::str(step.as_str())),
                ];
                if let Some(g) = grudge {
                    entries.push(("drops", json::string_map(&g.describe())));
                }
                map(entries)
            }
        }
    }

    /// One line for logs and the progress bar: `kill n1 n2`, `partition majority`.
    pub fn describe(&self) -> String {
        let nodes = |s: &[usize]| s.iter().map(|&i| node_id(i)).collect::<Vec<_>>().join(" ");
        match self {
            Fault::StartPartition { shape, .. } => format!("partition {}", shape.name()),
            Fault::Kill(s) => format!("kill {}", nodes(s)),
            Fault::Pause(s) => format!("pause {}", nodes(s)),
            Fault::Leave(s) => format!("leave {}", nodes(s)),
            Fault::Corrupt(s, _) => format!("corrupt {}", nodes(s)),
            Fault::LoseUnsynced(s, _) => format!("lose-unsynced {}", nodes(s)),
            Fault::ClockBump(offsets) => {
                let each: Vec<String> = offsets
                    .iter()
                    .map(|&(i, ms)| format!("{}{:+}ms", node_id(i), ms))
                    .collect();
                format!("clock {}", each.join(" "))
            }
            Fault::ClockRate(rates) => {
                let each: Vec<String> = rates
                    .iter()
                    .map(|&(i, r)| format!("{}×{r}", node_id(i)))
                    .collect();
                format!("clock rate {}", each.join(" "))
            }
            Fault::ClockStrobe {
                nodes: s, delta_ms, ..
            } => format!("clock strobe {delta_ms:+}ms {}", nodes(s)),
            Fault::StartLoss(s, p) => format!("loss {p} {}", nodes(s)),
            Fault::StartLatency(s, d) => format!("latency +{}ms {}", d.as_millis(), nodes(s)),
            Fault::Targeted { step, .. } => step.clone(),
            other => other.f().to_string(),
        }
    }
}

/// A fault at an offset from the start of the client phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled {
    /// When, from the start of the client phase.
    pub at: Duration,
    /// What.
    pub fault: Fault,
}

impl serde::Serialize for Scheduled {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("at", &self.at.as_secs_f64())?;
        m.serialize_entry("f", self.fault.f())?;
        m.serialize_entry("value", &json::to_json(&self.fault.value()))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_timed_or_targeted_and_never_both() {
        for kind in FaultKind::ALL {
            let timed = FaultKind::TIMED.contains(&kind);
            assert!(timed != kind.is_targeted(), "{kind:?}");
        }
        assert_eq!(
            FaultKind::TIMED.len() + FaultKind::TARGETED.len(),
            FaultKind::ALL.len()
        );
    }

    #[test]
    fn the_healing_of_a_start_ends_the_same_kind() {
        let starts = [
            Fault::Kill(vec![1]),
            Fault::Pause(vec![0, 2]),
            Fault::StartLoss(vec![1], 0.5),
            Fault::StartLatency(vec![2], Duration::from_millis(50)),
            Fault::ClockBump(vec![(0, 250), (2, -4000)]),
            Fault::Leave(vec![2]),
            Fault::ClockRate(vec![(1, 0.5)]),
            Fault::ClockStrobe {
                nodes: vec![0],
                delta_ms: 300,
                period: Duration::from_millis(20),
                duration: Duration::from_millis(400),
            },
            Fault::StartPartition {
                shape: PartitionShape::One,
                grudge: Grudge::none(3),
            },
        ];
        for start in starts {
            let heal = start.healing();
            assert!(start.is_start() && !heal.is_start(), "{start:?} → {heal:?}");
            assert_eq!(start.kind(), heal.kind());
            assert_eq!(heal.healing(), heal, "healing a heal changes nothing");
        }
        assert_eq!(Fault::Kill(vec![1]).healing(), Fault::Restart(vec![1]));
    }
}
