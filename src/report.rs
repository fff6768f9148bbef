//! Self-contained HTML reports: everything inline (CSS, SVG, a few lines of JS), nothing fetched,
//! no external program. Pure functions from data to strings; the only I/O is `store_dir.rs`
//! (reading a run's directory, writing its `report.html`) — the CLI writes the other pages.
//!
//! Map of this module:
//! - [`check_report`] (here): the page for `splitbrain check FILE --html OUT`;
//! - `error.rs`: [`ReportError`];
//! - `escape.rs`: HTML escaping — every string from a history is untrusted;
//! - `nemesis.rs`: the nemesis's fault intervals, shaded across charts;
//! - `timeline.rs`: one lane per process, one bar per operation (SVG), ops of the counterexample
//!   marked and linked; by time, with a time axis, when the events have times;
//! - [`run_report`] (`run.rs`): the page of a run's store directory, loaded by `store_dir.rs`
//!   ([`load_run`], [`write_run_report`]);
//! - `journal.rs` and `lamport.rs`: `messages.jsonl` read and drawn as a windowed Lamport diagram;
//! - `plots.rs`: latency and throughput over time;
//! - `axis.rs`: the time scale and axis the plots and a run's timeline share;
//! - `facts.rs`: a run's `results.json` facts: seed, replay, elapsed time rounded with its
//!   unit, operation and network counts as tables;
//! - [`model_report`] (`model.rs`): `model check --html`, the counterexample trace as a Lamport
//!   diagram and numbered steps;
//! - [`txn_check_report`] (here): the page for `check --html` of a transactional history;
//! - `anomalies.rs`: a transactional report's anomalies, in words and drawn
//!   ([`TxnAnomalies`]), shared by that page and the run report;
//! - `kafka_errors.rs`: a kafka report's errors, each case's operations linked to the timeline
//!   and outlined there ([`KafkaErrors`]), for the run report and [`kafka_check_report`];
//! - `cycle.rs`: one anomaly's dependency cycle as an SVG, its transactions linked to the
//!   timeline ([`DrawnCycle`]);
//! - `counterexample.rs`: the minimal failing sub-history, the operation that cannot be placed,
//!   the longest linearizable prefix with the state after each step, the candidate states.

mod anomalies;
mod axis;
mod counterexample;
mod cycle;
mod error;
mod escape;
mod facts;
pub mod journal;
mod kafka_errors;
mod lamport;
mod model;
mod nemesis;
mod plots;
mod run;
mod store_dir;
mod timeline;

use std::fmt::Write;

use crate::checker::transactional::{Transactions, TxnReport};
use crate::checker::{Report, Verdict};
use crate::history::Op;

pub use anomalies::TxnAnomalies;
pub use cycle::{CycleEdge, CycleNode, DrawnCycle};
pub use error::ReportError;
pub use escape::escape;
pub use kafka_errors::KafkaErrors;
pub use lamport::DiagramMark;
pub use model::model_report;
pub use nemesis::{intervals, Interval};
pub use run::{run_report, RunInput};
pub use store_dir::{load_run, write_run_report};

