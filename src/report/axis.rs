//! The time axis of a run's page: one scale from the first to the last recorded event, shared by
//! the latency and throughput plots and the timeline, so that a latency spike, the bars under
//! it and the fault shading all line up; ticks at round steps (1, 2 or 5 × 10ᵏ) so the labels
//! read as times, not as fractions of the run: in seconds, or in ms, µs or ns when the whole
//! history is shorter than a second or so (hand-made and converted histories often are).

use std::fmt::Write;

use crate::history::Event;

/// Width of every chart on the page.
pub(super) const WIDTH: f64 = 1000.0;
/// Left margin: lane labels and y-axis labels.
pub(super) const LEFT: f64 = 60.0;
/// Right margin, so the last tick label fits.
const RIGHT: f64 = 10.0;
/// At most about this many ticks on an axis.
const MAX_TICKS: i64 = 10;

/// Recorded times (ns) mapped to chart x coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TimeScale {
    /// The first recorded time: x = [`LEFT`].
    pub(super) t0: i64,
    /// From the first to the last recorded time (at least 1 ns).
    pub(super) span: i64,
}

impl TimeScale {
    /// The scale of `events`: their first to their last recorded time.
    pub(super) fn of(events: &[Event]) -> TimeScale {
        let t0 = events.iter().find_map(|e| e.time).unwrap_or(0);
        let t1 = events.iter().rev().find_map(|e| e.time).unwrap_or(t0);
        TimeScale {
            t0,
            span: (t1 - t0).max(1),
        }
    }

    /// The x of a time `t` ns after [`TimeScale::t0`].
    pub(super) fn x(&self, t: i64) -> f64 {
        LEFT + t as f64 / self.span as f64 * (WIDTH - LEFT - RIGHT)
    }

    /// The ticks: times after `t0` (ns) at a round step, with their labels (`0 s`, `0.5 s`,
    /// `1 s`, …; `0 ms`, `20 ms`, … for a short history).
    pub(super) fn ticks(&self) -> Vec<(i64, String)> {
        let step = round_step(self.span);
        // The unit: the largest whose 0.1 the step reaches, so labels keep at most one decimal
        // of it unless the step needs more.
        let (unit, name) = [
            (1_000_000_000, "s"),
            (1_000_000, "ms"),
            (1_000, "µs"),
            (1, "ns"),
        ]
        .into_iter()
        .find(|&(unit, _)| step * 10 >= unit)
        .unwrap_or((1, "ns"));
        // Digits after the point that the step needs in that unit: 0 for 1 s, 1 for 0.5 s.
        let decimals = (0..9)
            .find(|&d| unit / 10i64.pow(d) == 0 || step % (unit / 10i64.pow(d)) == 0)
            .unwrap_or(0) as usize;
        (0..=self.span / step)
            .map(|k| {
                let t = k * step;
                (t, format!("{:.*} {name}", decimals, t as f64 / unit as f64))
            })
            .collect()
    }

    /// SVG for the axis: a line at `y` across the chart, a tick mark and a label below it at
    /// every tick, in a group with `id` (if any) and class `time-axis`.
    pub(super) fn draw(&self, y: f64, id: Option<&str>) -> String {
        let mut svg = match id {
            Some(id) => format!("<g class=\"time-axis\" id=\"{id}\">"),
            None => "<g class=\"time-axis\">".to_owned(),
        };
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#999\"/>",
            x2 = self.x(self.span)
        );
        for (t, label) in self.ticks() {
            let x = self.x(t);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{y}\" x2=\"{x:.1}\" y2=\"{y2}\" stroke=\"#999\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{ty}\" font-size=\"10\" \
                 text-anchor=\"middle\">{label}</text>",
                y2 = y + 4.0,
                ty = y + 14.0,
            );
        }
        svg.push_str("</g>");
        svg
    }
}

/// The smallest round step (1, 2 or 5 × 10ᵏ ns) that puts at most [`MAX_TICKS`] steps in
/// `span`.
fn round_step(span: i64) -> i64 {
    let mut decade: i64 = 1;
    loop {
        for multiple in [1, 2, 5] {
            let step = decade * multiple;
            if span / step <= MAX_TICKS {
                return step;
            }
        }
        decade *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(span: i64) -> TimeScale {
        TimeScale { t0: 7, span }
    }

    #[test]
    fn ticks_fall_on_round_times_and_say_their_unit() {
        let labels =
            |span| -> Vec<String> { scale(span).ticks().into_iter().map(|(_, l)| l).collect() };
        assert_eq!(
            labels(6_400_000_000),
            ["0 s", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s"]
        );
        assert_eq!(labels(25_000_000_000)[..3], ["0 s", "5 s", "10 s"]);
        assert_eq!(labels(1_200_000_000)[..3], ["0.0 s", "0.2 s", "0.4 s"]);
        assert_eq!(labels(300_000_000)[..3], ["0 ms", "50 ms", "100 ms"]);
        assert_eq!(labels(30_000_000)[..2], ["0 ms", "5 ms"]);
        assert_eq!(labels(7_777)[..3], ["0 µs", "1 µs", "2 µs"]);
        assert_eq!(labels(40)[..3], ["0 ns", "5 ns", "10 ns"]);
    }

    #[test]
    fn the_axis_spans_the_chart_from_the_left_margin() {
        let s = scale(2_000_000_000);
        assert_eq!(s.x(0), LEFT);
        assert_eq!(s.x(s.span), WIDTH - RIGHT);
        let svg = s.draw(100.0, Some("timeline-axis"));
        assert!(svg.starts_with("<g class=\"time-axis\" id=\"timeline-axis\">"));
        assert_eq!(
            svg.matches("class=\"tick\"").count(),
            11,
            "0.0 s to 2.0 s: {svg}"
        );
        assert!(svg.contains(">2.0 s</text>"), "{svg}");
    }
}
