//! The timeline: one lane per process, one bar per operation from invocation to completion
//! (to the end of the history for operations that never completed), coloured by outcome, with a
//! hover title. Operations of a counterexample are outlined; the one that cannot be placed is
//! outlined in red. Each bar's id is `op-CALL`, so other parts of the page can point at it.
//!
//! Bars are laid out by time, with a time axis, when every event has a recorded time (a run's
//! history, given a [`Clock`]): on the page's shared scale, so they line up with the plots.
//! Otherwise (a history from anywhere, `check --html`) they are laid out by position in the
//! history, the order the checker uses, and there is no time to show.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::axis::{TimeScale, LEFT, WIDTH};
use super::escape;
use super::nemesis::{self, Interval};
use crate::checker::Witness;
use crate::history::{Event, Op, Outcome, Value, NEVER};

const LANE: u64 = 22;
/// Room under the lanes for the time axis and its labels.
const AXIS: u64 = 22;

/// The recorded time of every event, by position, and the page's time scale.
#[derive(Clone, Debug)]
pub(super) struct Clock {
    times: Vec<i64>,
    scale: TimeScale,
}

impl Clock {
    /// The clock of `events`, if every one of them has a recorded time.
    pub(super) fn of(events: &[Event]) -> Option<Clock> {
        let times = events
            .iter()
            .map(|e| e.time)
            .collect::<Option<Vec<i64>>>()?;
        (!times.is_empty()).then(|| Clock {
            times,
            scale: TimeScale::of(events),
        })
    }
}

/// The id of `op`'s bar, from where its invocation came from — the Jepsen `:index`, else the
/// source line and process (an EDN history may hold many events on one line) — which survives
/// the checker's per-key renumbering (a witness's operations are the history's, re-indexed per
/// key); from its position only for histories built in memory.
pub(super) fn op_id(op: &Op) -> String {
    source_id(op.source.invoke_index, op.source.invoke_line, op.process)
        .unwrap_or_else(|| format!("op-c{}", op.call))
}

/// The id of the bar of the operation invoked at Jepsen `:index` `index`, else at source line
/// `line` (0: none) by `process` — how a transaction of a transactional report names its bar;
/// `None` for an operation built in memory.
pub(super) fn source_id(index: Option<u64>, line: u32, process: u64) -> Option<String> {
    match (index, line) {
        (Some(index), _) => Some(format!("op-i{index}")),
        (None, 0) => None,
        (None, line) => Some(format!("op-l{line}-p{process}")),
    }
}

/// Bars outlined together: a drawn cycle's transactions, or the operations of one kafka error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Marked {
    /// The outline's class: `in-cycle` or `in-error`.
    pub outline: &'static str,
    /// The group's own class (`cycle-0`, `error-3`): what an element with `data-cycle` set to
    /// it highlights on hover.
    pub group: String,
    /// The ids of its bars.
    pub bars: Vec<String>,
}

impl Marked {
    /// The bars of drawn cycle `n`.
    pub(super) fn cycle(n: usize, bars: Vec<String>) -> Marked {
        Marked {
            outline: "in-cycle",
            group: format!("cycle-{n}"),
            bars,
        }
    }
}

fn outcome(op: &Op) -> &'static str {
    match op.outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
    }
}

