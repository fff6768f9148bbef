//! The path: its steps, stored compactly, and how each reads in the explanation.

use splitbrain_models::Lift;

use super::super::messages::Endpoint;
use super::{body_type, Join};

/// One step of the path, compactly (rendered only for the explanation).
#[derive(Clone, Copy, Debug)]
pub(super) enum Step<'a> {
    Start {
        node: usize,
        line: usize,
    },
    Msg {
        node: usize,
        id: Option<u64>,
        line: usize,
    },
    Unknown {
        node: usize,
        id: Option<u64>,
        line: usize,
    },
    Timer {
        node: usize,
        line: usize,
        timer: &'a str,
    },
    Pick {
        node: usize,
        line: usize,
        timer: &'a str,
    },
    Crash {
        node: usize,
    },
    Drop {
        id: u64,
    },
    Lost {
        node: usize,
        count: usize,
    },
    Bridged {
        node: usize,
        line: usize,
    },
}

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    /// Step `n` (1-based) of the path, one line.
    pub(super) fn describe_step(&self, n: usize) -> String {
        let (node, action, location) = self.step_parts(n);
        let mut line = match node {
            Some(x) => format!("{} {action}", self.nodes[x].me),
            None => action,
        };
        if let Some(location) = location {
            line.push_str(&format!(" ({location})"));
        }
        line
    }

    /// What step `n`'s node did, without the node and the journal line.
    pub(super) fn describe_input(&self, n: usize) -> String {
        self.step_parts(n).1
    }

    /// Step `n` (1-based): its node, what happened, its journal line.
    pub(super) fn step_parts(&self, n: usize) -> (Option<usize>, String, Option<String>) {
        let Some(step) = n.checked_sub(1).and_then(|i| self.steps.get(i)) else {
            return (None, String::new(), None);
        };
        let at = |x: usize, line: usize| Some(format!("{}:{line}", self.nodes[x].file.display()));
        match *step {
            Step::Start { node, line } => (Some(node), "starts".into(), at(node, line)),
            Step::Msg { node, id, line } => {
                let what = match id.and_then(|id| self.messages.get(id).map(|s| (id, s))) {
                    Some((id, s)) => format!(
                        "handles #{id} {} from {}",
                        body_type(s.body),
                        endpoint_name(s.from)
                    ),
                    None => "handles a message".to_string(),
                };
                (Some(node), what, at(node, line))
            }
            Step::Unknown { node, id, line } => (
                Some(node),
                format!(
                    "refuses #{} as unknown",
                    id.map_or_else(|| "?".into(), |i| i.to_string())
                ),
                at(node, line),
            ),
            Step::Timer { node, line, timer } => {
                (Some(node), format!("timer {timer} fires"), at(node, line))
            }
            Step::Pick { node, line, timer } => {
                (Some(node), format!("gets its pick {timer}"), at(node, line))
            }
            Step::Crash { node } => (Some(node), "crashes (killed)".into(), None),
            Step::Drop { id } => {
                let what = match self.messages.get(id) {
                    Some(s) => format!(
                        "#{id} {} {} → {} is dropped",
                        body_type(s.body),
                        endpoint_name(s.from),
                        endpoint_name(s.dest)
                    ),
                    None => format!("#{id} is dropped"),
                };
                (None, what, None)
            }
            Step::Lost { node, count } => (
                Some(node),
                format!("loses {count} message(s) it wrote when its process is killed"),
                None,
            ),
            Step::Bridged { node, line } => (
                Some(node),
                "executes an input its journal lost (a bridged gap)".into(),
                at(node, line),
            ),
        }
    }
}

pub(super) fn endpoint_name(e: Endpoint) -> String {
    match e {
        Endpoint::Node(i) => format!("n{i}"),
        Endpoint::Client(i) => format!("c{i}"),
        Endpoint::Other => "a service".to_string(),
    }
}
