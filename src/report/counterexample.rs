//! The counterexample view for one invalid key: the operation that cannot be placed, the minimal
//! failing sub-history, the longest linearizable prefix with the state after each step, and the
//! candidate states at the failure point. Every operation links to its timeline bar (hovering a
//! row highlights the bar: `data-op` holds the bar's id).

use std::fmt::Write;

use super::escape;
use super::timeline::op_id;
use crate::checker::Witness;
use crate::history::{Op, Value};

/// The operation as the text report prints it (`p2 read 0 → 2`: key included, as in the CLI).
fn describe(op: &Op) -> String {
    escape(&op.to_string())
}

fn op_row(op: &Op, extra: &str) -> String {
    format!(
        "<tr data-op=\"{id}\"><td>{line}</td><td><code>{what}</code></td>{extra}</tr>\n",
        id = op_id(op),
        line = op.source.invoke_line,
        what = describe(op),
    )
}

/// Section `n` (from 0): the witness of `key`.
pub(super) fn section(n: usize, key: Option<&Value>, witness: &Witness) -> String {
    let mut html = String::new();
    let key = key.map(|k| format!(" for key {k}")).unwrap_or_default();
    let _ = write!(
        html,
        "<section class=\"counterexample\" id=\"counterexample-{n}\">\n<h2>Counterexample{key}</h2>\n\
         <p class=\"culprit\" data-op=\"{id}\">Cannot be linearized: <code>{what}</code> (line {line}){reason}</p>\n",
        key = escape(&key),
        n = n,
        id = op_id(&witness.op),
        what = describe(&witness.op),
        line = witness.op.source.invoke_line,
        reason = witness
            .reason
            .as_ref()
            .map(|r| format!(": {}", escape(r)))
            .unwrap_or_default(),
    );
    let _ = write!(
        html,
        "<h3>Minimal failing sub-history ({n} operations{proven})</h3>\n\
         <table class=\"minimal\"><tr><th>line</th><th>operation</th></tr>\n",
        n = witness.minimal.len(),
        proven = if witness.minimal_proven {
            ", each one needed"
        } else {
            ""
        },
    );
    for op in &witness.minimal {
        let row = op_row(op, "");
        if op_id(op) == op_id(&witness.op) {
            html.push_str(&row.replacen("<tr ", "<tr class=\"culprit-row\" ", 1));
        } else {
            html.push_str(&row);
        }
    }
    html.push_str("</table>\n");
    let _ = write!(
        html,
        "<h3>Longest linearizable prefix ({} steps)</h3>\n\
         <table class=\"prefix\"><tr><th>line</th><th>operation</th><th>state after</th></tr>\n",
        witness.prefix.len()
    );
    for step in &witness.prefix {
        let state = format!("<td><code>{}</code></td>", escape(&step.state));
        html.push_str(&op_row(&step.op, &state));
    }
    html.push_str("</table>\n");
    let _ = write!(
        html,
        "<h3>Candidate states at the failure point ({shown} of {total})</h3>\n<ul class=\"candidates\">\n",
        shown = witness.candidates.len(),
        total = witness.candidates_total,
    );
    for candidate in &witness.candidates {
        let applied: Vec<String> = candidate.applied.iter().map(describe).collect();
        let _ = writeln!(
            html,
            "<li><code>{}</code>{}</li>",
            escape(&candidate.state),
            if applied.is_empty() {
                String::new()
            } else {
                format!(" after also applying {}", applied.join(", "))
            }
        );
    }
    html.push_str("</ul>\n</section>\n");
    html
}
