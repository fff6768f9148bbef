//! The smallest possible spec, to test the runner itself: one node counting timer ticks.

use std::time::Duration;

use super::*;
use crate::protocol::{Effects, NodeId, Protocol};
use crate::spec::{ParameterInfo, SpecProperty};
use crate::system::Topology;

#[derive(Clone)]
struct Ticker {
    limit: u32,
    panic_at: Option<u32>,
}

impl Protocol for Ticker {
    type Msg = ();
    type State = u32;
    type Timer = ();
    type Durable = ();

    fn on_start(&self, _: NodeId, _: Option<&()>, out: &mut Effects<Self>) -> u32 {
        out.set_timer((), Duration::ZERO..Duration::ZERO);
        0
    }

    fn on_msg(&self, _: NodeId, _: &mut u32, _: NodeId, _: (), _: &mut Effects<Self>) {}

    fn on_timer(&self, _: NodeId, count: &mut u32, _: (), out: &mut Effects<Self>) {
        assert_ne!(Some(*count), self.panic_at, "the ticker was told to panic");
        *count += 1;
        if *count < self.limit {
            out.set_timer((), Duration::ZERO..Duration::ZERO);
        }
    }
}

struct Ticks(Ticker);

impl Spec for Ticks {
    type Node = Ticker;
    const NAME: &'static str = "ticks";
    const DESCRIPTION: &'static str = "a node counts timer ticks";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("limit", "ticks", 3, 1, 10),
            ParameterInfo::new("panic_at", "tick that panics (0: none)", 0, 0, 10),
        ]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        fn count(system: &System<Ticks>, state: &crate::system::SystemState<Ticks>) -> u32 {
            *system.state(state, NodeId::node(0))
        }
        vec![
            SpecProperty::always("bounded", "count ≤ 2", "test", |s, st| count(s, st) <= 2),
            SpecProperty::sometimes("reaches 2", "count = 2", "test", |s, st| count(s, st) == 2),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        let panic_at = config.get("panic_at") as u32;
        Ok(Ticks(Ticker {
            limit: config.get("limit") as u32,
            panic_at: (panic_at > 0).then_some(panic_at),
        }))
    }

    fn topology(&self) -> Topology {
        Topology::new(1, 0)
    }

    fn nodes(&self) -> Vec<Ticker> {
        vec![self.0.clone()]
    }
}

#[test]
fn a_minimal_spec_is_checked_end_to_end() {
    let outcome = run::<Ticks>(&CheckRequest::new("ticks").bound("limit", 2)).unwrap();
    assert_eq!(outcome.status(), crate::Status::Pass, "{outcome}");
    assert_eq!(outcome.unique_states, 3);
    let violated = run::<Ticks>(&CheckRequest::new("ticks")).unwrap();
    assert_eq!(
        violated.property("bounded").unwrap().status,
        PropertyStatus::Violated
    );
    let trace = violated
        .property("bounded")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    assert_eq!(trace.steps.len(), 4, "start and three ticks: {trace}");
    assert_eq!(trace.steps[3].changes[0].after, "3");
}

#[test]
fn a_panicking_model_is_an_error_not_a_crash() {
    let request = CheckRequest::new("ticks").bound("panic_at", 1);
    match run::<Ticks>(&request) {
        // The checker thread's own message goes to stderr; `join` reports only that it failed.
        Err(ModelError::Panicked {
            spec: "ticks",
            message,
        }) => assert!(!message.is_empty()),
        other => panic!("expected a panic error, got {other:?}"),
    }
}

/// A node that lets the environment pick a side at start.
#[derive(Clone)]
struct Coin;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Side {
    Heads,
    Tails,
}

impl Protocol for Coin {
    type Msg = ();
    type State = Option<Side>;
    type Timer = Side;
    type Durable = ();

    fn on_start(&self, _: NodeId, _: Option<&()>, out: &mut Effects<Self>) -> Option<Side> {
        out.choose("flip", vec![Side::Heads, Side::Tails]);
        None
    }

    fn on_msg(&self, _: NodeId, _: &mut Option<Side>, _: NodeId, _: (), _: &mut Effects<Self>) {}

    fn on_timer(&self, _: NodeId, side: &mut Option<Side>, pick: Side, _: &mut Effects<Self>) {
        *side = Some(pick);
    }
}

struct Flip;

impl Spec for Flip {
    type Node = Coin;
    const NAME: &'static str = "flip";
    const DESCRIPTION: &'static str = "the environment flips a coin";

    fn parameters() -> Vec<ParameterInfo> {
        Vec::new()
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        fn side(system: &System<Flip>, state: &crate::system::SystemState<Flip>) -> Option<Side> {
            *system.state(state, NodeId::node(0))
        }
        vec![
            SpecProperty::sometimes("heads", "heads", "test", |s, st| {
                side(s, st) == Some(Side::Heads)
            }),
            SpecProperty::sometimes("tails", "tails", "test", |s, st| {
                side(s, st) == Some(Side::Tails)
            }),
        ]
    }

    fn new(_: &SpecConfig) -> Result<Self, ModelError> {
        Ok(Flip)
    }

    fn topology(&self) -> Topology {
        Topology::new(1, 0)
    }

    fn nodes(&self) -> Vec<Coin> {
        vec![Coin]
    }
}

#[test]
fn every_option_of_a_choice_is_explored() {
    let outcome = run::<Flip>(&CheckRequest::new("flip")).unwrap();
    assert_eq!(outcome.status(), crate::Status::Pass, "{outcome}");
    assert_eq!(outcome.unique_states, 3);
    let trace = outcome.property("tails").unwrap().trace.as_ref().unwrap();
    assert_eq!(
        trace.steps[1].to_string().trim(),
        "1. n0: the environment picks Tails\n       n0: None → Some(Tails)"
    );
}
