//! The router's events, in `messages.jsonl`'s order: a node's send (which must be its next
//! output, replaying its journal as far as needed), a delivery, a drop, a duplicate.

use splitbrain_models::Lift;

use super::super::compare::Mismatch;
use super::super::messages::{Endpoint, Event, Sent};
use super::super::ValidateError;
use super::path::{endpoint_name, Step};
use super::{body_type, InFlight, Join};

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    pub(super) fn run(&mut self) -> Result<(), ValidateError> {
        let messages = self.messages;
        for (k, &(event, line, time)) in messages.events.iter().enumerate() {
            match event {
                Event::Send { id } => {
                    let sent = messages.get(id).expect("parsed sends are indexed");
                    if let Some(x) = self.node_index(sent.from, line)? {
                        match sent.of {
                            None => self.node_sent(x, id, sent, line)?,
                            Some(of) => self.duplicate(of, id),
                        }
                    }
                }
                Event::Deliver { id } => {
                    let sent = messages.get(id).expect("checked when parsed");
                    if let Some(slot) = self.delivered_at.get_mut(id as usize) {
                        *slot = Some(time);
                    }
                    if let Some(x) = self.node_index(sent.dest, line)? {
                        self.nodes[x].inbox.push(id);
                    }
                }
                Event::Drop { id } => {
                    if self.network.remove(&id).is_some() {
                        self.steps.push(Step::Drop { id });
                    }
                }
            }
            if self.stopped() {
                // The sends the join will not reach, checked as the fast reader left them.
                for &(event, line, _) in &messages.events[k + 1..] {
                    if let Event::Send { id } = event {
                        self.check_sent(messages.get(id).expect("indexed"), line)?;
                    }
                }
                return Ok(());
            }
        }
        for x in 0..self.nodes.len() {
            while !self.stopped() && self.advance(x)? {}
            let count = self.nodes[x].outputs.len();
            if count > 0 {
                // Written by a process the run's end killed before the router read them.
                self.nodes[x].outputs.clear();
                self.steps.push(Step::Lost { node: x, count });
            }
        }
        Ok(())
    }

    pub(super) fn duplicate(&mut self, of: u64, id: u64) {
        if let Some(original) = self.network.get(&of) {
            let copy = InFlight {
                msg: original.msg.clone(),
                ghost: original.ghost.clone(),
            };
            self.network.insert(id, copy);
        }
    }

    /// The router saw node `x` send message `id`: it must be `x`'s next output.
    pub(super) fn node_sent(
        &mut self,
        x: usize,
        id: u64,
        sent: &Sent<'a>,
        line: usize,
    ) -> Result<(), ValidateError> {
        loop {
            if let Some(front) = self.nodes[x].outputs.front() {
                let same = Endpoint::parse(&front.to) == sent.dest && front.body == sent.body;
                if !same {
                    // Not proven valid by the comparison (`lazy.rs`): checked before it is
                    // read any further.
                    self.check_sent(sent, line)?;
                }
                if same {
                    let out = self.nodes[x].outputs.pop_front().expect("front exists");
                    if let Some(msg) = out.msg {
                        self.network.insert(
                            id,
                            InFlight {
                                msg,
                                ghost: out.ghost,
                            },
                        );
                    }
                    return Ok(());
                }
                let router_init_ok = body_type(sent.body) == "init_ok";
                if router_init_ok && !front.init_ok {
                    // The rest of that process's output never left it: lost when it was
                    // killed (the next process's `init_ok` is what the router saw).
                    let process = front.process;
                    let node = &mut self.nodes[x];
                    let before = node.outputs.len();
                    node.outputs.retain(|o| o.process != process);
                    let count = before - node.outputs.len();
                    self.steps.push(Step::Lost { node: x, count });
                    continue;
                }
                if front.init_ok && !router_init_ok {
                    return self.unexplained(x, id, sent);
                }
                let front = self.nodes[x].outputs.front().expect("front exists");
                let what = format!(
                    "the router saw {} send `{}` to {}, but its journal's next message is \
                     `{}` to {}",
                    self.nodes[x].me,
                    sent.body,
                    endpoint_name(sent.dest),
                    front.body,
                    front.to
                );
                let line = front.line;
                self.diverge(
                    x,
                    line,
                    format!("sends message #{id}"),
                    Some(id),
                    Some(sent.time),
                    Mismatch {
                        what,
                        expected: vec![format!("send to {}: {}", front.to, front.body)],
                        actual: vec![format!(
                            "send to {}: {}",
                            endpoint_name(sent.dest),
                            sent.body
                        )],
                    },
                );
                return Ok(());
            }
            if !self.advance(x)? {
                self.check_sent(sent, line)?;
                return self.unexplained(x, id, sent);
            }
            if self.stopped() {
                return Ok(());
            }
        }
    }

    /// The router saw `x` send a message its journal does not hold: a gap no search bridges
    /// (the journal lost lines while the node went on writing; a failed journal write).
    pub(super) fn unexplained(
        &mut self,
        x: usize,
        id: u64,
        sent: &Sent<'a>,
    ) -> Result<(), ValidateError> {
        if !self.nodes[x].unexplained {
            self.nodes[x].unexplained = true;
            let what = format!(
                "the router saw {} send message #{id}, which its journal does not hold (did a \
                 journal write fail? see its log)",
                self.nodes[x].me
            );
            self.open_gap(x, 0, what);
        }
        if let Ok(msg) = serde_json::from_str::<P::Msg>(sent.body) {
            self.network.insert(id, InFlight { msg, ghost: None });
        }
        Ok(())
    }
}
