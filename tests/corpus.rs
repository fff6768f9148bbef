//! The Porcupine corpus: every file gets the verdict its provenance README lists.

use std::path::{Path, PathBuf};

use splitbrain::checker::{check, CheckOptions, Scope, Verdict};
use splitbrain::history::{format, Op, Outcome, Value, NEVER};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/corpus/porcupine")
}

/// Expected verdicts, read from the corpus README (so the README stays the source of truth).
fn expected() -> Vec<(PathBuf, Verdict)> {
    let readme = std::fs::read_to_string(corpus().join("README.md")).unwrap();
    // The bullet "**Linearizable (23):** 002, 005, ..." and its continuation lines.
    let mut lines = readme
        .lines()
        .skip_while(|l| !l.contains("**Linearizable (23):**"));
    let mut linearizable_line = lines.next().unwrap_or_default().to_string();
    for line in lines.take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with('*')) {
        linearizable_line.push_str(line);
    }
    let linearizable: Vec<u32> = linearizable_line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| s.len() == 3)
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(
        linearizable.len(),
        23,
        "README lists 23 linearizable etcd files"
    );
    let mut out = Vec::new();
    for n in 0..=102u32 {
        // 095 is empty (the cluster never started); Porcupine trivially calls it linearizable.
        let verdict = if linearizable.contains(&n) || n == 95 {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        out.push((corpus().join(format!("jepsen/etcd_{n:03}.log")), verdict));
    }
    for row in readme.lines().filter(|l| l.starts_with("| kv/")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let verdict = match cells[5] {
            "linearizable" => Verdict::Valid,
            "not linearizable" => Verdict::Invalid,
            other => panic!("unexpected verdict {other:?} in README"),
        };
        out.push((corpus().join(cells[1]), verdict));
    }
    assert_eq!(out.len(), 109);
    out
}

#[test]
fn every_corpus_file_gets_the_verdict_its_readme_lists() {
    let mut wrong = Vec::new();
    for (path, verdict) in expected() {
        let (format, ops) = format::read_ops(&path, None).unwrap();
        let mut options = CheckOptions::default();
        options.format = Some(format);
        let report = check(&ops, &options).unwrap();
        if report.verdict != verdict {
            wrong.push(format!(
                "{}: {:?}, expected {verdict:?}",
                path.display(),
                report.verdict
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_key_of_c50_bad_gets_a_verdict() {
    let (_, ops) = format::read_ops(&corpus().join("kv/c50-bad.txt"), None).unwrap();
    let report = check(&ops, &CheckOptions::default()).unwrap();
    assert_eq!(report.keys.len(), 10);
    assert!(report.keys.iter().all(|k| k.verdict != Verdict::Unknown));
    assert_eq!(report.verdict, Verdict::Invalid);
}

/// The files whose witnesses took most of the corpus's time (issue 21): however the shrinking
/// gets there, its core must still be a genuine violation on its own.
#[test]
fn minimal_witnesses_of_etcd_057_etcd_099_and_c50_bad_are_invalid_alone() {
    for file in [
        "jepsen/etcd_057.log",
        "jepsen/etcd_099.log",
        "kv/c50-bad.txt",
    ] {
        let (format, ops) = format::read_ops(&corpus().join(file), None).unwrap();
        let mut options = CheckOptions::default();
        options.format = Some(format);
        let report = check(&ops, &options).unwrap();
        assert_eq!(report.verdict, Verdict::Invalid, "{file}");
        for key in report.keys.iter().filter(|k| k.verdict == Verdict::Invalid) {
            let witness = key.witness.as_ref().expect("invalid keys carry a witness");
            let alone = check(&witness.minimal, &CheckOptions::with_model(report.model)).unwrap();
            assert_eq!(
                alone.verdict,
                Verdict::Invalid,
                "{file}: the minimal sub-history alone: {}",
                witness.to_text("")
            );
        }
    }
}

/// The key's operations cut just after position `cut`: later invocations dropped, operations
/// still running at `cut` made indefinite (they may or may not have happened) unless they
/// failed.
fn cut(ops: &[Op], key: &Option<Value>, cut: u64) -> Vec<Op> {
    ops.iter()
        .filter(|op| op.key == *key && op.call <= cut)
        .map(|op| {
            let mut op = op.clone();
            // A failed operation stays failed: it did not happen, whenever it was known.
            if op.ret > cut && op.outcome != Outcome::Fail {
                op.outcome = Outcome::Info;
                op.ret = NEVER;
                op.output = Value::Nil;
            }
            op
        })
        .collect()
}

/// The witness names the first completion no linearization survives (issue 21 finds it from
/// where the verdict's search got stuck, not by a binary search from scratch): the key's
/// history cut just before that completion is linearizable, and cut just after it is not.
#[test]
fn the_witness_blames_the_first_completion_no_linearization_survives() {
    let mut checked = 0;
    for (path, verdict) in expected() {
        if verdict != Verdict::Invalid {
            continue;
        }
        let (format, ops) = format::read_ops(&path, None).unwrap();
        let mut options = CheckOptions::default();
        options.format = Some(format);
        let report = check(&ops, &options).unwrap();
        let mut plain = CheckOptions::with_model(report.model);
        plain.witness = false;
        for key in report.keys.iter().filter(|k| k.verdict == Verdict::Invalid) {
            let witness = key.witness.as_ref().expect("invalid keys carry a witness");
            let name = path.display();
            assert_eq!(
                witness.scope,
                Scope::History,
                "{name}: found in the whole history"
            );
            let failing = witness.op.ret;
            let through = check(&cut(&ops, &key.key, failing), &plain).unwrap();
            assert_eq!(
                through.verdict,
                Verdict::Invalid,
                "{name}: through {failing}"
            );
            let before = check(&cut(&ops, &key.key, failing - 1), &plain).unwrap();
            assert_eq!(before.verdict, Verdict::Valid, "{name}: before {failing}");
            checked += 1;
        }
    }
    assert_eq!(checked, 98, "every invalid key of the corpus has a witness");
}
