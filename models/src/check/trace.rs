//! [`Trace`]: a path through the model as numbered, readable steps.

use std::collections::BTreeMap;

use serde::Serialize;
use stateright::actor::ActorModelAction;
use stateright::{Model, Path};

use super::render::field_changes;
use crate::history::{to_jsonl, HistoryEvent};
use crate::protocol::NodeId;
use crate::spec::Spec;
use crate::system::{ActionOf, System, SystemAction, SystemState};

/// A counterexample or example: the steps from the initial state, and the client history along
/// them (what `--history-out` writes for `splitbrain check`).
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    /// Step 0 is the start (what the nodes and clients did in `on_start`); then one step per
    /// transition.
    pub steps: Vec<Step>,
    /// The clients' operations along the path, in order.
    pub history: Vec<HistoryEvent>,
}

/// One transition.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// 0 for the start, then 1, 2, …
    pub number: usize,
    /// What happened.
    pub event: StepEvent,
    /// Which fields of which actors' states changed.
    pub changes: Vec<Change>,
    /// Messages the step put into the network.
    pub sent: Vec<Sent>,
    /// Client history events the step recorded.
    pub history: Vec<HistoryEvent>,
}

/// What happened in a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum StepEvent {
    /// The system started.
    Start,
    /// `to` received `msg` from `from`.
    Deliver {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message, rendered.
        msg: String,
    },
    /// The network lost a message.
    Drop {
        /// The sender.
        from: NodeId,
        /// The intended receiver.
        to: NodeId,
        /// The message, rendered.
        msg: String,
    },
    /// A timer of `node` fired.
    Timer {
        /// Whose timer.
        node: NodeId,
        /// Which timer, rendered.
        timer: String,
    },
    /// The environment picked an option of a `choose` effect.
    Choice {
        /// Whose choice.
        node: NodeId,
        /// The pick, rendered.
        pick: String,
    },
    /// `node` crashed, losing its volatile state.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// `node` restarted from its durable state.
    Recover {
        /// The node.
        node: NodeId,
    },
    /// The network split.
    Partition {
        /// The side holding `n0`.
        side: Vec<NodeId>,
        /// The other side.
        other: Vec<NodeId>,
    },
    /// The partition healed; `lost` messages sent across it were lost.
    Heal {
        /// Messages lost.
        lost: usize,
    },
    /// Real time advanced one tick, to `now` (timed specs: `lease-lock-timed`).
    Tick {
        /// The time now, in ticks.
        now: u64,
    },
    /// `node` took a step of its own (timed specs: a client writing while its clock says its
    /// lease is valid).
    Local {
        /// The node.
        node: NodeId,
        /// What it did, rendered.
        what: String,
    },
}

/// A field of an actor's state that changed in a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The actor.
    pub node: NodeId,
    /// The field (empty when the state is not a struct and changed as a whole).
    pub field: String,
    /// The value before, rendered.
    pub before: String,
    /// The value after, rendered.
    pub after: String,
}

/// A message put into the network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The message, rendered.
    pub msg: String,
}

impl Trace {
    /// Builds the trace of `path` in `system`, cut at the first state where `stop_at` holds
    /// (stateright keeps the *last* path it evaluated that triggered a property, which may run on
    /// past the first violation), and replayed on a history-recording twin when the system keeps
    /// the client history out of its states.
    pub(crate) fn from_path<S: Spec>(
        system: &System<S>,
        path: Path<SystemState<S>, ActionOf<S>>,
        stop_at: impl Fn(&SystemState<S>) -> bool,
    ) -> Trace {
        let mut pairs = path.into_vec();
        if let Some(first) = pairs.iter().position(|(state, _)| stop_at(state)) {
            pairs.truncate(first + 1);
            pairs[first].1 = None;
        }
        match system.recording_twin() {
            None => Trace::from_pairs(system, pairs),
            Some(twin) => {
                let replayed = replay(&twin, &pairs);
                Trace::from_pairs(&twin, replayed)
            }
        }
    }

