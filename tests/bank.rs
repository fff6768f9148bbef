//! The bank checker (`checker::bank`): the hand-written histories under `histories/bank/`, and
//! `splitbrain check` on them (detected, and with `--workload bank`).

use std::path::{Path, PathBuf};

use splitbrain::checker::bank::{self, BankOptions};

use super::{code, splitbrain};

/// `histories/bank/{valid,invalid}/bank--<what it shows>.{edn,jsonl}`, each with
/// `<name>.expected.json`: the verdict, the total, and the error of every case in order.
fn cases() -> Vec<(PathBuf, serde_json::Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/bank");
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".expected.json") {
                continue;
            }
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let expected = path.with_file_name(format!("{stem}.expected.json"));
            let exp = serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
            out.push((path, exp));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "{out:?}");
    out
}

#[test]
fn every_hand_written_bank_history_gets_its_expected_verdict_and_errors() {
    for (path, exp) in cases() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
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
        let options = BankOptions {
            total: exp["total"].as_i64(),
            ..BankOptions::default()
        };
        let (_, report) = bank::check_file(&path, None, &options).unwrap();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["verdict"], exp["verdict"], "{name}: {report:#?}");
        let cases = report_cases(&json);
        let errors: Vec<&serde_json::Value> = cases.iter().map(|c| &c["error"]).collect();
        let expected: Vec<&serde_json::Value> = exp["errors"].as_array().unwrap().iter().collect();
        assert_eq!(errors, expected, "{name}: {report:#?}");
    }
}

fn report_cases(json: &serde_json::Value) -> Vec<serde_json::Value> {
    json["cases"].as_array().cloned().unwrap_or_default()
}

#[test]
fn check_detects_a_bank_history_and_explains_the_partial_transfer_with_lines() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "histories/bank/invalid/bank--read-sees-the-debit-of-a-transfer-but-not-its-credit.edn",
    );
    let out = splitbrain(&["check", "--total", "30", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("(bank; from edn)"), "{text}");
    assert!(
        text.contains("wrong-total: the balances sum to 26, 4 less than the total 30"),
        "{text}"
    );
    assert!(text.contains("read: p1 read ok (lines 2–3)"), "{text}");
    assert!(
        text.contains("transfer: p0 transfer ok (lines 1–4)"),
        "{text}"
    );
}

#[test]
fn check_with_workload_bank_on_a_valid_jsonl_history_exits_zero_and_a_bad_one_three() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/bank");
    let valid = root.join("valid/bank--aborted-transfers-and-failed-reads-leave-the-total.jsonl");
    let out = splitbrain(&[
        "check",
        "--workload",
        "bank",
        "--json",
        valid.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["valid"], true);
    assert_eq!(line["total"], 30);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"transfer\",\"value\":{\"from\":0}}\n\
         {\"process\":0,\"type\":\"ok\",\"f\":\"transfer\",\"value\":{\"from\":0}}\n",
    )
    .unwrap();
    let out = splitbrain(&["check", "--workload", "bank", bad.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(code(&out), 3, "{text}");
    assert!(text.contains("bad.jsonl:1"), "{text}");
    assert!(text.contains("{from, to, amount}"), "{text}");
}
