//! A transactional report's anomalies on a page (the run report's and `check --html`'s): per
//! anomaly type its first cases in words, then each of their cycles drawn (`cycle.rs`), linked
//! to the timeline.

use std::fmt::Write;

use super::cycle::{self, DrawnCycle};
use super::escape;
use super::timeline::Marked;
use crate::checker::transactional::{Case, Transactions, TxnReport};

/// Cases shown (in words, and drawn when they are cycles) per anomaly type.
const CASES_SHOWN: usize = 3;

/// What a page shows of a transactional report's anomalies.
#[derive(Clone, Debug, Default)]
pub struct TxnAnomalies {
    /// Per anomaly type (`G-single (2 found)`), the text of its first cases.
    pub text: Vec<(String, Vec<String>)>,
    /// The cycles among those cases, drawn.
    pub cycles: Vec<DrawnCycle>,
}

impl TxnAnomalies {
    /// The first cases (three) of each anomaly type of `report`, made from `txns`.
    pub fn of(txns: &Transactions, report: &TxnReport) -> Self {
        let mut out = TxnAnomalies::default();
        for (anomaly, cases) in &report.anomalies {
            let count = report
                .anomaly_counts
                .get(anomaly)
                .copied()
                .unwrap_or(cases.len());
            let mut lines = Vec::new();
            for case in cases.iter().take(CASES_SHOWN) {
                lines.extend(txns.case_lines(*anomaly, case));
                lines.push(String::new());
                if let Case::Cycle(c) | Case::CycleExists { cycle: c, .. } = case {
                    out.cycles.push(DrawnCycle::new(*anomaly, c, &report.txns));
                }
            }
            out.text.push((format!("{anomaly} ({count} found)"), lines));
        }
        out
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The timeline bars of each drawn cycle, for marking them.
    pub(super) fn targets(&self) -> Vec<Marked> {
        (self.cycles.iter().enumerate())
            .map(|(n, drawn)| Marked::cycle(n, drawn.targets()))
            .collect()
    }
}

/// The "Anomalies" section: the text per type, then the drawn cycles; empty when there are
/// none.
pub(super) fn section(anomalies: &TxnAnomalies) -> String {
    if anomalies.is_empty() {
        return String::new();
    }
    let mut page = String::from("<h2 id=\"anomalies\">Anomalies</h2>\n");
    for (kind, lines) in &anomalies.text {
        let _ = writeln!(
            page,
            "<h3>{}</h3><pre class=\"anomaly\">{}</pre>",
            escape(kind),
            escape(&lines.join("\n"))
        );
    }
    if !anomalies.cycles.is_empty() {
        page.push_str(
            "<h3 id=\"cycles\">Cycles</h3>\n<p>Arrows: <span class=\"ww\">ww</span>, \
             <span class=\"wr\">wr</span>, <span class=\"rw\">rw</span>, \
             <span class=\"process\">process</span>, <span class=\"realtime\">realtime</span> \
             order, with the key; hover one for its reason. A transaction links to its bar on \
             the timeline, where each drawn cycle's transactions are outlined.</p>\n",
        );
        for (n, drawn) in anomalies.cycles.iter().enumerate() {
            page.push_str(&cycle::figure(n, drawn));
        }
    }
    page
}
