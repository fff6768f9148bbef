//! Hand-written transactional histories: `histories/txn/{valid,invalid,unknown}/`, one case a
//! file named `<workload>--<what it shows>.<jsonl|json|edn>`, with `<name>.expected.json`
//! beside it: the models to check (`models`, comma-separated), optional `sequential_keys` /
//! `linearizable_keys`, and the expected `verdict`, `anomaly_types`, `not` and (optionally)
//! `exact`. The directory must agree with the expected verdict.

use std::path::{Path, PathBuf};

use splitbrain::checker::transactional::{
    check_transactions, ConsistencyModel, Transactions, TxnOptions, Workload,
};

fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/txn");
    let mut out = Vec::new();
    for dir in ["valid", "invalid", "unknown"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if name.ends_with(".expected.json") {
                continue;
            }
            let stem = name.rsplit_once('.').unwrap().0;
            out.push((
                path.clone(),
                path.with_file_name(format!("{stem}.expected.json")),
            ));
        }
    }
    out.sort();
    assert!(out.len() >= 15, "cases: {out:?}");
    out
}

#[test]
fn every_hand_written_history_gets_its_expected_verdict_anomalies_and_not() {
    for (path, expected) in cases() {
        let exp: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let workload = Workload::from_name(name.split("--").next().unwrap())
            .unwrap_or_else(|| panic!("{name}: must start with a workload and `--`"));
        let dir = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            exp["verdict"], dir,
            "{name}: directory and expected verdict differ"
        );
        let models = ConsistencyModel::parse_list(exp["models"].as_str().unwrap()).unwrap();
        let mut options = TxnOptions::with_models(&models);
        options.sequential_keys = exp["sequential_keys"].as_bool().unwrap_or(false);
        options.linearizable_keys = exp["linearizable_keys"].as_bool().unwrap_or(false);
        let (_, txns) = Transactions::read(&path, None, None).unwrap();
        assert_eq!(txns.workload(), Some(workload), "{name}");
        let report = check_transactions(&txns, &options).unwrap();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["verdict"], exp["verdict"], "{name}: {report:#?}");
        assert_eq!(
            json["anomaly_types"], exp["anomaly_types"],
            "{name}: {report:#?}"
        );
        assert_eq!(json["not"], exp["not"], "{name}: {report:#?}");
        // The cycle checker and the complete read-committed / read-atomic / causal checks
        // must agree (a read showing one transaction's appends reversed once split them).
        let notes = json["notes"].as_array().cloned().unwrap_or_default();
        assert!(
            !notes
                .iter()
                .any(|n| n.as_str().is_some_and(|n| n.starts_with("disagreement"))),
            "{name}: {notes:?}"
        );
        if let Some(exact) = exp["exact"].as_bool() {
            assert_eq!(report.scope.exact, exact, "{name}: {:?}", report.scope);
        }
    }
}
