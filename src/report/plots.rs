//! Plots of a run's history over time, in hand-rolled SVG: latency per function (one point per
//! operation at its invocation, coloured ok / fail / info, log y axis) and throughput (completions
//! per second per time bucket, one line per outcome), both with the nemesis's intervals shaded,
//! on the page's shared time axis (`axis.rs`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::axis::{TimeScale, WIDTH};
use super::escape;
use super::nemesis::{self, Interval};
use crate::history::{Event, EventKind, Process};

// Low enough that the plots and the timeline under them fit one screen.
const HEIGHT: f64 = 150.0;
const BOTTOM: f64 = 20.0;
const BUCKETS: usize = 100;

/// One completed operation: invoked `at` ns after the first event, took `latency` ns.
#[derive(Clone, Debug, PartialEq)]
struct Sample {
    at: i64,
    latency: i64,
    done: i64,
    f: String,
    outcome: EventKind,
}

/// Completed operations with times, and the time scale of `events`; invocations never completed
/// are left out (they have no latency).
fn samples(events: &[Event]) -> (Vec<Sample>, TimeScale) {
    let scale = TimeScale::of(events);
    let t0 = scale.t0;
    let mut open: HashMap<u64, i64> = HashMap::new();
    let mut out = Vec::new();
    for e in events {
        let (Process::Client(p), Some(time)) = (e.process, e.time) else {
            continue;
        };
        if e.kind == EventKind::Invoke {
            open.insert(p, time);
        } else if let Some(start) = open.remove(&p) {
            out.push(Sample {
                at: start - t0,
                latency: (time - start).max(1),
                done: time - t0,
                f: e.f.to_string(),
                outcome: e.kind,
            });
        }
    }
    (out, scale)
}

fn colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Ok => "#2e7d32",
        EventKind::Fail => "#c62828",
        _ => "#ef6c00",
    }
}

/// The start of a plot: its title, the SVG, the fault shading (`faults` in times after the
/// scale's `t0`) and the time axis.
fn frame(id: &str, title: &str, faults: &[Interval], scale: &TimeScale) -> String {
    let x = |t: i64| scale.x(t);
    let mut svg = format!(
        "<h3>{title}</h3><svg class=\"plot\" id=\"{id}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">",
        title = escape(title),
        id = escape(id),
    );
    svg.push_str(&nemesis::shade(faults, 0, (HEIGHT - BOTTOM) as u64, |i| {
        Some((x(i.start_time?), x(i.end_time?)))
    }));
    svg.push_str(&scale.draw(HEIGHT - BOTTOM, None));
    svg
}

/// The latency plots (one per function) and the throughput plot of `events`.
pub fn section(events: &[Event], faults: &[Interval]) -> String {
    let (samples, scale) = samples(events);
    let t0 = scale.t0;
    let mut html = String::from("<h2>Latency and throughput</h2>\n");
    if samples.is_empty() {
        html.push_str("<p>No completed operation with times to plot.</p>\n");
        return html;
    }
    let faults: Vec<Interval> = faults
        .iter()
        .cloned()
        .map(|mut i| {
            i.start_time = i.start_time.map(|t| t - t0);
            i.end_time = i.end_time.map(|t| t - t0);
            i
        })
        .collect();
    let x = |t: i64| scale.x(t);
    let plot_height = HEIGHT - BOTTOM - 10.0;
    let mut by_f: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in &samples {
        by_f.entry(&s.f).or_default().push(s);
    }
    let lowest = samples.iter().map(|s| s.latency).min().unwrap_or(1) as f64;
    let highest = samples.iter().map(|s| s.latency).max().unwrap_or(1) as f64;
    let (lo, hi) = (
        lowest.log10().floor(),
        highest.log10().ceil().max(lowest.log10().floor() + 1.0),
    );
    let y = |ns: i64| 10.0 + (1.0 - ((ns as f64).log10() - lo) / (hi - lo)) * plot_height;
    for (f, points) in &by_f {
        html.push_str(&frame(
            &format!("latency-{f}"),
            &format!("latency of {f} (log scale)"),
            &faults,
            &scale,
        ));
        for decade in lo as i32..=hi as i32 {
            let ns = 10f64.powi(decade);
            let label = if ns >= 1e6 {
                format!("{} ms", ns / 1e6)
            } else {
                format!("{} µs", ns / 1e3)
            };
            let _ = write!(
                html,
                "<text class=\"axis\" x=\"2\" y=\"{:.1}\" font-size=\"10\">{label}</text>",
                y(ns as i64) + 3.0
            );
        }
        for s in points {
            let _ = write!(
                html,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{}\"/>",
                x(s.at),
                y(s.latency),
                colour(s.outcome)
            );
        }
        html.push_str("</svg>\n");
    }
    html.push_str(&throughput(&samples, &faults, &scale));
    html.push_str(
        "<p><span style=\"color:#2e7d32\">● ok</span> <span style=\"color:#c62828\">● fail</span> \
         <span style=\"color:#ef6c00\">● info</span>; shaded: nemesis faults</p>\n",
    );
    html
}

