//! What must agree between the engine and the reference for one history.
//!
//! - the verdict of every key, and of the whole history (never `unknown`: no limits are set);
//! - for each invalid key with a witness, its minimal sub-history: consists of operations of the
//!   history; is invalid on its own; stays invalid when every other operation may take effect
//!   at any time after its invocation, or not at all (the engine's definition); and — when the
//!   engine says it proved minimality — becomes linearizable when any one of its operations
//!   joins those others; and when it was found in the whole history, its failing operation is
//!   the first completion no linearization survives (the key cut just before it is
//!   linearizable, cut just after it is not).

use splitbrain::checker::{check, CheckOptions, Method, Model, Scope, Verdict, Witness};
use splitbrain::history::{Op, Value};

use crate::reference::{brute_force, brute_force_relaxed, OutOfBudget, Spec};

/// The engine's model for a reference spec (they share command-line names).
pub fn model(spec: Spec) -> Model {
    Model::from_name(spec.name()).unwrap_or_else(|| panic!("no engine model {}", spec.name()))
}

fn verdict(valid: bool) -> Verdict {
    if valid {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

fn key_name(key: &Option<Value>) -> String {
    key.as_ref()
        .map_or_else(|| "(no key)".to_string(), Value::to_string)
}

/// Placements each relaxed search of a witness may try before that check is skipped.
const WITNESS_BUDGET: u64 = 20_000;

/// What comparing one history found.
#[derive(Default)]
pub struct Comparison {
    /// Every difference, one per line (empty when engine and reference agree).
    pub problems: Vec<String>,
    /// Witness checks given up on for lack of budget (never counted as agreement or not).
    pub witness_checks_skipped: u32,
    /// Both verdicts: `engine invalid, reference invalid`.
    pub verdicts: String,
    /// How the engine decided each key.
    pub methods: Vec<Method>,
}

/// Checks `ops` with the engine (polynomial paths on or off) and compares with `reference`,
/// the reference's verdict per key.
pub fn compare(
    spec: Spec,
    ops: &[Op],
    reference: &[(Option<Value>, bool)],
    fast_paths: bool,
) -> Comparison {
    let mut found = Comparison::default();
    let mut options = CheckOptions::with_model(model(spec));
    options.fast_paths = fast_paths;
    let report = match check(ops, &options) {
        Ok(report) => report,
        Err(error) => {
            found.problems.push(format!("engine error: {error}"));
            found.verdicts = "engine error".into();
            return found;
        }
    };
    let expected = verdict(reference.iter().all(|(_, valid)| *valid));
    found.verdicts = format!("engine {}, reference {expected}", report.verdict);
    found.methods = report.keys.iter().map(|k| k.method).collect();
    let problems = &mut found.problems;
    if report.verdict != expected {
        problems.push(format!(
            "verdict: engine {}, reference {expected}",
            report.verdict
        ));
    }
    for (key, valid) in reference {
        let expected = verdict(*valid);
        match report.keys.iter().find(|k| k.key == *key) {
            None if *valid => {} // a key with nothing to check may be left out
            None => problems.push(format!("key {}: missing from the report", key_name(key))),
            Some(k) if k.verdict != expected => problems.push(format!(
                "key {}: engine {} (method {:?}), reference {expected}",
                key_name(key),
                k.verdict,
                k.method
            )),
            Some(_) => {}
        }
    }
    for k in &report.keys {
        if !reference.iter().any(|(key, _)| *key == k.key) {
            found
                .problems
                .push(format!("key {}: not in the history", key_name(&k.key)));
        }
        if let Some(witness) = &k.witness {
            let before = found.problems.len();
            let minimal = &witness.minimal;
            let proven = witness.minimal_proven;
            if let Err(OutOfBudget) = check_witness(spec, ops, minimal, proven, &mut found.problems)
            {
                found.witness_checks_skipped += 1;
            }
            check_failing_op(spec, ops, &k.key, witness, &mut found.problems);
            if found.problems.len() > before {
                found.problems.push(format!(
                    "witness: blames {} [{}, {}] (method {:?}, reason {:?})",
                    witness.op, witness.op.call, witness.op.ret, k.method, witness.reason
                ));
            }
        }
    }
    found
}

/// Whether the key's operations cut just after position `cut` are linearizable: later
/// invocations dropped, operations still running at `cut` free to take effect (as themselves,
/// with the result they were later seen to return) at any time after their invocation, or not
/// at all — the engine's cut. `None` when the reference ran out of budget.
fn cut_is_linearizable(spec: Spec, ops: &[Op], key: &Option<Value>, cut: u64) -> Option<bool> {
    let invoked: Vec<Op> = ops
        .iter()
        .filter(|op| op.key == *key && op.call <= cut)
        .cloned()
        .collect();
    let completed: Vec<Op> = invoked.iter().filter(|op| op.ret <= cut).cloned().collect();
    brute_force_relaxed(spec, &invoked, &completed, WITNESS_BUDGET).ok()
}

fn check_failing_op(
    spec: Spec,
    ops: &[Op],
    key: &Option<Value>,
    witness: &Witness,
    problems: &mut Vec<String>,
) {
    if witness.scope != Scope::History {
        return;
    }
    let failing = witness.op.ret;
    if cut_is_linearizable(spec, ops, key, failing) == Some(true) {
        problems.push(format!(
            "witness: blames {} but the history through its completion is linearizable",
            witness.op
        ));
    } else if cut_is_linearizable(spec, ops, key, failing - 1) == Some(false) {
        problems.push(format!(
            "witness: blames {} but the history fails before its completion",
            witness.op
        ));
    }
}

fn check_witness(
    spec: Spec,
    ops: &[Op],
    minimal: &[Op],
    proven: bool,
    problems: &mut Vec<String>,
) -> Result<(), OutOfBudget> {
    let listing = || {
        let lines = minimal
            .iter()
            .map(|op| format!("\n    {op} [{}, {}]", op.call, op.ret));
        lines.collect::<String>()
    };
    if let Some(stranger) = minimal.iter().find(|op| !ops.contains(op)) {
        problems.push(format!(
            "witness: {stranger} is not an operation of the history"
        ));
    }
    if brute_force(spec, minimal) {
        problems.push(format!(
            "witness: the minimal sub-history is linearizable:{}",
            listing()
        ));
        return Ok(());
    }
    if brute_force_relaxed(spec, ops, minimal, WITNESS_BUDGET)? {
        problems.push(format!(
            "witness: the minimal sub-history is linearizable once the other operations may \
             take effect any time after their invocation:{}",
            listing()
        ));
        return Ok(());
    }
    if !proven {
        return Ok(());
    }
    for i in 0..minimal.len() {
        let mut smaller = minimal.to_vec();
        let removed = smaller.remove(i);
        if !brute_force_relaxed(spec, ops, &smaller, WITNESS_BUDGET)? {
            problems.push(format!(
                "witness: said to be minimal, but is still invalid when {removed} joins the \
                 operations that may or may not take effect:{}",
                listing()
            ));
            return Ok(());
        }
    }
    Ok(())
}