const STYLE: &str = "
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
.verdict{display:inline-block;padding:.1em .6em;border-radius:4px;color:#fff}
.valid{background:#2e7d32}.invalid{background:#c62828}.unknown{background:#757575}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600}
.facts table{display:inline-table;vertical-align:top;margin:1em 1.5em 0 0}
.lane-label{font:12px monospace;fill:#555}
.op{stroke:#333;stroke-width:.5}.op.ok{fill:#81c784}.op.fail{fill:#e57373}.op.info{fill:#ffb74d}
.op.witness{stroke:#1565c0;stroke-width:2}.op.culprit{stroke:#c62828;stroke-width:3}
.op.highlight{stroke:#000;stroke-width:3}.op.in-cycle{stroke:#6a1b9a;stroke-width:2}
.op.in-error{stroke:#c62828;stroke-width:2;stroke-dasharray:4 2}
div.kafka-case{margin:.5em 0;border-left:3px solid #eee;padding-left:1em}
svg.cycle{display:block}.cycle text{font:12px monospace}.cycle-process{fill:#555;font-size:10px}
.cycle-txn{fill:#fff;stroke:#333;stroke-width:1.5}.cycle a:hover .cycle-txn{fill:#e3f2fd}
.cycle-edge path{stroke-width:1.8}.cycle-edge text{stroke:#fff;stroke-width:3px;paint-order:stroke}
.cycle-edge.ww path{stroke:#1565c0}.cycle-edge.wr path{stroke:#2e7d32}.cycle-edge.rw path{stroke:#c62828}
.cycle-edge.process path{stroke:#6a1b9a}.cycle-edge.realtime path{stroke:#ef6c00}.cycle-edge.other path{stroke:#555}
span.ww,li.ww{color:#1565c0}span.wr,li.wr{color:#2e7d32}span.rw,li.rw{color:#c62828}
span.process,li.process{color:#6a1b9a}span.realtime,li.realtime{color:#ef6c00}
figure.cycle-figure{margin:1em 0;border-left:3px solid #eee;padding-left:1em}
.culprit-row{background:#ffebee}code{font-size:12px}
.error{background:#424242}h3{font-size:1em;margin:1em 0 .2em}
.msg{stroke:#444;stroke-width:.8;marker-end:url(#arrow)}.msg.dropped{stroke:#c62828;stroke-dasharray:3 2}
.msg.lost{stroke:#999;stroke-dasharray:2 2}#lamport-overview rect{cursor:pointer}
.msg.divergent{stroke:#c62828;stroke-width:3}.divergent-mark{fill:none;stroke:#c62828;stroke-width:2}
p.trace-mark{border-left:4px solid #c62828;padding-left:.5em}
pre.log{max-height:20em;overflow:auto;background:#f5f5f5;padding:.5em;font-size:12px}
";

const SCRIPT: &str = "
document.querySelectorAll('[data-op]').forEach(function(el){
  el.addEventListener('mouseenter',function(){
    document.querySelectorAll('#'+el.dataset.op).forEach(function(b){b.classList.add('highlight')});
  });
  el.addEventListener('mouseleave',function(){
    document.querySelectorAll('#'+el.dataset.op).forEach(function(b){b.classList.remove('highlight')});
  });
});
document.querySelectorAll('[data-cycle]').forEach(function(el){
  el.addEventListener('mouseenter',function(){
    document.querySelectorAll('.op.'+el.dataset.cycle).forEach(function(b){b.classList.add('highlight')});
  });
  el.addEventListener('mouseleave',function(){
    document.querySelectorAll('.op.'+el.dataset.cycle).forEach(function(b){b.classList.remove('highlight')});
  });
});
document.body.dataset.ready='1';
if(!document.documentElement.dataset.jsError){
  var ok=document.createElement('p');ok.id='self-check-ok';ok.hidden=true;document.body.appendChild(ok);
}
";

/// Runs first: records any script error or console error, so the last script (and a headless
/// browser test reading the DOM) can tell whether the page's JS ran cleanly.
const GUARD: &str = "
window.addEventListener('error',function(e){document.documentElement.dataset.jsError=String(e.message)});
(function(){var log=console.error;console.error=function(){
  document.documentElement.dataset.jsError=Array.prototype.join.call(arguments,' ');
  return log.apply(console,arguments);};})();
";

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::Unknown => "unknown",
    }
}

/// The page's head: title, style, and the heading with the verdict.
fn head(title: &str, verdict: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>splitbrain: {title}</title><style>{STYLE}</style><script>{GUARD}</script></head><body>\n\
         <h1>{title} <span id=\"verdict\" class=\"verdict {verdict}\">{verdict}</span></h1>\n",
        title = escape(title),
        verdict = escape(verdict),
    )
}

/// The page's end: the script that links counterexample rows to timeline bars.
fn tail() -> String {
    format!("<script>{SCRIPT}</script></body></html>\n")
}

/// The timeline of `ops` with `faults` shaded (by time when there is a `clock`), and, when
/// `report` found violations, one counterexample section per invalid key, linked to the
/// timeline; the bars of `marks` (each drawn cycle's, each kafka error's) are outlined.
fn timeline_and_counterexamples(
    ops: &[Op],
    faults: &[Interval],
    report: Option<&Report>,
    clock: Option<&timeline::Clock>,
    marks: &[timeline::Marked],
) -> String {
    let witnesses: Vec<_> = report
        .into_iter()
        .flat_map(|r| &r.keys)
        .filter_map(|k| k.witness.as_ref().map(|w| (k.key.as_ref(), w)))
        .collect();
    let mut html = String::from("<h2>Timeline</h2>\n");
    html.push_str(&timeline::svg(ops, &witnesses, marks, faults, clock));
    for (n, (key, witness)) in witnesses.iter().enumerate() {
        html.push_str(&counterexample::section(n, *key, witness));
    }
    html
}

/// The report of checking `ops` (read from `title`) into `report`; `faults` are the nemesis's
/// intervals (see [`intervals`]), shaded in the timeline.
pub fn check_report(title: &str, ops: &[Op], faults: &[Interval], report: &Report) -> String {
    let mut page = head(title, verdict_class(report.verdict));
    let _ = writeln!(
        page,
        "<p>model <code>{model}</code>, {n} operations, {keys} key(s), checked in {ms:.1} ms</p>",
        model = escape(&report.model.to_string()),
        n = report.ops,
        keys = report.keys.len(),
        ms = report.elapsed.as_secs_f64() * 1e3,
    );
    page.push_str(&timeline_and_counterexamples(
        ops,
        faults,
        Some(report),
        None,
        &[],
    ));
    page.push_str(&tail());
    page
}

/// The report of checking the transactional history `ops` (read from `title`, extracted as
/// `txns`) into `report`: the verdict and the models ruled out, each anomaly type's first cases
/// in words and their cycles drawn, then the timeline with each drawn cycle's transactions
/// outlined.
pub fn txn_check_report(
    title: &str,
    ops: &[Op],
    faults: &[Interval],
    txns: &Transactions,
    report: &TxnReport,
) -> String {
    let mut page = head(title, verdict_class(report.verdict));
    let names = |models: &mut dyn Iterator<Item = &str>| models.collect::<Vec<_>>().join(", ");
    let _ = write!(
        page,
        "<p id=\"summary\">workload <code>{workload}</code>, models <code>{models}</code>, \
         {n} transactions, checked in {ms:.1} ms",
        workload = report.workload.map_or("none", |w| w.name()),
        models = escape(&names(
            &mut report.consistency_models.iter().map(|m| m.name())
        )),
        n = report.stats.txns,
        ms = report.stats.elapsed.as_secs_f64() * 1e3,
    );
    if !report.not.is_empty() {
        let _ = write!(
            page,
            "; not <code>{}</code>",
            escape(&names(&mut report.not.iter().map(|m| m.name())))
        );
    }
    if !report.also_not.is_empty() {
        let _ = write!(
            page,
            "; also not <code>{}</code>",
            escape(&names(&mut report.also_not.iter().map(|m| m.name())))
        );
    }
    page.push_str("</p>\n");
    if let Some(reason) = &report.reason {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(reason));
    }
    let anomalies = TxnAnomalies::of(txns, report);
    page.push_str(&anomalies::section(&anomalies));
    page.push_str(&timeline_and_counterexamples(
        ops,
        faults,
        None,
        None,
        &anomalies.targets(),
    ));
    page.push_str(&tail());
    page
}

/// The report of checking the kafka history `ops` (read from `title`) into `report` (whose
/// operation ids index `ops`): the verdict and summary, each error type's first cases with their
/// operations, then the timeline with each case's operations outlined.
pub fn kafka_check_report(
    title: &str,
    ops: &[Op],
    faults: &[Interval],
    report: &crate::checker::kafka::KafkaReport,
) -> String {
    let mut page = head(title, verdict_class(report.verdict));
    let _ = writeln!(
        page,
        "<p id=\"summary\">workload <code>kafka</code>: {}</p>",
        escape(&report.summary())
    );
    let errors = KafkaErrors::of(report, ops);
    page.push_str(&kafka_errors::section(&errors));
    page.push_str(&timeline_and_counterexamples(
        ops,
        faults,
        None,
        None,
        &errors.targets(),
    ));
    page.push_str(&tail());
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::{self, CheckOptions, Model};
    use crate::history::pair;

    fn ops(lines: &str) -> Vec<Op> {
        let history =
            crate::history::format::parse(lines.as_bytes(), crate::history::Format::Jsonl, None)
                .unwrap();
        pair(history.events, None).unwrap()
    }

    const STALE: &str = r#"{"process":0,"type":"invoke","f":"write","value":1}
{"process":0,"type":"ok","f":"write","value":1}
{"process":1,"type":"invoke","f":"write","value":2}
{"process":1,"type":"ok","f":"write","value":2}
{"process":2,"type":"invoke","f":"read","value":null}
{"process":2,"type":"ok","f":"read","value":"<1>"}"#;

    #[test]
    fn an_invalid_history_gets_a_counterexample_linked_to_its_timeline_bars() {
        let ops = ops(&STALE.replace("\"<1>\"", "1"));
        let options = CheckOptions {
            model: Some(Model::Register),
            ..CheckOptions::default()
        };
        let report = checker::check(&ops, &options).unwrap();
        let html = check_report("stale <read>.jsonl", &ops, &[], &report);
        assert!(html.contains("class=\"verdict invalid\""));
        assert!(
            html.contains("stale &lt;read&gt;.jsonl"),
            "titles are escaped"
        );
        assert!(html.contains("id=\"counterexample-0\""));
        assert!(html.contains("class=\"culprit\""));
        // The culprit row points at a bar that exists in the timeline.
        let target = html
            .split("class=\"culprit\"")
            .nth(1)
            .and_then(|rest| rest.split("data-op=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert!(html.contains(&format!("id=\"{target}\"")), "{target}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "self-contained"
        );
    }

    #[test]
    fn counterexample_rows_name_the_key_of_each_operation() {
        let ops = ops(&std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/histories/invalid/kv--stale-read-on-one-key.jsonl"
        ))
        .unwrap());
        let report = checker::check(&ops, &CheckOptions::default()).unwrap();
        let html = check_report("kv", &ops, &[], &report);
        let culprit = html.split("class=\"culprit\"").nth(1).unwrap();
        let culprit = culprit.split("</code>").next().unwrap();
        assert!(culprit.contains("p2 read &quot;x&quot; → 1"), "{culprit}");
    }

    #[test]
    fn a_valid_history_has_a_timeline_and_no_counterexample() {
        let ops = ops(&STALE.replace("\"<1>\"", "2"));
        let options = CheckOptions {
            model: Some(Model::Register),
            ..CheckOptions::default()
        };
        let report = checker::check(&ops, &options).unwrap();
        let html = check_report("ok.jsonl", &ops, &[], &report);
        assert!(html.contains("class=\"verdict valid\""));
        assert_eq!(html.matches("<rect class=\"op ").count(), 3);
        assert!(!html.contains("class=\"counterexample\""));
    }
}
