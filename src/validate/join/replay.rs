//! A node's journal lines, replayed through the model's handlers: each input's effects compared
//! with the journaled ones, applied, judged, their sends queued for the router.

use serde::Deserialize;
use splitbrain_models::lift::Touch;
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Effects, Lift, NodeId};

use super::super::compare::{self, Expected, Mismatch};
use super::super::journal::{Entry, Fx, Input, MsgRef};
use super::super::{lazy, ValidateError};
use super::path::Step;
use super::{Join, Output};

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    /// Replays `x`'s next journal line; `false` when there is none.
    pub(super) fn advance(&mut self, x: usize) -> Result<bool, ValidateError> {
        let node = &mut self.nodes[x];
        let Some(slot) = node.entries.get_mut(node.next) else {
            return Ok(false);
        };
        node.next += 1;
        let entry = slot.take().expect("each line is replayed once");
        self.replayed += 1;
        self.proven = false;
        let input = entry.input.clone();
        match input {
            Input::Start(start, msg) => self.start(x, &entry, &start, msg)?,
            Input::Skip(msg, why) => self.skip(x, &entry, msg, &why)?,
            Input::Msg(msg) => self.message(x, &entry, msg)?,
            Input::Unknown(msg) => self.unknown_message(x, &entry, msg)?,
            Input::Timer(text) => self.fire(x, &entry, None, text)?,
            Input::Pick(key, text) => self.fire(x, &entry, Some(&key), text)?,
        }
        if !self.proven {
            lazy::check_entry(&entry).map_err(|what| self.malformed(x, entry.line, what))?;
        }
        Ok(true)
    }

    pub(super) fn message(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        let consumed = self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        let (from, parsed, carried, id) = match (consumed, msg) {
            (Some(id), _) => match self.input_message(id) {
                Some((from, parsed, carried)) => (from, parsed, carried, Some(id)),
                None => {
                    return Err(self.malformed(
                        x,
                        entry.line,
                        format!("message #{id} comes from no node or client"),
                    ))
                }
            },
            (None, MsgRef::Inline(line)) => {
                #[derive(Deserialize)]
                struct Line<'b> {
                    src: NodeId,
                    #[serde(borrow)]
                    body: &'b serde_json::value::RawValue,
                }
                let l: Line<'_> = serde_json::from_str(line).map_err(|e| {
                    self.malformed(
                        x,
                        entry.line,
                        format!("msg: {e}; expected a Maelstrom line"),
                    )
                })?;
                let parsed =
                    serde_json::from_str::<P::Msg>(l.body.get()).map_err(|e| e.to_string());
                (l.src, parsed, None, None)
            }
            (None, MsgRef::Id(_)) => unreachable!("an id is consumed or diverges"),
        };
        self.steps.push(Step::Msg {
            node: x,
            id,
            line: entry.line,
        });
        let msg = match parsed {
            Ok(msg) => msg,
            Err(e) => {
                let mismatch = Mismatch {
                    what: format!(
                        "{} handled a message {} cannot parse ({e}); its host should have \
                         refused it",
                        self.nodes[x].me,
                        P::NODE_NAME
                    ),
                    expected: Vec::new(),
                    actual: entry.fx.iter().map(compare::show_actual).collect(),
                };
                let input = self.describe_input(self.steps.len());
                self.diverge(x, entry.line, input, id, None, mismatch);
                return Ok(());
            }
        };
        // The step's description is built only if it diverges: most steps never need it.
        if !self.ready(x, entry, |j| j.describe_input(j.steps.len()), id)? {
            return Ok(());
        }
        // The judge lets go of x's state first, so the handler changes it in place.
        self.judge.release(x);
        let node = &mut self.nodes[x];
        let mut out = Effects::new();
        node.protocol
            .on_msg(node.me, &mut node.snap.state, from, msg.clone(), &mut out);
        if let Some(carried) = &carried {
            self.judge.delivered(x, carried, &msg);
        }
        self.effects(x, entry, out, Touch::Msg(&msg), id)
    }

    /// Whether `x` can take a step now; a node that is down diverges, a suspended one has its
    /// journaled sends taken as they are.
    pub(super) fn ready(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        input: impl FnOnce(&Self) -> String,
        id: Option<u64>,
    ) -> Result<bool, ValidateError> {
        if !self.nodes[x].up {
            let mismatch = Mismatch {
                what: format!(
                    "{} took a step while it was not running (before its start)",
                    self.nodes[x].me
                ),
                expected: Vec::new(),
                actual: entry.fx.iter().map(compare::show_actual).collect(),
            };
            let input = input(self);
            self.diverge(x, entry.line, input, id, None, mismatch);
            return Ok(false);
        }
        if self.nodes[x].suspended {
            for fx in &entry.fx {
                if let Fx::Send { to, body } = fx {
                    self.queue_unmodelled(
                        x,
                        entry.line,
                        to,
                        body,
                        serde_json::from_str(body).ok(),
                        false,
                    );
                }
            }
            return Ok(false);
        }
        Ok(true)
    }

    pub(super) fn unknown_message(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        let consumed = self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        if let Some(id) = consumed {
            self.steps.push(Step::Unknown {
                node: x,
                id: Some(id),
                line: entry.line,
            });
            if let Some((from, Ok(_), _)) = self.input_message(id) {
                let mismatch = Mismatch {
                    what: format!(
                        "{}'s host refused message #{id} as unknown, but {} parses it",
                        self.nodes[x].me,
                        P::NODE_NAME
                    ),
                    expected: vec![format!("handle the message from {from}")],
                    actual: vec!["refuse it (error 10)".into()],
                };
                self.diverge(
                    x,
                    entry.line,
                    format!("receives #{id}"),
                    Some(id),
                    None,
                    mismatch,
                );
                return Ok(());
            }
        }
        if let Some(reply) = &entry.reply {
            self.queue_unmodelled(x, entry.line, &reply.to, reply.body, None, false);
        }
        Ok(())
    }

    /// A timer fired (`key`: `None`) or a `Choose` pick was delivered (`key`: the choice's):
    /// both run `on_timer`, if the model has that timer armed or that pick offered.
    pub(super) fn fire(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        key: Option<&str>,
        text: &'a str,
    ) -> Result<(), ValidateError> {
        let kind = if key.is_some() { "pick" } else { "timer" };
        let timer: P::Timer = serde_json::from_str(text).map_err(|e| {
            self.malformed(
                x,
                entry.line,
                format!("{kind} {text}: {e}; not a {} timer", P::NODE_NAME),
            )
        })?;
        let (node, line) = (x, entry.line);
        self.steps.push(match key {
            None => Step::Timer {
                node,
                line,
                timer: text,
            },
            Some(_) => Step::Pick {
                node,
                line,
                timer: text,
            },
        });
        let input = match key {
            None => format!("timer {text} fires"),
            Some(key) => format!("pick {text} for {key:?}"),
        };
        if !self.ready(x, entry, |_| input.clone(), None)? {
            return Ok(());
        }
        let node = &mut self.nodes[x];
        let armed = match key {
            None => node.snap.timers.remove(&timer),
            Some(key) => node
                .snap
                .choices
                .remove(key)
                .is_some_and(|options| options.contains(&timer)),
        };
        if !armed {
            let (what, expected) = match key {
                None => (
                    format!(
                        "timer {text} fired, but the model has it disarmed (cancelled, or never \
                         armed since {} started)",
                        node.me
                    ),
                    vec![format!("no {text} timer")],
                ),
                Some(key) => (
                    format!("pick {text} for {key:?} was not among the choices offered"),
                    Vec::new(),
                ),
            };
            let actual = entry.fx.iter().map(compare::show_actual).collect();
            self.diverge(
                x,
                entry.line,
                input,
                None,
                None,
                Mismatch {
                    what,
                    expected,
                    actual,
                },
            );
            return Ok(());
        }
        self.judge.release(x);
        let node = &mut self.nodes[x];
        let mut out = Effects::new();
        node.protocol
            .on_timer(node.me, &mut node.snap.state, timer.clone(), &mut out);
        self.effects(x, entry, out, Touch::Timer(&timer), None)
    }

    /// One handler call's effects: compared, applied, judged, their sends queued.
    pub(super) fn effects(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        out: Effects<P>,
        touch: Touch<'_, P>,
        id: Option<u64>,
    ) -> Result<(), ValidateError> {
        let effects: Vec<Effect<P>> = out.into_iter().collect();
        {
            let snap = &mut self.nodes[x].snap;
            for effect in &effects {
                match effect {
                    Effect::SetTimer { timer, .. } => {
                        snap.timers.insert(timer.clone());
                    }
                    Effect::CancelTimer(timer) => {
                        snap.timers.remove(timer);
                    }
                    Effect::Choose { key, options } if options.is_empty() => {
                        snap.choices.remove(*key);
                    }
                    Effect::Choose { key, options } => {
                        snap.choices.insert(key.to_string(), options.clone());
                    }
                    Effect::Send { .. } | Effect::Persist(_) | Effect::Sync => {}
                }
            }
        }
        let rendered = compare::render(effects);
        // What the model's sync makes durable: its own write, or the node's last unsynced one.
        let expected_sync = rendered
            .sync
            .map(|own| own.or_else(|| self.nodes[x].snap.unsynced.last().copied()));
        let actual = compare::Journaled {
            fx: &entry.fx,
            persisted: entry.persist,
            synced: entry.sync,
        };
        if let Some(mismatch) = compare::compare(&rendered, expected_sync.flatten(), &actual) {
            let input = self.describe_input(self.steps.len());
            self.diverge(x, entry.line, input, id, None, mismatch);
            return Ok(());
        }
        // Every journaled effect equals the model's rendering (valid JSON by construction),
        // and the input's timer, if any, was parsed: the line's values are proven valid.
        self.proven = true;
        for step in &rendered.disk {
            match *step {
                compare::DiskStep::Write(hash) => self.nodes[x].snap.wrote(hash),
                compare::DiskStep::Sync => {
                    self.nodes[x].snap.sync();
                }
            }
        }
        let at = self.steps.len() as u64;
        let states: Vec<&P::State> = self.nodes.iter().map(|n| &n.snap.state).collect();
        let violation = self.judge.step(at, x, &states, touch)?;
        if rendered.sync.is_some() {
            self.judge.persisted(x);
        }
        let process = self.nodes[x].process;
        for expected in rendered.effects {
            if let Expected::Send { to, body, msg } = expected {
                let ghost = self.judge.carry(x, &msg);
                self.nodes[x].outputs.push_back(Output {
                    to,
                    body,
                    msg: Some(msg),
                    ghost,
                    process,
                    line: entry.line,
                    init_ok: false,
                });
            }
        }
        if let Some(v) = violation {
            self.violate(x, entry.line, id, v);
        }
        Ok(())
    }
}
