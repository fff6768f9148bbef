//! The timeline: one lane per process, one bar per operation from invocation to completion
//! (to the end of the history for operations that never completed), coloured by outcome, with a
//! hover title. Operations of a counterexample are outlined; the one that cannot be placed is
//! outlined in red. Each bar's id is `op-CALL`, so other parts of the page can point at it.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::escape;
use super::nemesis::{self, Interval};
use crate::checker::Witness;
use crate::history::{Op, Outcome, Value, NEVER};

const LANE: u64 = 22;
const LABEL: u64 = 60;
const WIDTH: u64 = 1000;

/// The id of `op`'s bar, from where its invocation came from — the Jepsen `:index`, else the
/// source line and process (an EDN history may hold many events on one line) — which survives
/// the checker's per-key renumbering (a witness's operations are the history's, re-indexed per
/// key); from its position only for histories built in memory.
pub(super) fn op_id(op: &Op) -> String {
    match (op.source.invoke_index, op.source.invoke_line) {
        (Some(index), _) => format!("op-i{index}"),
        (None, 0) => format!("op-c{}", op.call),
        (None, line) => format!("op-l{line}-p{}", op.process),
    }
}

fn outcome(op: &Op) -> &'static str {
    match op.outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
    }
}

/// The timeline of `ops`, with the operations of `witnesses` marked and the nemesis's `faults`
/// shaded across every lane.
pub(super) fn svg(
    ops: &[Op],
    witnesses: &[(Option<&Value>, &Witness)],
    faults: &[Interval],
) -> String {
    let end = ops
        .iter()
        .map(|op| if op.ret == NEVER { op.call } else { op.ret })
        .chain(faults.iter().map(|i| i.start))
        .max()
        .unwrap_or(0)
        + 1;
    let lanes: BTreeMap<u64, usize> = {
        let mut processes: Vec<u64> = ops.iter().map(|op| op.process).collect();
        processes.sort_unstable();
        processes.dedup();
        processes
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, i))
            .collect()
    };
    let in_witness = |id: &str| {
        witnesses
            .iter()
            .any(|(_, w)| w.minimal.iter().any(|m| op_id(m) == id))
    };
    let is_culprit = |id: &str| witnesses.iter().any(|(_, w)| op_id(&w.op) == id);
    let x = |position: u64| LABEL + position * (WIDTH - LABEL) / end;
    let height = lanes.len() as u64 * LANE + 10;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg id=\"timeline\" width=\"{WIDTH}\" \
         height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">"
    );
    svg.push_str(&nemesis::shade(faults, 0, height, |i| {
        Some((x(i.start) as f64, x(i.end.min(end)) as f64))
    }));
    for (process, lane) in &lanes {
        let _ = writeln!(
            svg,
            "<text class=\"lane-label\" x=\"4\" y=\"{}\">p{process}</text>",
            *lane as u64 * LANE + 15
        );
    }
    for op in ops {
        let lane = lanes[&op.process] as u64;
        let start = x(op.call);
        let stop = if op.ret == NEVER { x(end) } else { x(op.ret) };
        let mut class = format!("op {}", outcome(op));
        let id = op_id(op);
        if is_culprit(&id) {
            class.push_str(" culprit");
        } else if in_witness(&id) {
            class.push_str(" witness");
        }
        let key = op
            .key
            .as_ref()
            .map(|k| format!(" key {k}"))
            .unwrap_or_default();
        let result = match op.outcome {
            Outcome::Ok => format!(" → {}", op.output),
            Outcome::Fail => " → fail".to_owned(),
            Outcome::Info => " → unknown (info)".to_owned(),
        };
        let _ = writeln!(
            svg,
            "<rect class=\"{class}\" id=\"{id}\" x=\"{start}\" y=\"{y}\" width=\"{w}\" \
             height=\"{h}\" rx=\"2\"><title>p{p} {f}{key} {input}{result} (line {line})</title></rect>",
            y = lane * LANE + 4,
            w = (stop - start).max(3),
            h = LANE - 6,
            p = op.process,
            f = escape(&op.f),
            key = escape(&key),
            input = escape(&op.input.to_string()),
            result = escape(&result),
            line = op.source.invoke_line,
        );
    }
    svg.push_str("</svg>\n");
    svg
}
