//! The page of `splitbrain model check NAME --html OUT`: which properties held, and the
//! counterexample trace as a Lamport diagram — one lane per actor (servers and clients), time
//! running down one row per step, an arrow from the step that sent a message to the step that
//! delivered it; timers, choices, crashes and recoveries marked on their lane, partitions shaded
//! — followed by the numbered steps with the state changes of each.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write;

use splitbrain_models::check::{Status, Step, StepEvent, Trace};
use splitbrain_models::{CheckOutcome, NodeId};

use super::{escape, head, tail};

const ROW: f64 = 26.0;
const GAP: f64 = 110.0;
const LEFT: f64 = 50.0;
const TOP: f64 = 34.0;

/// One line describing what happened in a step.
fn describe(event: &StepEvent) -> String {
    match event {
        StepEvent::Start => "start".into(),
        StepEvent::Deliver { from, to, msg } => format!("{from} → {to}: {msg}"),
        StepEvent::Drop { from, to, msg } => format!("lost {from} → {to}: {msg}"),
        StepEvent::Timer { node, timer } => format!("{node} timer {timer}"),
        StepEvent::Choice { node, pick } => format!("{node} chose {pick}"),
        StepEvent::Crash { node } => format!("{node} crashed"),
        StepEvent::Recover { node } => format!("{node} recovered"),
        StepEvent::Partition { side, other } => {
            let names = |nodes: &[NodeId]| {
                let names: Vec<String> = nodes.iter().map(NodeId::to_string).collect();
                names.join(" ")
            };
            format!("partition {} | {}", names(side), names(other))
        }
        StepEvent::Heal { lost } => format!("partition healed ({lost} messages lost)"),
        StepEvent::Tick { now } => format!("t = {now}"),
        StepEvent::Local { node, what } => format!("{node} {what}"),
    }
}

/// Every actor named in the trace, servers (`n…`) before clients (`c…`).
fn actors(steps: &[Step]) -> Vec<NodeId> {
    let mut all = BTreeSet::new();
    for step in steps {
        for s in &step.sent {
            all.extend([s.from, s.to]);
        }
        for c in &step.changes {
            all.insert(c.node);
        }
        match &step.event {
            StepEvent::Deliver { from, to, .. } | StepEvent::Drop { from, to, .. } => {
                all.extend([*from, *to]);
            }
            StepEvent::Timer { node, .. }
            | StepEvent::Choice { node, .. }
            | StepEvent::Crash { node }
            | StepEvent::Local { node, .. }
            | StepEvent::Recover { node } => {
                all.insert(*node);
            }
            _ => {}
        }
    }
    let mut all: Vec<NodeId> = all.into_iter().collect();
    all.sort_by_key(|n| (!n.to_string().starts_with('n'), n.to_string()));
    all
}

