//! The Lamport diagram of a run's messages: one vertical line per node or client, time running
//! down in logical steps (one row per distinct send or delivery time, so order is kept and
//! bursts stay readable), one arrow per message from its send to its delivery; dropped messages
//! end half-way as red dashes, undelivered ones are grey dashes.
//!
//! Windowed, so a run of 100,000 messages stays usable: the messages (sorted by send time) are
//! cut into windows of at most `per_window`, each a contiguous span of time. Only the first
//! window is rendered here; every message is embedded once as compact JSON arrays and a few
//! lines of inline JS (`lamport.js`) draw the window picked in the selector or in the overview
//! strip (message density per time bucket). `#lamport-window=N` in the address opens window N.
//!
//! A [`DiagramMark`] (the first divergent step of a run's trace validation) is drawn in red:
//! the message it names as a thick arrow with a circle at its end, or, without a message, a
//! circle on its node's lane at its time; the window holding it is the one shown first.

use std::fmt::Write;

use super::escape;
use super::journal::{Journal, Message};

/// Messages drawn at once.
pub const PER_WINDOW: usize = 2_000;
const GAP: f64 = 110.0;
const LEFT: f64 = 50.0;
const TOP: f64 = 30.0;
/// Height of one row of logical time.
const STEP: f64 = 5.0;
const BUCKETS: usize = 200;

/// Where a run's trace left its model, to mark on the diagram.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagramMark {
    /// The node (`n1`).
    pub node: String,
    /// The router's id of the message involved, if any.
    pub message: Option<u64>,
    /// The time on the run's clock (ns), if known.
    pub time: Option<i64>,
    /// What went wrong, one line.
    pub summary: String,
}

/// Where a mark is drawn: the message's index, or a lane and a time.
struct Placed {
    message: Option<usize>,
    lane: Option<usize>,
    time: Option<i64>,
    window: usize,
}

fn place(journal: &Journal, windows: &[(usize, usize)], mark: &DiagramMark) -> Option<Placed> {
    let messages = &journal.messages;
    let message = mark
        .message
        .and_then(|id| messages.iter().position(|m| m.id == id));
    let lane = journal.endpoints.iter().position(|e| *e == mark.node);
    let at = match message {
        Some(i) => i,
        None => {
            let time = mark.time?;
            lane?;
            messages
                .partition_point(|m| m.sent < time)
                .min(messages.len().checked_sub(1)?)
        }
    };
    let window = windows.iter().position(|(a, b)| (*a..*b).contains(&at))?;
    Some(Placed {
        message,
        lane,
        time: mark.time,
        window,
    })
}

/// The diagram's section: overview strip, window selector, first window, data, script; `mark`
/// drawn, and its window shown first.
pub fn section_marked(journal: &Journal, per_window: usize, mark: Option<&DiagramMark>) -> String {
    let per_window = per_window.max(1);
    let messages = &journal.messages;
    let windows: Vec<(usize, usize)> = (0..messages.len())
        .step_by(per_window)
        .map(|start| (start, (start + per_window).min(messages.len())))
        .collect();
    let t0 = messages.first().map_or(0, |m| m.sent);
    let placed = mark.and_then(|m| place(journal, &windows, m));
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<h2>Messages</h2>\n<p>{} messages between {} endpoints, in {} window(s) of at most {} \
         (pick one below or click the strip).</p>",
        messages.len(),
        journal.endpoints.len(),
        windows.len(),
        per_window
    );
    if let (Some(mark), Some(p)) = (mark, &placed) {
        let _ = writeln!(
            html,
            "<p class=\"trace-mark\">Marked in red, in window {}: where the trace left its \
             model ({}): {}</p>",
            p.window + 1,
            escape(&mark.node),
            escape(&mark.summary)
        );
    }
    html.push_str(&overview(messages, &windows, t0));
    html.push_str("<p><select id=\"lamport-window\">");
    let shown = placed.as_ref().map_or(0, |p| p.window);
    for (i, (start, end)) in windows.iter().enumerate() {
        let selected = if i == shown { " selected" } else { "" };
        let _ = write!(
            html,
            "<option value=\"{i}\"{selected}>window {n}: {a:.3}–{b:.3} s ({c} messages)</option>",
            n = i + 1,
            a = seconds(messages[*start].sent - t0),
            b = seconds(messages[end - 1].sent - t0),
            c = end - start,
        );
    }
    html.push_str("</select></p>\n<div id=\"lamport\">");
    if let Some(&(start, end)) = windows.get(shown) {
        let local = placed.as_ref().map(|p| Placed {
            message: p.message.map(|i| i - start),
            lane: p.lane,
            time: p.time,
            window: p.window,
        });
        html.push_str(&window_svg(
            journal,
            &messages[start..end],
            t0,
            local.as_ref(),
            mark,
        ));
    }
    html.push_str("</div>\n<script type=\"application/json\" id=\"lamport-data\">");
    html.push_str(&data(journal, &windows, t0, placed.as_ref(), mark));
    html.push_str("</script>\n");
    let _ = writeln!(
        html,
        "<script>{}</script>",
        SCRIPT
            .replace("__GAP__", &GAP.to_string())
            .replace("__STEP__", &STEP.to_string())
    );
    html
}

