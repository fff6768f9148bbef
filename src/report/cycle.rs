//! A transactional anomaly's dependency cycle, drawn: the transactions as nodes on a circle
//! (`T1`, `T2`, ... as the text explanation names them, with their process), one arrow per
//! step coloured by kind (ww, wr, rw, process, realtime) and labelled with its key, each
//! step's sentence as the arrow's tooltip and listed below. Every node links to its
//! operation's bar on the timeline (`op-...`, see `timeline.rs`), which is marked `in-cycle`.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::escape;
use super::timeline::source_id;
use crate::checker::transactional::{Anomaly, CycleCase, TxnId, TxnView};

/// Side of the square drawing, in px.
const SIZE: f64 = 320.0;
/// Radius of the circle the nodes sit on.
const RING: f64 = 110.0;
/// Radius of a node.
const NODE: f64 = 20.0;
/// How far an arrow bows out of the straight line, so that `a → b` and `b → a` stay apart.
const BOW: f64 = 40.0;
/// How far an arrow's label sits outside its curve.
const LABEL: f64 = 16.0;

/// One transaction of a drawn cycle.
#[derive(Clone, Debug, PartialEq)]
pub struct CycleNode {
    /// `T1`, `T2`, ...: its name in the cycle's explanation.
    pub label: String,
    /// Its client process.
    pub process: u64,
    /// Its micro-ops and where it is in the history, for the tooltip and the legend.
    pub describe: String,
    /// The id of its bar on the timeline, when it can be named.
    pub target: Option<String>,
}

/// One step of a drawn cycle: `from → to` (node indices).
#[derive(Clone, Debug, PartialEq)]
pub struct CycleEdge {
    /// Index of the earlier transaction.
    pub from: usize,
    /// Index of the later one.
    pub to: usize,
    /// `ww`, `wr`, `rw`, `process` or `realtime`.
    pub kind: &'static str,
    /// The key of a data edge.
    pub key: Option<String>,
    /// The step's sentence.
    pub explanation: String,
}

/// A cycle ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnCycle {
    /// The anomaly's name (`G-single`, ...).
    pub anomaly: String,
    /// The transactions, in cycle order.
    pub nodes: Vec<CycleNode>,
    /// The steps, `edges[i]` from node `i` to node `i + 1` (the last back to the first).
    pub edges: Vec<CycleEdge>,
}

impl DrawnCycle {
    /// `cycle` (an instance of `anomaly`) with its transactions described by `txns` (a report's
    /// [`TxnReport::txns`](crate::checker::transactional::TxnReport)).
    pub fn new(anomaly: Anomaly, cycle: &CycleCase, txns: &BTreeMap<TxnId, TxnView>) -> Self {
        let nodes = cycle
            .txns
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let view = txns.get(t);
                CycleNode {
                    label: format!("T{}", i + 1),
                    process: view.map_or(0, |v| v.process),
                    describe: view.map_or_else(String::new, describe),
                    target: view.and_then(|v| source_id(v.indices.0, v.lines.0, v.process)),
                }
            })
            .collect();
        let position = |t: TxnId| cycle.txns.iter().position(|&x| x == t).unwrap_or(0);
        let edges = cycle
            .steps
            .iter()
            .map(|s| CycleEdge {
                from: position(s.from),
                to: position(s.to),
                kind: s.kind,
                key: s.key.as_ref().map(|k| k.to_string()),
                explanation: s.explanation.clone(),
            })
            .collect();
        DrawnCycle {
            anomaly: anomaly.to_string(),
            nodes,
            edges,
        }
    }

    /// The timeline bars of its transactions.
    pub(super) fn targets(&self) -> Vec<String> {
        self.nodes.iter().filter_map(|n| n.target.clone()).collect()
    }
}

/// `[[append 1 2]] (lines 3–4, process 1)`.
fn describe(view: &TxnView) -> String {
    let lines = match view.lines {
        (0, _) => "built in memory".to_string(),
        (a, 0) => format!("line {a}, never completed"),
        (a, b) if a == b => format!("line {a}"),
        (a, b) => format!("lines {a}–{b}"),
    };
    format!("{} ({lines}, process {})", view.ops, view.process)
}

