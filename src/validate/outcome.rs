//! [`Validation`]: what `splitbrain validate` found, and its parts.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::checker::Verdict;

/// The answer for one store.
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    /// valid, invalid or unknown.
    pub verdict: Verdict,
    /// The reference node the run ran (`raft`, …).
    pub node: String,
    /// The variant the run was judged against (`None`: the correct protocol).
    pub against: Option<String>,
    /// The bug variant the nodes ran, as their journals say (`None`: the correct protocol).
    pub ran: Option<String>,
    /// The spec whose properties were checked on every state.
    pub spec: String,
    /// Nodes in the cluster.
    pub nodes: usize,
    /// Journal lines replayed (every node's inputs).
    pub journal_entries: usize,
    /// Lines of `messages.jsonl` joined.
    pub router_events: usize,
    /// Steps of the path (node steps, crashes, drops).
    pub steps: usize,
    /// The first step where a node did something its model does not.
    pub divergence: Option<Divergence>,
    /// The first state of the path where a property of the spec fails.
    pub violation: Option<PropertyViolation>,
    /// What the journals could not show, bridged or not.
    pub gaps: Vec<Gap>,
    /// Why the verdict is unknown, if it is.
    pub unknown: Vec<String>,
    /// Every property of the spec judged on the path.
    pub properties: Vec<PropertyResult>,
    /// The path up to the problem (or its end): its last steps, one line each.
    pub path: Vec<String>,
    /// Steps of the path before those shown.
    pub path_omitted: usize,
    /// Time spent validating (reading and parsing the files included).
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// Of which replaying, comparing, joining and judging (after parsing).
    #[serde(serialize_with = "seconds")]
    pub replay_elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Validation {
    /// The exit code: 0 valid, 1 invalid, 2 unknown.
    pub fn exit_code(&self) -> u8 {
        self.verdict.exit_code()
    }

    /// The first divergent step: where the run left its model (an effect or a property), as
    /// `(node, message id, router time)` for marking it on the run's message diagram.
    pub fn mark(&self) -> Option<Mark> {
        if let Some(d) = &self.divergence {
            return Some(Mark {
                node: d.node.clone(),
                message: d.message,
                time: d.time,
                summary: d.what.clone(),
            });
        }
        self.violation.as_ref().map(|v| Mark {
            node: v.node.clone(),
            message: v.message,
            time: v.time,
            summary: format!("{} fails", v.property),
        })
    }

    /// One line: the verdict and why.
    pub fn summary(&self) -> String {
        let against = self.against.as_deref().unwrap_or("correct");
        match (&self.divergence, &self.violation) {
            (Some(d), _) => format!(
                "the trace leaves the {against} {} model at step {}: {} {}: {}",
                self.node, d.step, d.node, d.input, d.what
            ),
            (None, Some(v)) => format!(
                "`{}` of the {} spec fails at step {} ({} {})",
                v.property, self.spec, v.step, v.node, v.input
            ),
            (None, None) if self.verdict == Verdict::Unknown => format!(
                "{} steps replayed; unknown: {}",
                self.steps,
                self.unknown.join("; ")
            ),
            (None, None) => format!(
                "{} journal entries of {} {} nodes replayed against the {against} model, \
                 every effect as the model's; {} steps, every property of {} holds{}",
                self.journal_entries,
                self.nodes,
                self.node,
                self.steps,
                self.spec,
                match self.gaps.len() {
                    0 => String::new(),
                    n => format!("; {n} gap(s) bridged"),
                }
            ),
        }
    }
}

/// Where a step of the run left its model.
#[derive(Clone, Debug, Serialize)]
pub struct Mark {
    /// The node.
    pub node: String,
    /// The router's id of the message it handled (or sent), if any.
    pub message: Option<u64>,
    /// Its time on the run's clock (ns), if known.
    pub time: Option<i64>,
    /// What went wrong.
    pub summary: String,
}

/// A step where the node did something its model does not.
#[derive(Clone, Debug, Serialize)]
pub struct Divergence {
    /// The node (`n1`).
    pub node: String,
    /// Its journal.
    pub journal: PathBuf,
    /// The journal line of the input (or, for an output the router saw, of the input that
    /// produced the output the node was expected to send next).
    pub line: usize,
    /// The step of the path (1-based).
    pub step: usize,
    /// The input, described.
    pub input: String,
    /// The router's id of the message involved.
    pub message: Option<u64>,
    /// When the router delivered (or saw) it, ns.
    pub time: Option<i64>,
    /// One sentence.
    pub what: String,
    /// The model's effects, one per line.
    pub expected: Vec<String>,
    /// The node's effects, one per line.
    pub actual: Vec<String>,
}

/// A state of the path where an `always` property of the spec fails.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyViolation {
    /// The property.
    pub property: String,
    /// Its statement.
    pub description: String,
    /// Where it is defined.
    pub source: String,
    /// For keyed nodes: the key whose view fails.
    pub key: Option<u64>,
    /// The step whose state fails (1-based).
    pub step: usize,
    /// The node that took it.
    pub node: String,
    /// Its input, described.
    pub input: String,
    /// The router's id of the message it handled, if any.
    pub message: Option<u64>,
    /// When, ns.
    pub time: Option<i64>,
}

/// Something the journals could not show.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// The node.
    pub node: String,
    /// The journal line where the gap shows.
    pub line: usize,
    /// The step of the path.
    pub step: usize,
    /// What is missing.
    pub what: String,
    /// Whether a bounded search found inputs that explain it.
    pub bridged: bool,
    /// Those inputs.
    pub bridge: Vec<String>,
    /// States the search explored.
    pub explored: usize,
}

/// How one property fared.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyResult {
    /// The name.
    pub name: String,
    /// `always` or `sometimes`.
    pub kind: String,
    /// `held`, `violated`, `reached` or `not reached`.
    pub outcome: String,
    /// The step where it failed (always) or first held (sometimes).
    pub step: Option<usize>,
    /// Where it is defined.
    pub source: String,
}