fn seconds(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// A bar per time bucket, as tall as the bucket's share of messages; a click picks the window
/// holding the bucket's first message.
fn overview(messages: &[Message], windows: &[(usize, usize)], t0: i64) -> String {
    let span = messages.last().map_or(1, |m| (m.sent - t0).max(1)) as f64;
    let mut counts = [0usize; BUCKETS];
    let mut first_window = [usize::MAX; BUCKETS];
    for (w, (start, end)) in windows.iter().enumerate() {
        for m in &messages[*start..*end] {
            let b = (((m.sent - t0) as f64 / span) * (BUCKETS - 1) as f64) as usize;
            counts[b] += 1;
            first_window[b] = first_window[b].min(w);
        }
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut svg = String::from(
        "<svg id=\"lamport-overview\" width=\"1000\" height=\"40\" viewBox=\"0 0 1000 40\">",
    );
    for (b, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let h = (count as f64 / max * 38.0).max(1.0);
        let _ = write!(
            svg,
            "<rect data-window=\"{w}\" x=\"{x}\" y=\"{y:.1}\" width=\"4\" height=\"{h:.1}\" \
             fill=\"#5c6bc0\"><title>{count} messages</title></rect>",
            w = first_window[b],
            x = b * 5,
            y = 40.0 - h,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// One window as SVG (the JS draws the same for the others), with `placed` (indices local to
/// the window) marked.
fn window_svg(
    journal: &Journal,
    messages: &[Message],
    t0: i64,
    placed: Option<&Placed>,
    mark: Option<&DiagramMark>,
) -> String {
    // Logical time: every distinct send or delivery time is one row, so a burst of fast
    // messages is as readable as a slow one and the order of events is kept.
    // In µs, like the embedded data, so the script draws the same rows.
    let micros = |t: i64| (t - t0) / 1000;
    let mut times: Vec<i64> = messages
        .iter()
        .flat_map(|m| [Some(m.sent), m.delivered])
        .flatten()
        .chain(placed.filter(|p| p.message.is_none()).and_then(|p| p.time))
        .map(micros)
        .collect();
    times.sort_unstable();
    times.dedup();
    let y = |t: i64| TOP + times.partition_point(|&u| u < micros(t)) as f64 * STEP;
    let bottom = TOP + times.len() as f64 * STEP;
    let x = |lane: usize| LEFT + lane as f64 * GAP;
    let width = LEFT + journal.endpoints.len() as f64 * GAP;
    let height = bottom + 20.0;
    let mut svg = format!(
        "<svg class=\"lamport\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} \
         {height}\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 \
         5L0 10z\" fill=\"#444\"/></marker></defs>"
    );
    for (lane, name) in journal.endpoints.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"16\" text-anchor=\"middle\" class=\"lane-label\">{n}</text>\
             <line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{b}\" stroke=\"#bbb\"/>",
            x = x(lane),
            n = escape(name),
            b = bottom,
        );
    }
    let title = mark.map(|m| escape(&m.summary)).unwrap_or_default();
    for (i, m) in messages.iter().enumerate() {
        let (x1, y1, x2) = (x(m.from), y(m.sent), x(m.to));
        let (class, x2, y2) = match (&m.dropped, m.delivered) {
            (Some(_), _) => ("msg dropped", (x1 + x2) / 2.0, y1 + 4.0),
            (None, Some(t)) => ("msg", x2, y(t)),
            (None, None) => ("msg lost", x2, y1 + 4.0),
        };
        let marked = placed.is_some_and(|p| p.message == Some(i));
        let class = if marked { "msg divergent" } else { class };
        if marked {
            let _ = write!(
                svg,
                "<circle id=\"divergent-step\" class=\"divergent-mark\" cx=\"{x2:.1}\" \
                 cy=\"{y2:.1}\" r=\"7\"><title>{title}</title></circle>"
            );
        }
        let _ = write!(
            svg,
            "<line class=\"{class}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\">\
             <title>{from} → {to} {kind} at {t:.6} s{why}</title></line>",
            from = escape(&journal.endpoints[m.from]),
            to = escape(&journal.endpoints[m.to]),
            kind = escape(&m.kind),
            t = micros(m.sent) as f64 / 1e6,
            why = m
                .dropped
                .as_ref()
                .map(|r| format!(", dropped ({})", escape(r)))
                .unwrap_or_default(),
        );
    }
    if let Some(p) = placed.filter(|p| p.message.is_none()) {
        if let (Some(lane), Some(t)) = (p.lane, p.time) {
            let _ = write!(
                svg,
                "<circle id=\"divergent-step\" class=\"divergent-mark\" cx=\"{:.1}\" \
                 cy=\"{:.1}\" r=\"7\"><title>{title}</title></circle>",
                x(lane),
                y(t)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Every message once, as `[from, to, sent µs, delivered µs or -1, drop reason or -1, kind]`
/// (reasons and kinds index the `k` table), with the endpoints and the windows; the mark as
/// `x`: `[message index or -1, lane or -1, time µs or -1, window, summary]` (or `null`).
fn data(
    journal: &Journal,
    windows: &[(usize, usize)],
    t0: i64,
    placed: Option<&Placed>,
    mark: Option<&DiagramMark>,
) -> String {
    let mut table: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut intern = |text: &str| -> usize {
        *index.entry(text.to_owned()).or_insert_with(|| {
            table.push(text.to_owned());
            table.len() - 1
        })
    };
    let mut rows = String::with_capacity(journal.messages.len() * 32);
    for (i, m) in journal.messages.iter().enumerate() {
        let micros = |t: i64| (t - t0) / 1000;
        let delivered = m.delivered.map_or(-1, micros);
        let dropped = m.dropped.as_ref().map_or(-1, |r| intern(r) as i64);
        let kind = intern(&m.kind);
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            rows,
            "{sep}[{},{},{},{delivered},{dropped},{kind}]",
            m.from,
            m.to,
            micros(m.sent)
        );
    }
    let marked = match (placed, mark) {
        (Some(p), Some(m)) => serde_json::json!([
            p.message.map_or(-1, |i| i as i64),
            p.lane.map_or(-1, |l| l as i64),
            p.time.map_or(-1, |t| (t - t0) / 1000),
            p.window,
            m.summary,
        ])
        .to_string(),
        _ => "null".to_string(),
    };
    let json = format!(
        "{{\"e\":{},\"k\":{},\"w\":{},\"x\":{marked},\"m\":[{rows}]}}",
        serde_json::to_string(&journal.endpoints).unwrap_or_default(),
        serde_json::to_string(&table).unwrap_or_default(),
        serde_json::to_string(windows).unwrap_or_default(),
    );
    // Inside a <script> element only `</` could end it early.
    json.replace("</", "<\\/")
}

/// Draws any window from the embedded data; the same layout as [`window_svg`].
const SCRIPT: &str = include_str!("lamport.js");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::journal;
    use std::path::Path;

    fn synthetic(n: usize) -> String {
        let mut text = String::new();
        for i in 0..n {
            let (from, to) = (format!("n{}", i % 5), format!("n{}", (i + 1) % 5));
            let t = i as i64 * 10_000;
            let _ = writeln!(
                text,
                "{{\"time\":{t},\"id\":{i},\"type\":\"send\",\"from\":\"{from}\",\"message\":\
                 {{\"src\":\"{from}\",\"dest\":\"{to}\",\"body\":{{\"type\":\"append\"}}}}}}"
            );
            if i % 10 == 0 {
                let _ = writeln!(
                    text,
                    "{{\"time\":{},\"id\":{i},\"type\":\"drop\",\"reason\":\"partition\"}}",
                    t + 5
                );
            } else {
                let _ = writeln!(
                    text,
                    "{{\"time\":{},\"id\":{i},\"type\":\"deliver\"}}",
                    t + 50_000
                );
            }
        }
        text
    }

    #[test]
    fn a_hundred_thousand_messages_fit_a_bounded_page_with_a_bounded_first_window() {
        let journal = journal::parse(&synthetic(100_000), Path::new("m.jsonl")).unwrap();
        let html = section_marked(&journal, PER_WINDOW, None);
        assert!(html.len() < 15_000_000, "{} bytes", html.len());
        let first = html.split("<div id=\"lamport\">").nth(1).unwrap();
        let first = first.split("</div>").next().unwrap();
        let arrows = first.matches("<line class=\"msg").count();
        assert!(arrows > 0 && arrows <= PER_WINDOW, "{arrows} arrows");
        assert!(first.contains("class=\"msg dropped\""));
        assert_eq!(html.matches("<option").count(), 100_000 / PER_WINDOW);
    }

    #[test]
    fn endpoint_names_are_escaped_in_svg_and_cannot_end_the_data_script() {
        let text = "{\"time\":1,\"id\":1,\"type\":\"send\",\"from\":\"</script><b>\",\"message\":{\"dest\":\"n0\"}}\n";
        let journal = journal::parse(text, Path::new("m.jsonl")).unwrap();
        let html = section_marked(&journal, 10, None);
        assert!(!html.contains("</script><b>"));
        assert!(html.contains("&lt;/script&gt;&lt;b&gt;"));
    }
}