fn throughput(samples: &[Sample], faults: &[Interval], scale: &TimeScale) -> String {
    let bucket_ns = (scale.span / BUCKETS as i64).max(1);
    let mut counts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for s in samples {
        let name = match s.outcome {
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            _ => "info",
        };
        let b = ((s.done / bucket_ns) as usize).min(BUCKETS - 1);
        counts.entry(name).or_insert_with(|| vec![0; BUCKETS])[b] += 1;
    }
    let per_second = |c: usize| c as f64 / (bucket_ns as f64 / 1e9);
    let max = counts
        .values()
        .flatten()
        .map(|&c| per_second(c))
        .fold(1.0, f64::max);
    let plot_height = HEIGHT - BOTTOM - 10.0;
    // The middle of bucket `b` (the last one also holds the remainder of the span).
    let x = |b: usize| scale.x(((b as f64 + 0.5) * bucket_ns as f64) as i64);
    let mut svg = frame(
        "throughput",
        "throughput (completions per second)",
        faults,
        scale,
    );
    let _ = write!(
        svg,
        "<text class=\"axis\" x=\"2\" y=\"14\" font-size=\"10\">{max:.0}/s</text>"
    );
    for (name, buckets) in &counts {
        let points: Vec<String> = buckets
            .iter()
            .enumerate()
            .map(|(b, &c)| {
                format!(
                    "{:.1},{:.1}",
                    x(b),
                    10.0 + (1.0 - per_second(c) / max) * plot_height
                )
            })
            .collect();
        let kind = match *name {
            "ok" => EventKind::Ok,
            "fail" => EventKind::Fail,
            _ => EventKind::Info,
        };
        let _ = write!(
            svg,
            "<polyline class=\"rate {name}\" fill=\"none\" stroke=\"{}\" points=\"{}\"/>",
            colour(kind),
            points.join(" ")
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Value;

    fn at(mut e: Event, time: i64) -> Event {
        e.time = Some(time);
        e
    }

    #[test]
    fn each_function_gets_a_latency_plot_with_one_point_per_completed_op_and_shaded_faults() {
        let mut partition = Event::new(0, EventKind::Info, "start-partition", Value::Nil);
        partition.process = Process::Nemesis;
        let events = vec![
            at(Event::new(0, EventKind::Invoke, "read", Value::Nil), 0),
            at(
                Event::new(1, EventKind::Invoke, "write", Value::Int(1)),
                1_000_000,
            ),
            at(partition, 2_000_000),
            at(
                Event::new(0, EventKind::Ok, "read", Value::Int(1)),
                3_000_000,
            ),
            at(
                Event::new(1, EventKind::Info, "write", Value::Int(1)),
                900_000_000,
            ),
            at(
                Event::new(2, EventKind::Invoke, "read", Value::Nil),
                950_000_000,
            ),
        ];
        let faults = nemesis::intervals(&events);
        let html = section(&events, &faults);
        assert!(html.contains("id=\"latency-read\"") && html.contains("id=\"latency-write\""));
        assert_eq!(
            html.matches("<circle").count(),
            2,
            "the open invoke has no latency"
        );
        assert!(
            html.contains("fill=\"#ef6c00\""),
            "the info write is orange"
        );
        assert_eq!(
            html.matches("class=\"nemesis\"").count(),
            3,
            "two latency plots and throughput"
        );
        assert!(html.contains("class=\"rate ok\"") && html.contains("class=\"rate info\""));
    }
}
