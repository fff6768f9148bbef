//! Nemesis intervals: the nemesis's `info` events (`start-partition` … `stop-partition`,
//! `kill` … `start`, `pause` … `resume`, `start-loss` … `stop-loss`, `start-latency` …
//! `stop-latency`) paired into the spans during which a fault was active, and drawn as
//! translucent rectangles across every lane of a chart, with the evidence each action recorded
//! that it took effect (its `effect` field) on hover; a fault shown to have taken no effect is
//! outlined dashed and labelled so.

use std::fmt::Write;

use super::escape;
use crate::history::{Event, Process, Value};

/// A span of the history during which one fault was active.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    /// `partition`, `kill`, `pause`, `loss`, `latency`, or the `f` of an unpaired event.
    pub kind: String,
    /// The starting event's value (which nodes, which grudge), rendered.
    pub detail: String,
    /// Positions (event indices) of the start and of the end; the end of the history when the
    /// fault was never stopped.
    pub start: u64,
    /// See `start`.
    pub end: u64,
    /// Times (ns) of the start and end events, when the history has times.
    pub start_time: Option<i64>,
    /// See `start_time`.
    pub end_time: Option<i64>,
    /// What the start and the end were seen to do (`kill: n1 exit killed by signal 9`).
    pub evidence: Vec<String>,
    /// Whether it took effect: `Some(false)` when every action that was judged missed.
    pub took: Option<bool>,
}

impl Interval {
    fn note(&mut self, event: &Event) {
        let Some((took, shown)) = effect(event) else {
            return;
        };
        self.evidence.push(format!("{}: {shown}", event.f));
        self.took = match (self.took, took) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), _) | (_, Some(false)) => Some(false),
            _ => None,
        };
    }
}

/// An event's recorded effect: whether it took, and the evidence without `took`.
fn effect(event: &Event) -> Option<(Option<bool>, String)> {
    let (_, value) = event.extra.iter().find(|(k, _)| &**k == "effect")?;
    let Value::Map(fields) = value else {
        return Some((None, value.to_string()));
    };
    let mut took = None;
    let mut shown = Vec::new();
    for (k, v) in fields.iter() {
        match (k, v) {
            (Value::Str(k), Value::Bool(b)) if &**k == "took" => took = Some(*b),
            (Value::Str(k) | Value::Keyword(k), v) => shown.push(format!("{k} {}", plain(v))),
            (k, v) => shown.push(format!("{k} {v}")),
        }
    }
    Some((took, shown.join(", ")))
}

