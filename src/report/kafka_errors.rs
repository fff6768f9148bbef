//! A kafka report's errors on a page (the run report's and `check --html`'s): per error type
//! (Jepsen's names) its first cases in words, each with the operations that show it, linked to
//! their bars on the timeline, where each case's operations are outlined (`in-error error-N`).

use std::fmt::Write;

use super::escape;
use super::timeline::{op_id, Marked};
use crate::checker::kafka::KafkaReport;
use crate::history::{Op, Outcome};

/// Cases shown per error type.
const CASES_SHOWN: usize = 3;
/// Operations listed per case (an `unseen` case can name many).
const OPS_SHOWN: usize = 8;
/// Characters of an operation's value shown in its label.
const VALUE_CHARS: usize = 100;

/// What a page shows of a kafka report's errors.
#[derive(Clone, Debug, Default)]
pub struct KafkaErrors {
    /// Per error type, in report order.
    pub types: Vec<ErrorType>,
}

/// One error type and its first cases.
#[derive(Clone, Debug)]
pub struct ErrorType {
    /// `duplicate (12 found)`, with `allowed` for a type that does not fail the test.
    pub title: String,
    /// The first cases.
    pub cases: Vec<ShownCase>,
}

/// One case: its sentence and the operations that show it.
#[derive(Clone, Debug)]
pub struct ShownCase {
    /// The checker's sentence.
    pub text: String,
    /// Each operation's bar id and label (`p3 send ok [["send","1",[4,17]]] (lines 8–9)`).
    pub ops: Vec<(String, String)>,
    /// Operations the case names beyond those listed.
    pub more: usize,
}

impl KafkaErrors {
    /// The first cases of each error type of `report`, whose operation ids index `ops` (the
    /// list the checker was given).
    pub fn of(report: &KafkaReport, ops: &[Op]) -> KafkaErrors {
        let types = report
            .errors
            .iter()
            .map(|(kind, found)| {
                let allowed = if kind.allowed() { ", allowed" } else { "" };
                let cases = found
                    .cases
                    .iter()
                    .take(CASES_SHOWN)
                    .map(|case| ShownCase {
                        text: case.text.clone(),
                        ops: (case.ops.iter())
                            .filter_map(|r| ops.get(r.id))
                            .take(OPS_SHOWN)
                            .map(|op| (op_id(op), label(op)))
                            .collect(),
                        more: case.ops.len().saturating_sub(OPS_SHOWN),
                    })
                    .collect();
                ErrorType {
                    title: format!("{} ({} found{allowed})", kind.name(), found.count),
                    cases,
                }
            })
            .collect();
        KafkaErrors { types }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Each shown case's bars, numbered in page order (`error-0`, `error-1`, ...).
    pub(super) fn targets(&self) -> Vec<Marked> {
        (self.types.iter().flat_map(|t| &t.cases))
            .enumerate()
            .map(|(n, case)| Marked {
                outline: "in-error",
                group: format!("error-{n}"),
                bars: case.ops.iter().map(|(bar, _)| bar.clone()).collect(),
            })
            .collect()
    }
}

/// `p3 send ok [["send","1",[4,17]]] (line 9)`.
fn label(op: &Op) -> String {
    let outcome = match op.outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
    };
    let value = match op.outcome {
        Outcome::Ok => op.output.to_string(),
        _ => op.input.to_string(),
    };
    let value = match value.char_indices().nth(VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value,
    };
    format!(
        "p{} {} {outcome} {value} (line {})",
        op.process, op.f, op.source.invoke_line
    )
}

/// The "Kafka errors" section: per error type its first cases, each case's operations linked to
/// their bars (hovering a case highlights all of them); empty when there are none.
pub(super) fn section(errors: &KafkaErrors) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut page = String::from(
        "<h2 id=\"kafka-errors\">Kafka errors</h2>\n<p>Each case's operations are outlined \
         (dashed red) on the timeline; hover a case or an operation to highlight its bars.</p>\n",
    );
    let mut n = 0;
    for kind in &errors.types {
        let _ = writeln!(page, "<h3>{}</h3>", escape(&kind.title));
        for case in &kind.cases {
            let _ = write!(
                page,
                "<div class=\"kafka-case\" id=\"error-{n}\" data-cycle=\"error-{n}\"><p>{}</p><ul>",
                escape(&case.text)
            );
            for (bar, label) in &case.ops {
                let _ = write!(
                    page,
                    "<li><a href=\"#{bar}\" data-op=\"{bar}\"><code>{}</code></a></li>",
                    escape(label)
                );
            }
            if case.more > 0 {
                let _ = write!(page, "<li>… and {} more</li>", case.more);
            }
            page.push_str("</ul></div>\n");
            n += 1;
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::kafka;
    use crate::history::format::{parse, Format};

    /// Two sends acknowledged at offset 0 of key "1", with different messages, and a poll that
    /// sees one of them: inconsistent offsets (and a lost write).
    const CLASH: &str = r#"{"index":0,"process":0,"type":"invoke","f":"send","value":[["send","1",5]]}
{"index":1,"process":0,"type":"ok","f":"send","value":[["send","1",[0,5]]]}
{"index":2,"process":1,"type":"invoke","f":"send","value":[["send","1",7]]}
{"index":3,"process":1,"type":"ok","f":"send","value":[["send","1",[0,7]]]}
{"index":4,"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":5,"process":2,"type":"ok","f":"poll","value":[["poll",{"1":[[0,5]]}]]}"#;

    fn clash() -> (Vec<Op>, KafkaErrors) {
        let history = parse(CLASH.as_bytes(), Format::Jsonl, None).unwrap();
        let ops = history.ops(None).unwrap();
        let report = kafka::check_ops(&ops, None).unwrap();
        let errors = KafkaErrors::of(&report, &ops);
        (ops, errors)
    }

    #[test]
    fn each_case_lists_its_operations_by_their_timeline_bars() {
        let (_, errors) = clash();
        let inconsistent = (errors.types.iter())
            .find(|t| t.title.starts_with("inconsistent-offsets (1 found"))
            .unwrap_or_else(|| panic!("{errors:?}"));
        let bars: Vec<&str> = inconsistent.cases[0]
            .ops
            .iter()
            .map(|(b, _)| b.as_str())
            .collect();
        assert!(
            bars.contains(&"op-i0") && bars.contains(&"op-i2"),
            "{bars:?}"
        );
        let targets = errors.targets();
        assert_eq!(targets.len(), errors.types.len(), "one case per type here");
        assert!(targets.iter().all(|m| m.outline == "in-error"));
        assert_eq!(targets[0].group, "error-0");
    }

    #[test]
    fn the_section_links_each_operation_and_escapes_history_text() {
        let (_, mut errors) = clash();
        errors.types[0].cases[0].text = "offset <0> & more".into();
        let html = section(&errors);
        assert!(html.contains("<h2 id=\"kafka-errors\">"));
        assert!(html.contains("offset &lt;0&gt; &amp; more"), "{html}");
        assert!(
            html.contains("id=\"error-0\" data-cycle=\"error-0\""),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"#op-i2\" data-op=\"op-i2\">"),
            "{html}"
        );
        assert!(html.contains("p1 send ok"), "{html}");
        assert!(section(&KafkaErrors::default()).is_empty());
    }
}
