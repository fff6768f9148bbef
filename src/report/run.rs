//! The page of one run: the verdict and what `results.json` says about the run, the timeline
//! (with the counterexample when the run was invalid), the Lamport diagram of its messages,
//! latency and throughput plots, and the tail of each node's log.

use std::fmt::Write;

use serde_json::Value as Json;

use super::journal::Journal;
use super::{escape, head, lamport, nemesis, plots, tail, timeline_and_counterexamples};
use crate::checker::Report;
use crate::history::{Event, Op};

/// Everything a run's page shows, read from its store directory.
#[derive(Debug)]
pub struct RunInput {
    /// The heading: the store directory.
    pub title: String,
    /// `results.json`.
    pub results: Json,
    /// `history.jsonl`'s events.
    pub events: Vec<Event>,
    /// The same, paired.
    pub ops: Vec<Op>,
    /// A re-check of the history, for an invalid run whose spec is known: its witnesses are
    /// the counterexample.
    pub check: Option<Report>,
    /// `messages.jsonl`, when the run had one.
    pub journal: Option<Journal>,
    /// Node name and the last lines of its log.
    pub logs: Vec<(String, String)>,
    /// Why there is no counterexample although the run was invalid, if so.
    pub note: Option<String>,
}

/// The run's page.
pub fn run_report(input: &RunInput) -> String {
    let results = &input.results;
    let text = |name: &str| results.get(name).and_then(Json::as_str).unwrap_or_default();
    let verdict = match text("verdict") {
        v @ ("valid" | "invalid" | "unknown" | "error") => v,
        _ => "unknown",
    };
    let mut page = head(&input.title, verdict);
    let _ = writeln!(page, "<p id=\"summary\">{}</p>", escape(text("summary")));
    if !text("error").is_empty() {
        let _ = writeln!(page, "<p>error: {}</p>", escape(text("error")));
    }
    page.push_str("<table>");
    for name in ["seed", "replay", "elapsed", "stats", "net"] {
        if let Some(value) = results.get(name).filter(|v| !v.is_null()) {
            let shown = match value {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = write!(
                page,
                "<tr><th>{name}</th><td><code>{}</code></td></tr>",
                escape(&shown)
            );
        }
    }
    page.push_str("</table>\n");
    if let Some(note) = &input.note {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    let faults = nemesis::intervals(&input.events);
    page.push_str(&timeline_and_counterexamples(
        &input.ops,
        &faults,
        input.check.as_ref(),
    ));
    match &input.journal {
        Some(journal) => page.push_str(&lamport::section(journal, lamport::PER_WINDOW)),
        None => page.push_str("<h2>Messages</h2><p>This run kept no messages.jsonl.</p>\n"),
    }
    page.push_str(&plots::section(&input.events, &faults));
    if !input.logs.is_empty() {
        page.push_str("<h2>Node logs (last lines)</h2>\n");
        for (node, log) in &input.logs {
            let _ = writeln!(
                page,
                "<details><summary>{}</summary><pre class=\"log\">{}</pre></details>",
                escape(node),
                escape(log)
            );
        }
    }
    page.push_str(&tail());
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{EventKind, Value};

    #[test]
    fn a_run_page_has_verdict_timeline_messages_plots_and_escaped_logs() {
        let mut events = vec![
            Event::new(0, EventKind::Invoke, "read", Value::Nil),
            Event::new(0, EventKind::Ok, "read", Value::Int(1)),
        ];
        for (i, e) in events.iter_mut().enumerate() {
            e.time = Some(i as i64 * 1_000_000);
        }
        let ops = crate::history::pair(events.clone(), None).unwrap();
        let journal = super::super::journal::parse(
            "{\"time\":5,\"id\":1,\"type\":\"send\",\"from\":\"c1\",\"message\":{\"dest\":\"n0\"}}\n",
            std::path::Path::new("messages.jsonl"),
        )
        .unwrap();
        let input = RunInput {
            title: "store/lin-kv/x".into(),
            results: serde_json::json!({"verdict":"valid","summary":"3 keys <ok>","seed":7}),
            events,
            ops,
            check: None,
            journal: Some(journal),
            logs: vec![("n0".into(), "<panic>".into())],
            note: None,
        };
        let html = run_report(&input);
        assert!(html.contains("class=\"verdict valid\""));
        assert!(html.contains("3 keys &lt;ok&gt;") && html.contains("&lt;panic&gt;"));
        assert!(html.contains("id=\"timeline\"") && html.contains("id=\"lamport\""));
        assert!(html.contains("id=\"latency-read\"") && html.contains("id=\"throughput\""));
    }
}