/// The trace as a Lamport diagram.
pub(super) fn diagram(trace: &Trace) -> String {
    let lanes = actors(&trace.steps);
    let lane = |n: &NodeId| lanes.iter().position(|l| l == n).unwrap_or(0);
    let x = |n: &NodeId| LEFT + lane(n) as f64 * GAP;
    let y = |step: usize| TOP + step as f64 * ROW;
    let width = LEFT + lanes.len() as f64 * GAP;
    let height = y(trace.steps.len()) + 10.0;
    let mut svg = format!(
        "<svg id=\"trace\" class=\"lamport\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 \
         {width} {height}\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" \
         refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path \
         d=\"M0 0L10 5L0 10z\" fill=\"#444\"/></marker></defs>"
    );
    let mut partition_from: Option<usize> = None;
    for step in &trace.steps {
        match &step.event {
            StepEvent::Partition { .. } => partition_from = Some(step.number),
            StepEvent::Heal { .. } => {
                if let Some(from) = partition_from.take() {
                    svg.push_str(&band(y(from), y(step.number), width));
                }
            }
            _ => {}
        }
    }
    if let Some(from) = partition_from {
        svg.push_str(&band(y(from), height, width));
    }
    for (i, node) in lanes.iter().enumerate() {
        let lx = LEFT + i as f64 * GAP;
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"16\" text-anchor=\"middle\" class=\"lane-label\">{node}</text>\
             <line x1=\"{lx}\" y1=\"{TOP}\" x2=\"{lx}\" y2=\"{height}\" stroke=\"#bbb\"/>"
        );
    }
    // In flight: (sender, receiver, message, step that sent it).
    let mut in_flight: VecDeque<(NodeId, NodeId, String, usize)> = VecDeque::new();
    for step in &trace.steps {
        let n = step.number;
        let title = escape(&format!("step {n}: {}", describe(&step.event)));
        let mut take = |from: &NodeId, to: &NodeId, msg: &str| {
            let at = in_flight
                .iter()
                .position(|(f, t, m, _)| f == from && t == to && m == msg)?;
            in_flight.remove(at).map(|(.., sent)| sent)
        };
        match &step.event {
            StepEvent::Deliver { from, to, msg } => {
                let sent = take(from, to, msg).unwrap_or(n.saturating_sub(1));
                let _ = write!(
                    svg,
                    "<line class=\"msg\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>{title}</title></line>",
                    x(from), y(sent), x(to), y(n)
                );
            }
            StepEvent::Drop { from, to, msg } => {
                let sent = take(from, to, msg).unwrap_or(n.saturating_sub(1));
                let (x1, x2) = (x(from), (x(from) + x(to)) / 2.0);
                let _ = write!(
                    svg,
                    "<line class=\"msg dropped\" x1=\"{x1}\" y1=\"{}\" x2=\"{x2}\" y2=\"{}\"><title>{title}</title></line>",
                    y(sent), y(n)
                );
            }
            StepEvent::Timer { node, .. } => {
                marker(&mut svg, "timer", x(node), y(n), "#1e88e5", &title)
            }
            StepEvent::Choice { node, .. } => {
                marker(&mut svg, "choice", x(node), y(n), "#8e24aa", &title)
            }
            StepEvent::Crash { node } => {
                marker(&mut svg, "crash", x(node), y(n), "#c62828", &title)
            }
            StepEvent::Recover { node } => {
                marker(&mut svg, "recover", x(node), y(n), "#2e7d32", &title)
            }
            _ => {}
        }
        let _ = write!(
            svg,
            "<text x=\"2\" y=\"{:.1}\" font-size=\"10\" fill=\"#888\">{n}</text>",
            y(n) + 3.0
        );
        for s in &step.sent {
            in_flight.push_back((s.from, s.to, s.msg.clone(), n));
        }
    }
    for (from, to, msg, sent) in &in_flight {
        let _ = write!(
            svg,
            "<line class=\"msg lost\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>in flight at the end: {}</title></line>",
            x(from), y(*sent), (x(from) + x(to)) / 2.0, y(*sent) + 8.0,
            escape(&format!("{from} → {to}: {msg}"))
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn band(top: f64, bottom: f64, width: f64) -> String {
    format!(
        "<g class=\"nemesis\"><rect x=\"0\" y=\"{top}\" width=\"{width}\" height=\"{}\" \
         fill=\"#7e57c2\" fill-opacity=\"0.12\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" \
         fill=\"#7e57c2\">partition</text><title>partition</title></g>",
        (bottom - top).max(2.0),
        width - 60.0,
        top + 10.0
    )
}

fn marker(svg: &mut String, class: &str, x: f64, y: f64, colour: &str, title: &str) {
    let _ = write!(
        svg,
        "<circle class=\"{class}\" cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"{colour}\"><title>{title}</title></circle>"
    );
}

/// The numbered steps, with each step's state changes.
fn steps_table(trace: &Trace) -> String {
    let mut html =
        String::from("<table id=\"steps\"><tr><th>step</th><th>event</th><th>changes</th></tr>\n");
    for step in &trace.steps {
        let changes: Vec<String> = step
            .changes
            .iter()
            .map(|c| {
                escape(&format!(
                    "{} {}: {} → {}",
                    c.node, c.field, c.before, c.after
                ))
            })
            .collect();
        let _ = writeln!(
            html,
            "<tr id=\"step-{n}\"><td>{n}</td><td><code>{e}</code></td><td><code>{c}</code></td></tr>",
            n = step.number,
            e = escape(&describe(&step.event)),
            c = changes.join("<br>"),
        );
    }
    html.push_str("</table>\n");
    html
}

/// The page of a model check.
pub fn model_report(outcome: &CheckOutcome) -> String {
    let verdict = match outcome.status() {
        Status::Pass => "valid",
        Status::Fail => "invalid",
        Status::Unknown => "unknown",
    };
    let title = match outcome.bug {
        Some(bug) => format!("model {} --bug {bug}", outcome.spec),
        None => format!("model {}", outcome.spec),
    };
    let mut page = head(&title, verdict);
    let _ = writeln!(
        page,
        "<p>{} states generated, {} unique, depth {}, {:.2} s</p>\n<h2>Properties</h2>\n\
         <table id=\"properties\"><tr><th>property</th><th>kind</th><th>result</th></tr>",
        outcome.states_generated,
        outcome.unique_states,
        outcome.max_depth,
        outcome.elapsed.as_secs_f64()
    );
    for p in &outcome.properties {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(p.name),
            p.kind,
            escape(p.status.label())
        );
    }
    page.push_str("</table>\n");
    match outcome
        .counterexample()
        .and_then(|p| Some((p.name, p.trace.as_ref()?)))
    {
        Some((name, trace)) => {
            let _ = writeln!(
                page,
                "<h2 id=\"counterexample-0\">Counterexample: {} ({} steps)</h2>",
                escape(name),
                trace.steps.len().saturating_sub(1)
            );
            page.push_str(&diagram(trace));
            page.push_str(&steps_table(trace));
        }
        None => page.push_str("<p id=\"no-counterexample\">No property was violated.</p>\n"),
    }
    page.push_str(&tail());
    page
}
