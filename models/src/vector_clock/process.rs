//! [`VcProcess`]: a process that stamps its events with a vector clock.

use super::{Event, EventId, EventKind, Step, VcMsg, VectorClock};
use crate::protocol::{Effects, NodeId, Protocol};

/// The environment's pick of a process's next step.
const NEXT_STEP: &str = "next step";

/// A process of `processes`, taking `steps` steps of its own (local events and sends; receives
/// happen whenever a message is delivered). With `no_max`, the receive rule is the bug variant
/// [`super::NO_MAX_ON_RECEIVE`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VcProcess {
    /// How many processes there are (the clock's width).
    pub processes: usize,
    /// How many local events and sends this process performs.
    pub steps: u32,
    /// The bug variant: receive without taking the maximum.
    pub no_max: bool,
}

/// A process's state: its clock and the events it has stamped so far.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcessState {
    /// The current clock.
    pub clock: VectorClock,
    /// Every event so far, in order (event `i` has `seq == i`).
    pub events: Vec<Event>,
    /// Own steps still to take.
    pub steps_left: u32,
}

impl VcProcess {
    fn offer_next_step(&self, me: NodeId, state: &ProcessState, out: &mut Effects<Self>) {
        let options = if state.steps_left == 0 {
            Vec::new()
        } else {
            std::iter::once(Step::Local)
                .chain(me.peers(self.processes).map(Step::SendTo))
                .collect()
        };
        out.choose(NEXT_STEP, options);
    }

    fn record(me: NodeId, state: &mut ProcessState, kind: EventKind) -> EventId {
        let id = EventId {
            process: me,
            seq: state.events.len() as u32,
        };
        state.events.push(Event {
            kind,
            clock: state.clock.clone(),
        });
        id
    }
}

impl Protocol for VcProcess {
    type Msg = VcMsg;
    type State = ProcessState;
    type Timer = Step;
    type Durable = ();

    fn on_start(
        &self,
        me: NodeId,
        _recovered: Option<&()>,
        out: &mut Effects<Self>,
    ) -> ProcessState {
        let state = ProcessState {
            clock: VectorClock::zero(self.processes),
            events: Vec::new(),
            steps_left: self.steps,
        };
        self.offer_next_step(me, &state, out);
        state
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut ProcessState,
        _from: NodeId,
        msg: VcMsg,
        _out: &mut Effects<Self>,
    ) {
        let VcMsg::Message { clock, send } = msg;
        if !self.no_max {
            state.clock.merge(&clock);
        }
        state.clock.tick(me.index());
        Self::record(me, state, EventKind::Receive { send });
    }

    fn on_timer(&self, me: NodeId, state: &mut ProcessState, step: Step, out: &mut Effects<Self>) {
        if state.steps_left == 0 {
            return;
        }
        state.steps_left -= 1;
        state.clock.tick(me.index());
        match step {
            Step::Local => {
                Self::record(me, state, EventKind::Local);
            }
            Step::SendTo(to) => {
                let send = Self::record(me, state, EventKind::Send { to });
                out.send(
                    to,
                    VcMsg::Message {
                        clock: state.clock.clone(),
                        send,
                    },
                );
            }
        }
        self.offer_next_step(me, state, out);
    }

    fn role(&self) -> &'static str {
        "process"
    }
}
