//! Sentences: one per cycle step, and the text of every kind of case.
//!
//! Long lists are shortened in text (`[1, 2, ..., 57, 58] (58 elements)`); the JSON carries them
//! whole.

use crate::checker::transactional::anomaly::Anomaly;
use crate::checker::transactional::case::{Case, CycleCase, Evidence, Step};
use crate::checker::transactional::txn::{MopKind, TxnHistory};
use crate::history::{Outcome, Value};

/// At most this many list elements are printed in text.
const SHOWN: usize = 8;

/// A value for text: lists longer than [`SHOWN`] elements shortened.
pub fn short(value: &Value) -> String {
    match value.as_list() {
        Some(items) if items.len() > SHOWN => {
            let head: Vec<String> = items[..3].iter().map(Value::to_string).collect();
            let tail: Vec<String> = items[items.len() - 3..]
                .iter()
                .map(Value::to_string)
                .collect();
            format!(
                "[{}, ..., {}] ({} elements)",
                head.join(", "),
                tail.join(", "),
                items.len()
            )
        }
        _ => value.to_string(),
    }
}

fn opt(v: &Option<Value>) -> String {
    v.as_ref().map_or_else(|| "?".to_string(), short)
}

/// Where a transaction is in the history: `lines 12–13, process 3`.
pub fn txn_label(history: &TxnHistory, t: u32) -> String {
    let txn = &history.txns[t as usize];
    let lines = match txn.lines {
        (0, _) => "built in memory".to_string(),
        (a, 0) => format!("line {a}, never completed"),
        (a, b) if a == b => format!("line {a}"),
        (a, b) => format!("lines {a}–{b}"),
    };
    let outcome = match txn.outcome {
        Outcome::Ok => "",
        Outcome::Fail => ", failed",
        Outcome::Info => ", indeterminate",
    };
    format!("{lines}, process {}{outcome}", txn.process)
}

/// A transaction's micro-ops: `[[append 1 2] [r 1 [1 2]]]` (reads of unknown result: `_`).
pub fn txn_ops(history: &TxnHistory, t: u32) -> String {
    let txn = &history.txns[t as usize];
    let mops: Vec<String> = history
        .mops_of(txn)
        .iter()
        .map(|m| {
            let key = history.key(m.key);
            match m.kind {
                MopKind::Read if !m.is_known_read() => format!("[r {key} _]"),
                MopKind::Read => format!(
                    "[r {key} {}]",
                    short(&crate::checker::transactional::anomalies::read_value(
                        history, m
                    ))
                ),
                kind => format!("[{} {key} {}]", kind.name(), history.atoms.value(m.value)),
            }
        })
        .collect();
    format!("[{}]", mops.join(" "))
}

/// The sentence for one cycle step, `a` and `b` being the names of its two transactions.
pub fn step_sentence(history: &TxnHistory, step: &Step, a: &str, b: &str) -> String {
    let (ta, tb) = (
        &history.txns[step.from as usize],
        &history.txns[step.to as usize],
    );
    let key = opt(&step.key);
    let list =
        history.workload == Some(crate::checker::transactional::options::Workload::ListAppend);
    let read_of = |name: &str, mop: Option<usize>, t: u32| {
        mop.map(|i| {
            let m = &history.mops_of(&history.txns[t as usize])[i];
            format!(
                "{name} read key {key} = {}",
                short(&crate::checker::transactional::anomalies::read_value(
                    history, m
                ))
            )
        })
        .unwrap_or_else(|| format!("{name} read key {key}"))
    };
    let body = match step.kind {
        "wr" if list => format!(
            "{}, which {a} wrote by appending {}",
            read_of(b, step.b_mop_index, step.to),
            opt(&step.value)
        ),
        "wr" => format!(
            "{}, which {a} wrote",
            read_of(b, step.b_mop_index, step.to)
        ),
        "ww" if list => match step.evidence {
            Some(Evidence::Unobserved { .. }) => format!(
                "{a} appended {} to key {key}, the last element any read of it shows, and {b}'s \
                 append of {} shows in no read, so it came later",
                opt(&step.value),
                opt(&step.value2)
            ),
            _ => format!(
                "{b} appended {} to key {key} right after {a} appended {}",
                opt(&step.value2),
                opt(&step.value)
            ),
        },
        "ww" => format!(
            "{a} wrote key {key} = {} and {b} wrote {}, which comes later in the version order ({})",
            opt(&step.value),
            opt(&step.value2),
            source(history, step, a, b)
        ),
        "rw" if list => {
            let after = match &step.value {
                None => "as its first element".to_string(),
                Some(v) => format!("right after {}", short(v)),
            };
            let which = match step.evidence {
                Some(Evidence::Unobserved { .. }) => format!(
                    "{b}'s append of {}, which no read shows and so came after everything read",
                    opt(&step.value2)
                ),
                _ => format!("{}, which {b} appended {after}", opt(&step.value2)),
            };
            format!("{}, which does not include {which}", read_of(a, step.a_mop_index, step.from))
        }
        "rw" => format!(
            "{} and {b} wrote {}, which comes later in the version order ({})",
            read_of(a, step.a_mop_index, step.from),
            opt(&step.value2),
            source(history, step, a, b)
        ),
        "process" => format!(
            "process {} ran {a} (completed on line {}) before {b} (invoked on line {})",
            ta.process, ta.lines.1, tb.lines.0
        ),
        "realtime" => format!(
            "{a} completed (line {}) before {b} was invoked (line {})",
            ta.lines.1, tb.lines.0
        ),
        other => format!("{a} {other} {b}"),
    };
    format!("{body}; {a} < {b}")
}

