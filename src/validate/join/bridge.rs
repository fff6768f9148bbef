//! A recovered durable value the replay never persisted: the killed process executed inputs it
//! could not journal. A bounded search (`gap.rs`) finds them, and they are replayed on the node
//! for real, their states judged like any other.

use splitbrain_models::digest::Digest;
use splitbrain_models::lift::Touch;
use splitbrain_models::protocol::Effect;
use splitbrain_models::{Lift, NodeId};

use super::super::gap::{self, BridgeInput};
use super::super::outcome::Gap;
use super::super::ValidateError;
use super::path::Step;
use super::Join;

impl<'a, 'm, P: Lift> Join<'a, 'm, P> {
    /// The recovered durable value is not the replay's last: search for the inputs the killed
    /// process executed without a journal line.
    pub(super) fn bridge(
        &mut self,
        x: usize,
        line: usize,
        target: Option<Digest>,
    ) -> Result<(), ValidateError> {
        let node = &self.nodes[x];
        let what = format!(
            "{} recovered a durable value its journal never persisted (the killed process \
             executed inputs it could not journal)",
            node.me
        );
        let Some(pre) = node.pre_crash.clone() else {
            self.open_gap(x, line, what);
            return Ok(());
        };
        // Only a prefix of the lost deliveries can have been read, and only those the protocol
        // parses are candidates.
        let usable = node.lost.iter().take_while(|l| l.msg.is_some()).count();
        let lost: Vec<(NodeId, P::Msg)> = node.lost[..usable]
            .iter()
            .map(|l| (l.from, l.msg.clone().expect("checked above")))
            .collect();
        let found = gap::search(
            &node.protocol,
            node.me,
            &pre,
            &lost,
            target,
            self.settings.limits,
        );
        let Some(bridge) = found.bridge else {
            self.open_gap(
                x,
                line,
                format!(
                    "{what}; no {} inputs or fewer explain it ({} states searched)",
                    self.settings.limits.depth, found.explored
                ),
            );
            if let Some(gap) = self.gaps.last_mut() {
                gap.explored = found.explored;
            }
            return Ok(());
        };
        // Replay the bridge on the node for real: its states are states of the run.
        let mut snap = pre;
        let mut shown = Vec::with_capacity(bridge.len());
        for input in &bridge {
            let effects = gap::step(
                &self.nodes[x].protocol,
                self.nodes[x].me,
                &mut snap,
                input,
                &lost,
            );
            let persisted = effects.iter().any(|e| matches!(e, Effect::Sync));
            shown.push(match input {
                BridgeInput::Msg(i) => format!(
                    "handles #{} from {}",
                    self.nodes[x].lost[*i].id, self.nodes[x].lost[*i].from
                ),
                BridgeInput::Timer(t) => format!("timer {t:?} fires"),
                BridgeInput::Pick(k, t) => format!("picks {t:?} for {k:?}"),
            });
            self.steps.push(Step::Bridged { node: x, line });
            let at = self.steps.len() as u64;
            std::mem::swap(&mut self.nodes[x].snap.state, &mut snap.state);
            let states: Vec<&P::State> = self.nodes.iter().map(|n| &n.snap.state).collect();
            let touch = match input {
                BridgeInput::Msg(i) => Touch::Msg(&lost[*i].1),
                BridgeInput::Timer(t) | BridgeInput::Pick(_, t) => Touch::Timer(t),
            };
            let violation = self.judge.step(at, x, &states, touch)?;
            std::mem::swap(&mut self.nodes[x].snap.state, &mut snap.state);
            if persisted {
                self.judge.persisted(x);
            }
            if let Some(v) = violation {
                self.unknown.push(format!(
                    "`{}` fails in a state the search bridged a gap of {} with: not trusted",
                    v.property, self.nodes[x].me
                ));
                self.trusted = false;
            }
        }
        self.gaps.push(Gap {
            node: self.nodes[x].me.to_string(),
            line,
            step: self.steps.len(),
            what,
            bridged: true,
            bridge: shown,
            explored: found.explored,
        });
        Ok(())
    }
}