/// A value without the quotes and braces of its notation, for a tooltip.
fn plain(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Keyword(s) => s.to_string(),
        Value::Map(fields) => fields
            .iter()
            .map(|(k, v)| format!("{} {}", plain(k), plain(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The kind a nemesis `f` starts or stops, and whether it starts it.
fn classify(f: &str) -> (String, bool) {
    match f {
        "kill" => ("kill".into(), true),
        "start" => ("kill".into(), false),
        "pause" => ("pause".into(), true),
        "resume" => ("pause".into(), false),
        "corrupt" => ("corrupt".into(), true),
        "recover" => ("corrupt".into(), false),
        "bump" => ("clock".into(), true),
        "reset" => ("clock".into(), false),
        _ => match (f.strip_prefix("start-"), f.strip_prefix("stop-")) {
            (Some(kind), _) => (kind.into(), true),
            (_, Some(kind)) => (kind.into(), false),
            _ => (f.into(), true),
        },
    }
}

/// The fault intervals of `events`, in order of their start.
pub fn intervals(events: &[Event]) -> Vec<Interval> {
    let end = events.len() as u64;
    let last_time = events.iter().rev().find_map(|e| e.time);
    let mut open: Vec<Interval> = Vec::new();
    let mut done = Vec::new();
    for (position, event) in events.iter().enumerate() {
        if event.process != Process::Nemesis {
            continue;
        }
        if &*event.f == "lose-unsynced" {
            // One action (a power failure and the restart at once): an instant, not a span.
            let mut instant = Interval {
                kind: event.f.to_string(),
                detail: event.value.to_string(),
                start: position as u64,
                end: position as u64 + 1,
                start_time: event.time,
                end_time: event.time,
                evidence: Vec::new(),
                took: None,
            };
            instant.note(event);
            done.push(instant);
            continue;
        }
        let (kind, starts) = classify(&event.f);
        if let Some(i) = open.iter().position(|o| o.kind == kind) {
            // A stop (or a second start) closes the open interval of its kind.
            let mut interval = open.remove(i);
            interval.end = position as u64;
            interval.end_time = event.time;
            interval.note(event);
            done.push(interval);
            if !starts {
                continue;
            }
        } else if !starts {
            continue;
        }
        let mut interval = Interval {
            kind,
            detail: event.value.to_string(),
            start: position as u64,
            end,
            start_time: event.time,
            end_time: last_time,
            evidence: Vec::new(),
            took: None,
        };
        interval.note(event);
        open.push(interval);
    }
    done.extend(open);
    done.sort_by_key(|i| i.start);
    done
}

/// Colour of a fault kind.
fn colour(kind: &str) -> &'static str {
    match kind {
        "partition" => "#7e57c2",
        "kill" => "#e53935",
        "pause" => "#fb8c00",
        "loss" => "#00897b",
        "latency" => "#1e88e5",
        "corrupt" => "#6d4c41",
        "lose-unsynced" => "#c62828",
        "clock" => "#3949ab",
        _ => "#757575",
    }
}

/// SVG rectangles for `intervals` between `top` and `bottom`; `x` maps an interval to its left
/// and right edges (or `None` when the chart has no place for it).
pub(super) fn shade(
    intervals: &[Interval],
    top: u64,
    bottom: u64,
    x: impl Fn(&Interval) -> Option<(f64, f64)>,
) -> String {
    let mut svg = String::new();
    for interval in intervals {
        let Some((left, right)) = x(interval) else {
            continue;
        };
        let width = (right - left).max(2.0);
        let missed = interval.took == Some(false);
        let (outline, label) = if missed {
            (
                " stroke-dasharray=\"4 3\" stroke-width=\"1\"",
                " (no effect)",
            )
        } else {
            ("", "")
        };
        let evidence = if interval.evidence.is_empty() {
            String::new()
        } else {
            format!("\n{}", interval.evidence.join("\n"))
        };
        let _ = writeln!(
            svg,
            "<g class=\"nemesis{m}\"><rect x=\"{left:.1}\" y=\"{top}\" width=\"{width:.1}\" \
             height=\"{h}\" fill=\"{c}\" fill-opacity=\"0.15\" stroke=\"{c}\" \
             stroke-opacity=\"{so}\"{outline}/><text x=\"{tx:.1}\" y=\"{ty}\" \
             font-size=\"10\" fill=\"{c}\">{k}{label}</text><title>{k} {d}{e}</title></g>",
            m = if missed { " no-effect" } else { "" },
            so = if missed { 0.8 } else { 0.0 },
            h = bottom.saturating_sub(top),
            c = colour(&interval.kind),
            tx = left + 2.0,
            ty = top + 10,
            k = escape(&interval.kind),
            d = escape(&interval.detail),
            e = escape(&evidence),
        );
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{EventKind, Value};

    fn nemesis(f: &str) -> Event {
        let mut e = Event::new(0, EventKind::Info, f, Value::Nil);
        e.process = Process::Nemesis;
        e
    }

    #[test]
    fn start_and_stop_events_pair_into_intervals_and_open_faults_run_to_the_end() {
        let events = vec![
            Event::new(0, EventKind::Invoke, "read", Value::Nil),
            nemesis("start-partition"),
            nemesis("kill"),
            nemesis("stop-partition"),
            Event::new(0, EventKind::Ok, "read", Value::Nil),
            nemesis("start"),
            nemesis("pause"),
        ];
        let got: Vec<_> = intervals(&events)
            .into_iter()
            .map(|i| (i.kind, i.start, i.end))
            .collect();
        assert_eq!(
            got,
            vec![
                ("partition".into(), 1, 3),
                ("kill".into(), 2, 5),
                ("pause".into(), 6, 7)
            ]
        );
    }

    fn with_effect(mut e: Event, took: bool, name: &str, count: i64) -> Event {
        let effect = Value::Map(
            vec![
                (Value::str("took"), Value::Bool(took)),
                (Value::str(name), Value::Int(count)),
            ]
            .into(),
        );
        e.extra.push(("effect".into(), effect));
        e
    }

    #[test]
    fn a_partition_that_dropped_nothing_is_drawn_as_having_no_effect_with_its_evidence() {
        let events = vec![
            nemesis("start-partition"),
            with_effect(nemesis("stop-partition"), false, "dropped", 0),
            nemesis("start-partition"),
            with_effect(nemesis("stop-partition"), true, "dropped", 25),
        ];
        let got = intervals(&events);
        assert_eq!(got[0].took, Some(false));
        assert_eq!(
            got[0].evidence,
            vec!["stop-partition: dropped 0".to_string()]
        );
        assert_eq!(got[1].took, Some(true));
        let svg = shade(&got, 0, 50, |i| Some((i.start as f64, i.end as f64 + 1.0)));
        assert_eq!(svg.matches("(no effect)").count(), 1, "{svg}");
        assert!(svg.contains("stop-partition: dropped 25"), "{svg}");
    }

    #[test]
    fn shading_escapes_the_fault_detail() {
        let interval = Interval {
            kind: "partition".into(),
            detail: "<n1>".into(),
            start: 0,
            end: 1,
            start_time: None,
            end_time: None,
            evidence: Vec::new(),
            took: None,
        };
        let svg = shade(&[interval], 0, 50, |_| Some((10.0, 20.0)));
        assert!(svg.contains("&lt;n1&gt;") && !svg.contains("<n1>"));
        assert!(svg.contains("class=\"nemesis\""));
    }
}