fn kind_class(kind: &str) -> &'static str {
    match kind {
        "ww" => "ww",
        "wr" => "wr",
        "rw" => "rw",
        "process" => "process",
        "realtime" => "realtime",
        _ => "other",
    }
}

/// Where node `i` of `n` sits.
fn place(i: usize, n: usize) -> (f64, f64) {
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n.max(1) as f64;
    (
        SIZE / 2.0 + RING * angle.cos(),
        SIZE / 2.0 + RING * angle.sin(),
    )
}

/// The inline SVG of `cycle`; `n` (from 0) makes its ids unique on the page.
pub(super) fn svg(n: usize, cycle: &DrawnCycle) -> String {
    let count = cycle.nodes.len();
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg class=\"cycle\" id=\"cycle-{n}-svg\" width=\"{SIZE}\" height=\"{SIZE}\" \
         viewBox=\"0 0 {SIZE} {SIZE}\"><defs><marker id=\"cycle-{n}-arrow\" viewBox=\"0 0 10 10\" \
         refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0L10,5L0,10z\" fill=\"#444\"/></marker></defs>"
    );
    for edge in &cycle.edges {
        let (ax, ay) = place(edge.from, count);
        let (bx, by) = place(edge.to, count);
        let (dx, dy) = (bx - ax, by - ay);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // The control point: the midpoint pushed to the right of the direction of travel.
        let (cx, cy) = (
            (ax + bx) / 2.0 - dy / len * BOW,
            (ay + by) / 2.0 + dx / len * BOW,
        );
        let toward = |(px, py): (f64, f64), (qx, qy): (f64, f64)| {
            let (ex, ey) = (qx - px, qy - py);
            let l = (ex * ex + ey * ey).sqrt().max(1.0);
            (px + ex / l * NODE, py + ey / l * NODE)
        };
        let (sx, sy) = toward((ax, ay), (cx, cy));
        let (tx, ty) = toward((bx, by), (cx, cy));
        let (lx, ly) = (
            0.25 * sx + 0.5 * cx + 0.25 * tx - dy / len * LABEL,
            0.25 * sy + 0.5 * cy + 0.25 * ty + dx / len * LABEL + 4.0,
        );
        let label = match &edge.key {
            Some(key) => format!("{} {key}", edge.kind),
            None => edge.kind.to_string(),
        };
        let class = kind_class(edge.kind);
        let _ = writeln!(
            svg,
            "<g class=\"cycle-edge {class}\"><title>{title}</title>\
             <path d=\"M{sx:.1},{sy:.1} Q{cx:.1},{cy:.1} {tx:.1},{ty:.1}\" fill=\"none\" \
             marker-end=\"url(#cycle-{n}-arrow)\"/>\
             <text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\">{label}</text></g>",
            title = escape(&edge.explanation),
            label = escape(&label),
        );
    }
    for (i, node) in cycle.nodes.iter().enumerate() {
        let (x, y) = place(i, count);
        let body = format!(
            "<title>{label} = {describe}</title><circle class=\"cycle-txn\" cx=\"{x:.1}\" \
             cy=\"{y:.1}\" r=\"{NODE}\"/><text x=\"{x:.1}\" y=\"{ty:.1}\" \
             text-anchor=\"middle\">{label}</text><text class=\"cycle-process\" x=\"{x:.1}\" \
             y=\"{py:.1}\" text-anchor=\"middle\">p{process}</text>",
            label = escape(&node.label),
            describe = escape(&node.describe),
            ty = y - 1.0,
            py = y + 11.0,
            process = node.process,
        );
        match &node.target {
            Some(target) => {
                let _ = writeln!(
                    svg,
                    "<a href=\"#{t}\" data-op=\"{t}\">{body}</a>",
                    t = escape(target)
                );
            }
            None => {
                let _ = writeln!(svg, "<g>{body}</g>");
            }
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// Figure `n` (from 0): the drawing, then its transactions and steps in words, each
/// transaction linked to its timeline bar.
pub(super) fn figure(n: usize, cycle: &DrawnCycle) -> String {
    let mut html = format!(
        "<figure class=\"cycle-figure\" id=\"cycle-{n}\" data-cycle=\"cycle-{n}\">\n\
         <figcaption>{} cycle</figcaption>\n",
        escape(&cycle.anomaly)
    );
    html.push_str(&svg(n, cycle));
    html.push_str("<ul class=\"cycle-txns\">\n");
    for node in &cycle.nodes {
        let name = match &node.target {
            Some(t) => format!(
                "<a href=\"#{t}\" data-op=\"{t}\">{}</a>",
                escape(&node.label),
                t = escape(t)
            ),
            None => escape(&node.label),
        };
        let _ = writeln!(
            html,
            "<li>{name} = <code>{}</code></li>",
            escape(&node.describe)
        );
    }
    html.push_str("</ul>\n<ol class=\"cycle-steps\">\n");
    for edge in &cycle.edges {
        let _ = writeln!(
            html,
            "<li class=\"{}\">{}</li>",
            kind_class(edge.kind),
            escape(&edge.explanation)
        );
    }
    html.push_str("</ol>\n</figure>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle() -> DrawnCycle {
        let node = |i: usize, target: Option<&str>| CycleNode {
            label: format!("T{i}"),
            process: i as u64 + 4,
            describe: format!("[[r \"<k{i}>\" _]] (line {i}, process {})", i + 4),
            target: target.map(str::to_string),
        };
        let edge = |from, to, kind, key: Option<&str>| CycleEdge {
            from,
            to,
            kind,
            key: key.map(str::to_string),
            explanation: format!("T{} read <x> & then T{}", from + 1, to + 1),
        };
        DrawnCycle {
            anomaly: "G-single".into(),
            nodes: vec![
                node(1, Some("op-i0")),
                node(2, Some("op-l7-p5")),
                node(3, None),
            ],
            edges: vec![
                edge(0, 1, "wr", Some("\"<k>\"")),
                edge(1, 2, "rw", Some("2")),
                edge(2, 0, "realtime", None),
            ],
        }
    }

    #[test]
    fn a_drawn_cycle_has_one_node_per_transaction_and_one_labelled_arrow_per_step() {
        let svg = svg(0, &cycle());
        assert_eq!(svg.matches("<circle class=\"cycle-txn\"").count(), 3);
        assert_eq!(svg.matches("<g class=\"cycle-edge ").count(), 3);
        assert_eq!(svg.matches("marker-end=\"url(#cycle-0-arrow)\"").count(), 3);
        assert!(svg.contains("<g class=\"cycle-edge wr\">"), "{svg}");
        assert!(svg.contains(">wr &quot;&lt;k&gt;&quot;</text>"), "{svg}");
        assert!(svg.contains(">rw 2</text>") && svg.contains(">realtime</text>"));
        assert!(svg.contains(">T1</text>") && svg.contains(">p6</text>"));
    }

    #[test]
    fn nodes_link_to_their_timeline_bars_when_they_have_one() {
        let svg = svg(0, &cycle());
        assert!(svg.contains("<a href=\"#op-i0\" data-op=\"op-i0\">"));
        assert!(svg.contains("<a href=\"#op-l7-p5\" data-op=\"op-l7-p5\">"));
        assert_eq!(svg.matches("<a href=").count(), 2, "T3 has no bar");
        assert_eq!(cycle().targets(), ["op-i0", "op-l7-p5"]);
    }

    #[test]
    fn history_text_in_a_drawn_cycle_is_escaped() {
        let html = figure(2, &cycle());
        assert!(!html.contains("<x>") && !html.contains("\"<k"), "{html}");
        assert!(html.contains("<title>T1 read &lt;x&gt; &amp; then T2</title>"));
        assert!(html.contains("<li class=\"rw\">T2 read &lt;x&gt; &amp; then T3</li>"));
        assert!(html.contains("[[r &quot;&lt;k1&gt;&quot; _]]"));
        assert!(html.contains("id=\"cycle-2\"") && html.contains("id=\"cycle-2-arrow\""));
    }
}
