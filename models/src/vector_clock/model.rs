//! [`VectorClocks`]: the `vector-clocks` spec and its properties.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `clock condition` | always | Mattern (1989), §4, Theorem 10 / Fidge (1988): for events a ≠ b, `vc(a) < vc(b)` ⇔ a happens before b (Lamport 1978, §2) |
//! | `causality across processes` | sometimes | reachability: an event happens before an event on another process (a message was delivered) |
//! | `concurrent events` | sometimes | reachability: two events on processes that have exchanged messages are concurrent |

use super::{Causality, EventId, ProcessState, VcProcess, NO_MAX_ON_RECEIVE};
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{System, SystemState, Topology};
use crate::ModelError;

const MATTERN: &str = "Mattern, \"Virtual Time and Global States of Distributed Systems\" (1989)";

/// `servers` processes, each taking `events` steps of its own (a local event or a send to any
/// other process, picked by the environment); messages are delivered in any order.
#[derive(Clone, Debug)]
pub struct VectorClocks {
    processes: usize,
    steps: u32,
    no_max: bool,
}

/// Every recorded event in `state`, with its clock, and the happens-before relation over them.
fn events_and_causality<'a>(
    system: &System<VectorClocks>,
    state: &'a SystemState<VectorClocks>,
) -> (Vec<(EventId, &'a super::Event)>, Causality) {
    let events: Vec<(EventId, &super::Event)> = system
        .states(state)
        .flat_map(|(process, s): (_, &'a ProcessState)| {
            s.events.iter().enumerate().map(move |(seq, event)| {
                let id = EventId {
                    process,
                    seq: seq as u32,
                };
                (id, event)
            })
        })
        .collect();
    let causality = Causality::new(events.iter().map(|(id, e)| (*id, &e.kind)));
    (events, causality)
}

/// The clock condition in both directions (Mattern 1989, §4; Fidge 1988): vector timestamps
/// characterize causality exactly.
fn clock_condition() -> SpecProperty<VectorClocks> {
    SpecProperty::always(
        "clock condition",
        "for every two events a ≠ b: vc(a) < vc(b) exactly when a happens before b",
        "Mattern, \"Virtual Time and Global States of Distributed Systems\" (1989), §4, \
         Theorem 10; Fidge (1988); happens-before as in Lamport, CACM 1978, §2",
        |system, state| {
            let (events, causality) = events_and_causality(system, state);
            events.iter().all(|(a, ea)| {
                events.iter().all(|(b, eb)| {
                    a == b || causality.happens_before(*a, *b) == ea.clock.before(&eb.clock)
                })
            })
        },
    )
}

/// Some event happens before an event on another process, so the clock condition is tested on
/// causality that messages carry.
fn causality_across_processes() -> SpecProperty<VectorClocks> {
    SpecProperty::sometimes(
        "causality across processes",
        "some event happens before an event on another process",
        MATTERN,
        |system, state| {
            let (events, causality) = events_and_causality(system, state);
            events.iter().any(|(a, _)| {
                events
                    .iter()
                    .any(|(b, _)| a.process != b.process && causality.happens_before(*a, *b))
            })
        },
    )
}

/// Two events are concurrent although their processes have exchanged messages, so the clock
/// condition is tested on incomparable clocks too.
fn concurrent_events() -> SpecProperty<VectorClocks> {
    SpecProperty::sometimes(
        "concurrent events",
        "two events are concurrent while causality also links their processes",
        MATTERN,
        |system, state| {
            let (events, causality) = events_and_causality(system, state);
            let linked = |p, q| {
                events.iter().any(|(a, _)| {
                    events.iter().any(|(b, _)| {
                        a.process == p && b.process == q && causality.happens_before(*a, *b)
                    })
                })
            };
            events.iter().any(|(a, _)| {
                events.iter().any(|(b, _)| {
                    a.process != b.process
                        && !causality.happens_before(*a, *b)
                        && !causality.happens_before(*b, *a)
                        && linked(a.process, b.process)
                })
            })
        },
    )
}

impl Spec for VectorClocks {
    type Node = VcProcess;

    const NAME: &'static str = "vector-clocks";
    const DESCRIPTION: &'static str =
        "processes stamp events with vector clocks; clock order must be exactly happens-before";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "processes", 3, 2, 5),
            ParameterInfo::new(
                "events",
                "local events and sends per process (receives come on top)",
                1,
                1,
                4,
            ),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![BugInfo {
            name: NO_MAX_ON_RECEIVE,
            description: "on receive, tick the own entry without taking the maximum with the \
                          message's clock",
            violates: "clock condition",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            clock_condition(),
            causality_across_processes(),
            concurrent_events(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(VectorClocks {
            processes: config.count("servers"),
            steps: config.get("events") as u32,
            no_max: config.bug() == Some(NO_MAX_ON_RECEIVE),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.processes, 0)
    }

    fn nodes(&self) -> Vec<VcProcess> {
        (0..self.processes)
            .map(|_| VcProcess {
                processes: self.processes,
                steps: self.steps,
                no_max: self.no_max,
            })
            .collect()
    }
}