/// The timeline of `ops`, with the operations of `witnesses` marked, and the bars of each of
/// `marks` classed with its outline and group (`in-cycle cycle-0`, `in-error error-2`), and the
/// nemesis's `faults` shaded across every lane; by time, with a time axis, when there is a
/// `clock`.
pub(super) fn svg(
    ops: &[Op],
    witnesses: &[(Option<&Value>, &Witness)],
    marks: &[Marked],
    faults: &[Interval],
    clock: Option<&Clock>,
) -> String {
    let end = ops
        .iter()
        .map(|op| if op.ret == NEVER { op.call } else { op.ret })
        .chain(faults.iter().map(|i| i.start))
        .max()
        .unwrap_or(0)
        + 1;
    // The x of a position; positions past the last event (an operation that never completed,
    // a fault never stopped) are the end of the chart.
    let x = |position: u64| -> f64 {
        match clock {
            Some(clock) => match clock.times.get(position as usize) {
                Some(&t) if position < end => clock.scale.x(t - clock.scale.t0),
                _ => clock.scale.x(clock.scale.span),
            },
            None => LEFT + position.min(end) as f64 * (WIDTH - LEFT) / end as f64,
        }
    };
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
    let lanes_height = lanes.len() as u64 * LANE + 10;
    let height = lanes_height + if clock.is_some() { AXIS } else { 0 };
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg id=\"timeline\" width=\"{WIDTH}\" \
         height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">"
    );
    svg.push_str(&nemesis::shade(faults, 0, lanes_height, |i| {
        Some((x(i.start), x(i.end.min(end))))
    }));
    if let Some(clock) = clock {
        svg.push_str(&clock.scale.draw(lanes_height as f64, Some("timeline-axis")));
        svg.push('\n');
    }
    for (process, lane) in &lanes {
        let _ = writeln!(
            svg,
            "<text class=\"lane-label\" x=\"4\" y=\"{}\">p{process}</text>",
            *lane as u64 * LANE + 15
        );
    }
    // The counterexample's bars are drawn last, so that on a crowded lane (short operations,
    // each at least 3 px wide) no neighbour covers them: (rank, bar), plain bars first.
    let mut bars: Vec<(u8, String)> = Vec::with_capacity(ops.len());
    for op in ops {
        let lane = lanes[&op.process] as u64;
        let start = x(op.call);
        let stop = if op.ret == NEVER { x(end) } else { x(op.ret) };
        let mut class = format!("op {}", outcome(op));
        let id = op_id(op);
        let rank = if is_culprit(&id) {
            class.push_str(" culprit");
            2
        } else if in_witness(&id) {
            class.push_str(" witness");
            1
        } else {
            0
        };
        let mut rank = rank;
        for mark in marks.iter().filter(|m| m.bars.contains(&id)) {
            if rank == 0 {
                let _ = write!(class, " {}", mark.outline);
                rank = 1;
            }
            let _ = write!(class, " {}", mark.group);
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
        let bar = format!(
            "<rect class=\"{class}\" id=\"{id}\" x=\"{start:.1}\" y=\"{y}\" width=\"{w:.1}\" \
             height=\"{h}\" rx=\"2\"><title>p{p} {f}{key} {input}{result} (line {line})</title></rect>\n",
            y = lane * LANE + 4,
            w = (stop - start).max(3.0),
            h = LANE - 6,
            p = op.process,
            f = escape(&op.f),
            key = escape(&key),
            input = escape(&op.input.to_string()),
            result = escape(&result),
            line = op.source.invoke_line,
        );
        bars.push((rank, bar));
    }
    bars.sort_by_key(|(rank, _)| *rank);
    for (_, bar) in bars {
        svg.push_str(&bar);
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{pair, EventKind};

    /// p0 reads from 0 s to 1 s, then p1 from 9 s to 10 s: evenly spaced by position, not by
    /// time.
    fn events() -> Vec<Event> {
        let mut events = vec![
            Event::new(0, EventKind::Invoke, "read", Value::Nil),
            Event::new(0, EventKind::Ok, "read", Value::Int(1)),
            Event::new(1, EventKind::Invoke, "read", Value::Nil),
            Event::new(1, EventKind::Ok, "read", Value::Int(1)),
        ];
        for (e, s) in events.iter_mut().zip([0, 1, 9, 10]) {
            e.time = Some(5 + s * 1_000_000_000);
        }
        events
    }

    fn bar_x(svg: &str, process: u64) -> f64 {
        let title = format!("<title>p{process} read");
        let rect = svg.split("<rect").find(|r| r.contains(&title)).unwrap();
        let x = rect
            .split("x=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        x.parse().unwrap()
    }

    #[test]
    fn with_a_clock_bars_are_placed_by_time_over_a_time_axis() {
        let events = events();
        let ops = pair(events.clone(), None).unwrap();
        let clock = Clock::of(&events).unwrap();
        let svg = svg(&ops, &[], &[], &[], Some(&clock));
        assert_eq!(bar_x(&svg, 0), LEFT);
        assert_eq!(bar_x(&svg, 1), clock.scale.x(9_000_000_000), "{svg}");
        let axis = svg.split("id=\"timeline-axis\"").nth(1).unwrap();
        for label in ["0 s", "5 s", "10 s"] {
            assert!(axis.contains(&format!(">{label}</text>")), "{label}: {svg}");
        }
    }

    #[test]
    fn without_times_bars_are_placed_by_position_and_there_is_no_axis() {
        let mut events = events();
        events[3].time = None;
        assert!(Clock::of(&events).is_none(), "one event without a time");
        let ops = pair(events, None).unwrap();
        let svg = svg(&ops, &[], &[], &[], None);
        assert_eq!(bar_x(&svg, 1), LEFT + 2.0 * (WIDTH - LEFT) / 4.0);
        assert!(!svg.contains("time-axis"));
    }

    #[test]
    fn the_bars_of_a_drawn_cycle_are_classed_with_it() {
        let ops = pair(events(), None).unwrap();
        let ids: Vec<String> = ops.iter().map(op_id).collect();
        let svg = svg(
            &ops,
            &[],
            &[Marked::cycle(0, vec![ids[1].clone()])],
            &[],
            None,
        );
        let bar = svg.split("<rect").find(|r| r.contains(&ids[1])).unwrap();
        assert!(bar.contains("class=\"op ok in-cycle cycle-0\""), "{bar}");
        let other = svg.split("<rect").find(|r| r.contains(&ids[0])).unwrap();
        assert!(!other.contains("in-cycle"), "{other}");
    }
}