    fn from_pairs<S: Spec>(
        system: &System<S>,
        pairs: Vec<(SystemState<S>, Option<ActionOf<S>>)>,
    ) -> Trace {
        let mut steps = Vec::with_capacity(pairs.len());
        let first = &pairs[0].0;
        steps.push(Step {
            number: 0,
            event: StepEvent::Start,
            changes: Vec::new(),
            sent: sent_between(system, None, first),
            history: first.history().events().to_vec(),
        });
        for (number, window) in pairs.windows(2).enumerate() {
            let (before, action) = (&window[0].0, window[0].1.clone());
            let after = &window[1].0;
            let Some(action) = action else { continue };
            steps.push(Step {
                number: number + 1,
                event: event_of(system, before, after, &action),
                changes: changes_between(system, before, after),
                sent: sent_between(system, Some(before), after),
                history: after.history().events()[before.history().events().len()..].to_vec(),
            });
        }
        let last = &pairs[pairs.len() - 1].0;
        Trace {
            steps,
            history: last.history().events().to_vec(),
        }
    }

    /// The client history as native JSON lines, for `splitbrain check`.
    pub fn history_jsonl(&self) -> String {
        to_jsonl(&self.history)
    }
}

/// The same actions from `twin`'s initial state (a path's first state is the only initial
/// state; an action that is a no-op leaves the state as it was, as in stateright's replay).
fn replay<S: Spec>(
    twin: &System<S>,
    pairs: &[(SystemState<S>, Option<ActionOf<S>>)],
) -> Vec<(SystemState<S>, Option<ActionOf<S>>)> {
    let mut state = twin.init_states().remove(0);
    let mut replayed = Vec::with_capacity(pairs.len());
    for (_, action) in pairs {
        let next = action
            .clone()
            .and_then(|a| twin.next_state(&state, a))
            .unwrap_or_else(|| state.clone());
        replayed.push((std::mem::replace(&mut state, next), action.clone()));
    }
    replayed
}

fn event_of<S: Spec>(
    system: &System<S>,
    before: &SystemState<S>,
    after: &SystemState<S>,
    action: &ActionOf<S>,
) -> StepEvent {
    let topology = system.topology();
    let node = |id| topology.node_id(id);
    match action {
        SystemAction::Actor(ActorModelAction::Deliver { src, dst, msg }) => StepEvent::Deliver {
            from: node(*src),
            to: node(*dst),
            msg: format!("{msg:?}"),
        },
        SystemAction::Actor(ActorModelAction::Drop(envelope)) => StepEvent::Drop {
            from: node(envelope.src),
            to: node(envelope.dst),
            msg: format!("{:?}", envelope.msg),
        },
        SystemAction::Actor(ActorModelAction::Timeout(id, timer)) => StepEvent::Timer {
            node: node(*id),
            timer: format!("{timer:?}"),
        },
        SystemAction::Actor(ActorModelAction::SelectRandom { actor, random, .. }) => {
            StepEvent::Choice {
                node: node(*actor),
                pick: format!("{random:?}"),
            }
        }
        SystemAction::Actor(ActorModelAction::Crash(id)) => StepEvent::Crash { node: node(*id) },
        SystemAction::Actor(ActorModelAction::Recover(id)) => {
            StepEvent::Recover { node: node(*id) }
        }
        SystemAction::Partition(side) => StepEvent::Partition {
            side: side.iter().collect(),
            other: NodeId::nodes(topology.nodes())
                .filter(|n| !side.contains(*n))
                .collect(),
        },
        SystemAction::Heal => StepEvent::Heal {
            lost: system.messages(before).count() - system.messages(after).count(),
        },
    }
}

fn changes_between<S: Spec>(
    system: &System<S>,
    before: &SystemState<S>,
    after: &SystemState<S>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for ((node, old), (_, new)) in system.states(before).zip(system.states(after)) {
        if old == new {
            continue;
        }
        for (field, before, after) in field_changes(&format!("{old:?}"), &format!("{new:?}")) {
            changes.push(Change {
                node,
                field,
                before,
                after,
            });
        }
    }
    changes
}

/// Messages in `after`'s network that were not in `before`'s (counting copies).
fn sent_between<S: Spec>(
    system: &System<S>,
    before: Option<&SystemState<S>>,
    after: &SystemState<S>,
) -> Vec<Sent> {
    let mut counts: BTreeMap<(NodeId, NodeId, String), i64> = BTreeMap::new();
    for (from, to, msg) in system.messages(after) {
        *counts.entry((from, to, format!("{msg:?}"))).or_default() += 1;
    }
    if let Some(before) = before {
        for (from, to, msg) in system.messages(before) {
            *counts.entry((from, to, format!("{msg:?}"))).or_default() -= 1;
        }
    }
    let mut sent = Vec::new();
    for ((from, to, msg), count) in counts {
        for _ in 0..count.max(0) {
            sent.push(Sent {
                from,
                to,
                msg: msg.clone(),
            });
        }
    }
    sent
}
