//! The page of one run, in the order a reader needs it: the verdict and what `results.json`
//! says about the run (`facts.rs`: seed, replay, elapsed time, operation and network tables);
//! latency and throughput over time, then the timeline on the same time axis (with the
//! counterexample when the run was invalid) — the overview first; then the Lamport diagram of
//! its messages, for digging into one window; then the tail of each node's log.

use std::fmt::Write;

use serde_json::Value as Json;

use super::anomalies::TxnAnomalies;
use super::journal::Journal;
use super::kafka_errors::{self, KafkaErrors};
use super::timeline::Clock;
use super::{
    anomalies, escape, facts, head, lamport, nemesis, plots, tail, timeline_and_counterexamples,
};
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
    /// For an invalid transactional run: per anomaly type (with its count), the text of its
    /// first cases (each cycle step by step, "because ..."), and their cycles drawn.
    pub anomalies: TxnAnomalies,
    /// For an invalid kafka run: per error type its first cases and their operations.
    pub kafka: KafkaErrors,
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
    page.push_str(&facts::section(results));
    if let Some(note) = &input.note {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    page.push_str(&anomalies::section(&input.anomalies));
    page.push_str(&kafka_errors::section(&input.kafka));
    let faults = nemesis::intervals(&input.events);
    page.push_str(&plots::section(&input.events, &faults));
    page.push_str(&timeline_and_counterexamples(
        &input.ops,
        &faults,
        input.check.as_ref(),
        Clock::of(&input.events).as_ref(),
        &[input.anomalies.targets(), input.kafka.targets()].concat(),
    ));
    let mark = trace_mark(results);
    if let Some(trace) = results.get("validation") {
        let text = |k: &str| trace.get(k).and_then(Json::as_str).unwrap_or_default();
        let _ = writeln!(
            page,
            "<h2>Trace</h2>\n<p id=\"trace\">Validated against the model \
             (<code>splitbrain validate</code>, <code>{}</code>): <span class=\"verdict {}\">{}</span> \
             {}</p>",
            escape(text("file")),
            escape(text("verdict")),
            escape(text("verdict")),
            escape(text("summary")),
        );
    }
    match &input.journal {
        Some(journal) => page.push_str(&lamport::section_marked(
            journal,
            lamport::PER_WINDOW,
            mark.as_ref(),
        )),
        None => page.push_str("<h2>Messages</h2><p>This run kept no messages.jsonl.</p>\n"),
    }
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

/// The first divergent step a run's trace validation found (`results.json`'s
/// `validation.mark`), if any.
fn trace_mark(results: &Json) -> Option<lamport::DiagramMark> {
    let mark = results.pointer("/validation/mark")?;
    Some(lamport::DiagramMark {
        node: mark.get("node")?.as_str()?.to_string(),
        message: mark.get("message").and_then(Json::as_u64),
        time: mark.get("time").and_then(Json::as_i64),
        summary: mark
            .get("summary")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
    })
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
            kafka: KafkaErrors::default(),
            anomalies: TxnAnomalies {
                text: vec![("G1a (1 found)".into(), vec!["T1 <read> T2".into()])],
                cycles: Vec::new(),
            },
        };
        let html = run_report(&input);
        assert!(html.contains("class=\"verdict valid\""));
        assert!(html.contains("3 keys &lt;ok&gt;") && html.contains("&lt;panic&gt;"));
        assert!(html.contains("id=\"anomalies\"") && html.contains("T1 &lt;read&gt; T2"));
        assert!(html.contains("id=\"timeline\"") && html.contains("id=\"lamport\""));
        assert!(html.contains("id=\"latency-read\"") && html.contains("id=\"throughput\""));
    }

    #[test]
    fn plots_and_the_timeline_share_a_time_axis_and_come_before_the_messages() {
        let mut events = Vec::new();
        for (i, process) in [0, 1, 0].into_iter().enumerate() {
            let mut invoke = Event::new(process, EventKind::Invoke, "read", Value::Nil);
            let mut ok = Event::new(process, EventKind::Ok, "read", Value::Int(1));
            invoke.time = Some(i as i64 * 1_500_000_000);
            ok.time = Some(i as i64 * 1_500_000_000 + 2_000_000);
            events.extend([invoke, ok]);
        }
        let ops = crate::history::pair(events.clone(), None).unwrap();
        let journal = super::super::journal::parse(
            "{\"time\":5,\"id\":1,\"type\":\"send\",\"from\":\"c1\",\"message\":{\"dest\":\"n0\"}}\n",
            std::path::Path::new("messages.jsonl"),
        )
        .unwrap();
        let input = RunInput {
            title: "store/lin-kv/x".into(),
            results: serde_json::json!({"verdict":"valid","elapsed":3.04567,
                "stats":{"by_f":{"read":[3,3,0,0]},"count":3,"ok":3,"fail":0,"info":0},
                "net":{"sent":4,"delivered":4}}),
            events,
            ops,
            check: None,
            journal: Some(journal),
            logs: Vec::new(),
            note: None,
            kafka: KafkaErrors::default(),
            anomalies: TxnAnomalies::default(),
        };
        let html = run_report(&input);
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("no {needle} in the page"))
        };
        assert!(at("id=\"stats\"") < at("id=\"latency-read\""));
        assert!(at("id=\"latency-read\"") < at("id=\"throughput\""));
        assert!(at("id=\"throughput\"") < at("id=\"timeline\""));
        assert!(at("id=\"timeline\"") < at("id=\"lamport\""));
        let axis = html.split("id=\"timeline-axis\"").nth(1).unwrap();
        let axis = axis.split("</g>").next().unwrap();
        assert!(
            axis.contains(">0.0 s</text>") && axis.contains(">3.0 s</text>"),
            "{axis}"
        );
        assert!(
            html.contains("<td>3.0 s</td>"),
            "elapsed rounded with its unit"
        );
    }

    #[test]
    fn an_invalid_txn_run_page_draws_its_cycles_and_marks_them_on_the_timeline() {
        use crate::report::{CycleEdge, CycleNode, DrawnCycle};
        let mut events = Vec::new();
        for process in [0, 1] {
            events.push(Event::new(process, EventKind::Invoke, "txn", Value::Nil));
            events.push(Event::new(process, EventKind::Ok, "txn", Value::Nil));
        }
        let ops = crate::history::pair(events.clone(), None).unwrap();
        let node = |i: usize, call: u64| CycleNode {
            label: format!("T{i}"),
            process: i as u64 - 1,
            describe: "[[r 1 []]]".into(),
            target: Some(format!("op-c{call}")),
        };
        let edge = |from, to| CycleEdge {
            from,
            to,
            kind: "rw",
            key: Some("1".into()),
            explanation: "T1 read <nothing>".into(),
        };
        let input = RunInput {
            title: "store/txn".into(),
            results: serde_json::json!({"verdict":"invalid"}),
            events,
            ops,
            check: None,
            journal: None,
            logs: Vec::new(),
            note: None,
            kafka: KafkaErrors::default(),
            anomalies: TxnAnomalies {
                text: vec![("G2-item (1 found)".into(), vec!["T1 ...".into()])],
                cycles: vec![DrawnCycle {
                    anomaly: "G2-item".into(),
                    nodes: vec![node(1, 0), node(2, 2)],
                    edges: vec![edge(0, 1), edge(1, 0)],
                }],
            },
        };
        let html = run_report(&input);
        assert!(
            html.contains("<svg class=\"cycle\" id=\"cycle-0-svg\""),
            "{html}"
        );
        assert!(html.contains("<a href=\"#op-c2\" data-op=\"op-c2\">"));
        assert!(html.contains("T1 read &lt;nothing&gt;"));
        assert!(
            html.contains("class=\"op ok in-cycle cycle-0\" id=\"op-c2\""),
            "{html}"
        );
    }
}
