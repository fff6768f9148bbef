//! A node's processes: a new one crashes the previous (its volatile state, timers and choices
//! gone; what it wrote and what was delivered to it but never journaled lost with it), starts
//! from the durable value it recovered, and consumes its deliveries in order (stdin is a pipe).

use splitbrain_models::digest::{digest_text, durable_digest};
use splitbrain_models::lift::Touch;
use splitbrain_models::Effects;
use splitbrain_models::Lift;

use super::super::compare::Mismatch;
use super::super::journal::{parse_digest_field, Entry, MsgRef, Start};
use super::super::ValidateError;
use super::path::{endpoint_name, Step};
use super::{body_type, node_id, InputMessage, Join, Lost, Output};

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    /// A new process of `x` begins: the previous one crashed.
    pub(super) fn new_process(&mut self, x: usize) {
        let node = &mut self.nodes[x];
        if node.up {
            node.pre_crash = Some(node.snap.clone());
            node.up = false;
            node.snap.timers.clear();
            node.snap.choices.clear();
            self.steps.push(Step::Crash { node: x });
        } else {
            node.pre_crash = None;
        }
        node.process += 1;
        node.fresh = true;
        node.in_prefix = true;
        let count = node.outputs.len();
        if count > 0 {
            node.outputs.clear();
            self.steps.push(Step::Lost { node: x, count });
        }
    }

    /// `x` consumed the delivery `msg` (its next one, stdin being a pipe); returns its id.
    pub(super) fn consume(
        &mut self,
        x: usize,
        line: usize,
        msg: MsgRef<'_>,
    ) -> Result<Option<u64>, ValidateError> {
        let MsgRef::Id(id) = msg else {
            return Ok(None);
        };
        let node = &mut self.nodes[x];
        let pending = &node.inbox[node.taken..];
        let Some(k) = pending.iter().position(|&d| d == id) else {
            let whom = match self.messages.get(id) {
                None => "never sent".to_string(),
                Some(s)
                    if self
                        .delivered_at
                        .get(id as usize)
                        .copied()
                        .flatten()
                        .is_none() =>
                {
                    format!("never delivered (sent to {})", endpoint_name(s.dest))
                }
                Some(s) => format!("delivered to {}", endpoint_name(s.dest)),
            };
            let mismatch = Mismatch {
                what: format!(
                    "{} handled message #{id}, which the router did not deliver to it ({whom}) \
                     or delivered before",
                    node.me
                ),
                expected: Vec::new(),
                actual: Vec::new(),
            };
            self.diverge(x, line, format!("handles #{id}"), Some(id), None, mismatch);
            return Ok(None);
        };
        let skipped: Vec<u64> = pending[..k].to_vec();
        node.taken += k + 1;
        if node.fresh {
            node.fresh = false;
            // Delivered to the killed process, never journaled: dropped with it (or executed
            // without a trace, which only a gap search can tell).
            let mut lost = Vec::with_capacity(skipped.len());
            for d in skipped {
                let inflight = self.network.remove(&d);
                let sent = self.messages.get(d);
                let from = sent.and_then(|s| node_id(s.from));
                if let Some(from) = from {
                    let msg = inflight
                        .map(|f| f.msg)
                        .or_else(|| sent.and_then(|s| serde_json::from_str::<P::Msg>(s.body).ok()));
                    lost.push(Lost { id: d, from, msg });
                }
                self.steps.push(Step::Drop { id: d });
            }
            self.nodes[x].lost = lost;
        } else if !skipped.is_empty() {
            let what = format!(
                "{} handled message #{id} after {} earlier deliveries its journal does not hold \
                 (#{}…); did a journal write fail?",
                self.nodes[x].me,
                skipped.len(),
                skipped[0]
            );
            for d in &skipped {
                self.network.remove(d);
            }
            self.open_gap(x, line, what);
            self.nodes[x].suspended = true;
        }
        Ok(Some(id))
    }

    pub(super) fn start(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        start: &Start<'a>,
        msg: MsgRef<'a>,
    ) -> Result<(), ValidateError> {
        if !self.nodes[x].in_prefix {
            self.new_process(x);
        }
        self.nodes[x].in_prefix = false;
        self.consume(x, entry.line, msg)?;
        if self.stopped() {
            return Ok(());
        }
        let recovered: Option<P::Durable> = match start.recovered {
            Some(raw) if raw.get() != "null" => {
                Some(serde_json::from_str(raw.get()).map_err(|e| {
                    self.malformed(
                        x,
                        entry.line,
                        format!("recovered: {e}; expected {}'s durable state", P::NODE_NAME),
                    )
                })?)
            }
            _ => None,
        };
        let recovered_hash = match &start.recovered_hash {
            None => None,
            Some(text) => Some(
                parse_digest_field("recovered_hash", text)
                    .map_err(|what| self.malformed(x, entry.line, what))?,
            ),
        };
        // The journal names the recovered value by its digest, and holds the value too: they
        // must agree, or every digest this journal holds means something else to this build
        // (durable types that hash differently) and no comparison of them could be trusted.
        let computed = recovered.as_ref().map(durable_digest);
        if computed.is_some() && computed != recovered_hash {
            return Err(self.malformed(
                x,
                entry.line,
                format!(
                    "recovered_hash {} is not the digest of `recovered` ({}): the journal was \
                     written by a splitbrain whose durable values hash differently, or edited",
                    start.recovered_hash.as_deref().unwrap_or("null"),
                    computed.map_or("null".to_string(), digest_text),
                ),
            ));
        }
        if !self.nodes[x].snap.may_recover(recovered_hash) {
            self.bridge(x, entry.line, recovered_hash)?;
            if self.stopped() {
                return Ok(());
            }
        }
        let node = &mut self.nodes[x];
        node.snap.recovered(recovered_hash);
        node.lost.clear();
        node.pre_crash = None;
        let mut out = Effects::new();
        node.snap.state = node
            .protocol
            .on_start(node.me, recovered.as_ref(), &mut out);
        node.snap.timers.clear();
        node.snap.choices.clear();
        node.up = true;
        node.suspended = false;
        if let Some(reply) = &entry.reply {
            self.queue_unmodelled(x, entry.line, &reply.to, reply.body, None, true);
        }
        self.steps.push(Step::Start {
            node: x,
            line: entry.line,
        });
        self.effects(x, entry, out, Touch::Start, None)
    }

    pub(super) fn skip(
        &mut self,
        x: usize,
        entry: &Entry<'a>,
        msg: Option<MsgRef<'a>>,
        why: &str,
    ) -> Result<(), ValidateError> {
        if why == "before init" && !self.nodes[x].in_prefix {
            self.new_process(x);
        }
        if let Some(msg) = msg {
            if let Some(id) = self.consume(x, entry.line, msg)? {
                // The protocol never saw it: the model's drop.
                if self.network.remove(&id).is_some() {
                    self.steps.push(Step::Drop { id });
                }
            }
        }
        if let Some(reply) = &entry.reply {
            self.queue_unmodelled(
                x,
                entry.line,
                &reply.to,
                reply.body,
                None,
                body_type(reply.body) == "init_ok",
            );
        }
        Ok(())
    }

    /// The message `id` as the model sees it: from whom, typed, with any ghost it carries.
    pub(super) fn input_message(&mut self, id: u64) -> Option<InputMessage<P>> {
        let sent = self.messages.get(id)?;
        let from = node_id(sent.from)?;
        if let Some(inflight) = self.network.remove(&id) {
            return Some((from, Ok(inflight.msg), inflight.ghost));
        }
        let msg = serde_json::from_str::<P::Msg>(sent.body).map_err(|e| e.to_string());
        Some((from, msg, None))
    }

    /// Queues a line `x`'s process wrote that the model's code did not produce (its host's
    /// reply, or a send of a node replayed no further, taken as journaled): the router must
    /// still see it in its place.
    pub(super) fn queue_unmodelled(
        &mut self,
        x: usize,
        line: usize,
        to: &str,
        body: &str,
        msg: Option<P::Msg>,
        init_ok: bool,
    ) {
        let node = &mut self.nodes[x];
        node.outputs.push_back(Output {
            to: to.to_string(),
            body: body.to_string(),
            msg,
            ghost: None,
            process: node.process,
            line,
            init_ok,
        });
    }
}