/// How an rw-register version order is known, naming the step's transactions `a` and `b`.
fn source(history: &TxnHistory, step: &Step, a: &str, b: &str) -> String {
    let name = |t: u32| {
        if t == step.from {
            a.to_string()
        } else if t == step.to {
            b.to_string()
        } else {
            format!("the transaction on {}", txn_label(history, t))
        }
    };
    let (v1, v2) = (opt(&step.value), opt(&step.value2));
    match step.evidence {
        Some(Evidence::Initial) => format!("{v1} is the initial state"),
        Some(Evidence::WithinTxn { txn }) => format!("{} saw {v1}, then wrote {v2}", name(txn)),
        Some(Evidence::SequentialKeys { from, to }) => format!(
            "--sequential-keys: {} saw {v1} before {} saw {v2}, in one process",
            name(from),
            name(to)
        ),
        Some(Evidence::LinearizableKeys { from, to }) => format!(
            "--linearizable-keys: {} saw {v1} and completed before {} saw {v2}",
            name(from),
            name(to)
        ),
        _ => "inferred".to_string(),
    }
}

/// The lines describing a cycle: a legend, then one line per step.
pub fn cycle_lines(history: &TxnHistory, cycle: &CycleCase) -> Vec<String> {
    let mut out = Vec::new();
    for (i, &t) in cycle.txns.iter().enumerate() {
        out.push(format!(
            "T{} = {} ({})",
            i + 1,
            txn_ops(history, t),
            txn_label(history, t)
        ));
    }
    for step in &cycle.steps {
        out.push(format!("- {}", step.explanation));
    }
    let names: Vec<String> = (1..=cycle.txns.len()).map(|i| format!("T{i}")).collect();
    out.push(format!("so {} < T1: a cycle", names.join(" < ")));
    out
}

/// The lines describing any case.
pub fn case_lines(history: &TxnHistory, anomaly: Anomaly, case: &Case) -> Vec<String> {
    let who = |t: u32| format!("the transaction on {}", txn_label(history, t));
    match case {
        Case::Cycle(cycle) => cycle_lines(history, cycle),
        Case::Read {
            reader,
            key,
            read,
            element,
            writer,
            ..
        } => {
            let why = match (anomaly, writer) {
                (Anomaly::G1a, Some(w)) => format!("which {} wrote and which failed", who(*w)),
                (Anomaly::G1b, Some(w)) => format!(
                    "an intermediate write of {}, which wrote key {key} again later",
                    who(*w)
                ),
                _ => "which no transaction wrote".to_string(),
            };
            vec![format!(
                "{} read key {key} = {}: {element} is a value {why}",
                who(*reader),
                short(read)
            )]
        }
        Case::Internal {
            txn,
            key,
            read,
            expected,
            ..
        } => vec![format!(
            "{} read key {key} = {}, but its own earlier micro-ops imply {expected}",
            who(*txn),
            short(read)
        )],
        Case::FutureRead {
            txn,
            key,
            read,
            element,
            ..
        } => vec![format!(
            "{} read key {key} = {}, which includes {element}, an element it appends only later",
            who(*txn),
            short(read)
        )],
        Case::DirtyUpdate { key, values, txns } => vec![format!(
            "key {key}: {} failed, yet {} appended on top of its state (elements {})",
            txns.first().map_or_else(String::new, |&t| who(t)),
            txns.last().map_or_else(String::new, |&t| who(t)),
            short(&Value::list(values.clone()))
        )],
        Case::DuplicateElements {
            txn,
            key,
            read,
            duplicates,
            ..
        } => vec![format!(
            "{} read key {key} = {}, with {}",
            who(*txn),
            short(read),
            duplicates
                .iter()
                .map(|(v, n)| format!("{v} {n} times"))
                .collect::<Vec<_>>()
                .join(", ")
        )],
        Case::IncompatibleOrder {
            key, values, txn, ..
        } => vec![format!(
            "key {key}: reads {} and {} (the former by {}) fit no single order of appends",
            short(&values[0]),
            short(&values[1]),
            who(*txn)
        )],
        Case::AppendOrder {
            key,
            txn,
            read,
            writer,
            appends,
            ..
        } => vec![format!(
            "{} read key {key} = {}, but {} appended {} in that order: no order of appends gives \
             that list",
            who(*txn),
            short(read),
            who(*writer),
            short(appends)
        )],
        Case::LostUpdate { key, value, txns } => vec![format!(
            "{} transactions read key {key} = {} and then wrote it: {}",
            txns.len(),
            short(value),
            txns.iter().map(|&t| who(t)).collect::<Vec<_>>().join("; ")
        )],
        Case::CyclicVersions {
            key,
            versions,
            sources,
        } => vec![format!(
            "key {key}: versions {} are ordered in a cycle by {}",
            short(&Value::list(versions.clone())),
            sources.join(" + ")
        )],
        Case::CycleExists {
            model,
            scc_size,
            cycle,
        } => {
            let mut out = vec![format!(
                "a cycle {model} forbids exists among {scc_size} transactions, for example:"
            )];
            out.extend(cycle_lines(history, cycle));
            out
        }
        Case::SearchIncomplete { anomaly, scc_size } => vec![format!(
            "the search for {anomaly} among {scc_size} transactions ran out of work (raise the \
             cycle search budget to finish it)"
        )],
    }
}
