//! How the join ends: a divergence, a property that fails, a gap no search bridged, and the
//! [`Validation`] it all becomes.

use splitbrain_models::lift::Violation;
use splitbrain_models::Lift;

use super::super::compare::Mismatch;
use super::super::outcome::{Divergence, Gap, PropertyResult, PropertyViolation, Validation};
use super::Join;
use crate::checker::Verdict;

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    pub(super) fn open_gap(&mut self, x: usize, line: usize, what: String) {
        self.unknown.push(format!("{}: {what}", self.nodes[x].me));
        self.gaps.push(Gap {
            node: self.nodes[x].me.to_string(),
            line,
            step: self.steps.len(),
            what,
            bridged: false,
            bridge: Vec::new(),
            explored: 0,
        });
        self.trusted = false;
    }

    pub(super) fn violate(&mut self, x: usize, _line: usize, id: Option<u64>, v: Violation) {
        let step = self.steps.len();
        if !self.trusted {
            self.unknown.push(format!(
                "`{}` fails at step {step}, after a gap no search bridged: not trusted",
                v.property
            ));
            return;
        }
        self.violation = Some(PropertyViolation {
            property: v.property.to_string(),
            description: v.description.to_string(),
            source: v.source.to_string(),
            key: P::KEYED.then_some(v.view),
            step,
            node: self.nodes[x].me.to_string(),
            input: self.describe_input(step),
            message: id,
            time: id.and_then(|id| self.delivered_at.get(id as usize).copied().flatten()),
        });
    }

    pub(super) fn diverge(
        &mut self,
        x: usize,
        line: usize,
        input: String,
        id: Option<u64>,
        time: Option<i64>,
        mismatch: Mismatch,
    ) {
        let time = time
            .or_else(|| id.and_then(|id| self.delivered_at.get(id as usize).copied().flatten()));
        self.divergence = Some(Divergence {
            node: self.nodes[x].me.to_string(),
            journal: self.nodes[x].file.clone(),
            line,
            step: self.steps.len().max(1),
            input,
            message: id,
            time,
            what: mismatch.what,
            expected: mismatch.expected,
            actual: mismatch.actual,
        });
    }

    pub(super) fn finish(
        self,
        nodes: usize,
        ran: Option<Option<String>>,
        elapsed: std::time::Duration,
    ) -> Validation {
        let verdict = if self.stopped() {
            Verdict::Invalid
        } else if !self.unknown.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::Valid
        };
        let properties = self
            .judge
            .verdicts()
            .iter()
            .map(|v| {
                let always = v.info.kind == splitbrain_models::spec::PropertyKind::Always;
                let outcome = match (always, v.at) {
                    (true, None) if verdict == Verdict::Invalid && self.violation.is_none() => {
                        "held up to the divergence"
                    }
                    (true, None) => "held",
                    (true, Some(_)) => "violated",
                    (false, Some(_)) => "reached",
                    (false, None) => "not reached",
                };
                PropertyResult {
                    name: v.info.name.to_string(),
                    kind: if always { "always" } else { "sometimes" }.to_string(),
                    outcome: outcome.to_string(),
                    step: v.at.map(|s| s as usize),
                    source: v.info.source.to_string(),
                }
            })
            .collect();
        let tail = self.settings.tail;
        let shown = self.steps.len().min(tail);
        let first = self.steps.len() - shown;
        let path = (first + 1..=self.steps.len())
            .map(|n| format!("{n:>6}. {}", self.describe_step(n)))
            .collect();
        Validation {
            verdict,
            node: P::NODE_NAME.to_string(),
            against: self.settings.against.clone(),
            ran: ran.flatten(),
            spec: self.judge.spec_name().to_string(),
            nodes,
            journal_entries: self.replayed,
            router_events: self.messages.events.len(),
            steps: self.steps.len(),
            divergence: self.divergence,
            violation: self.violation,
            gaps: self.gaps,
            unknown: self.unknown,
            properties,
            path,
            path_omitted: first,
            elapsed,
            replay_elapsed: elapsed,
        }
    }
}
