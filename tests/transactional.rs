//! Transactional checking (`checker::transactional`): Elle's cases re-expressed, hand-written
//! histories, the command line.

/// `invalid` and exact `valid` against a brute-force search on tiny histories.
mod brute;
/// The test language for histories.
mod build;
/// The command line.
mod cli;
/// Elle's inline test cases, in our own words.
mod elle_cases;
/// Hand-written histories under `histories/txn/`.
mod histories;
/// The complete read-committed / read-atomic / causal checks on hand-written histories.
mod isolation;
/// rw-register inference, including maelstrom#56.
mod rw_register;
/// No false alarms on histories of simulated databases that keep their promises.
mod soundness;

use splitbrain::checker::transactional::{check, Anomaly, ConsistencyModel, TxnOptions, TxnReport};
use splitbrain::checker::Verdict;
use splitbrain::history::History;

/// Checks `history` against `models` (names), panicking on an error.
pub fn run(history: &History, models: &str) -> TxnReport {
    let models = ConsistencyModel::parse_list(models).unwrap();
    check(history, &TxnOptions::with_models(&models)).unwrap()
}

/// The reported anomaly types, by name.
pub fn types(report: &TxnReport) -> Vec<&'static str> {
    report.anomaly_types.iter().map(|a| a.name()).collect()
}

/// The `not` models, by name.
pub fn not(report: &TxnReport) -> Vec<&'static str> {
    report.not.iter().map(|m| m.name()).collect()
}

/// Asserts the verdict, reported types and `not`.
#[track_caller]
pub fn expect(report: &TxnReport, verdict: Verdict, anomaly_types: &[&str], not_models: &[&str]) {
    assert_eq!(report.verdict, verdict, "{report:#?}");
    assert_eq!(types(report), anomaly_types, "{report:#?}");
    assert_eq!(not(report), not_models, "{report:#?}");
}

/// Whether any anomaly of this type was found (reported or not).
pub fn found(report: &TxnReport, anomaly: Anomaly) -> bool {
    report.found.contains(&anomaly)
}
