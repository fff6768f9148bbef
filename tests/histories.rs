//! Hand-written histories: `histories/valid/` and `histories/invalid/` hold one case per file,
//! named `<model>--<what it shows>.jsonl` (or `.edn`, or `.json` for elle-cli's array); the
//! directory is the expected verdict. Every invalid case must also come with a witness whose
//! minimal sub-history is itself invalid.

use std::path::Path;

use splitbrain::checker::{check, CheckOptions, Model, Verdict};
use splitbrain::history::{format, pair};

fn cases(dir: &str) -> Vec<(std::path::PathBuf, Model)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("histories")
        .join(dir);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "jsonl" || e == "edn" || e == "json")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            let model = name.split("--").next().unwrap();
            let model = Model::from_name(model)
                .unwrap_or_else(|| panic!("{name}: name must start with a model and `--`"));
            (p, model)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no cases in {}", dir.display());
    out
}

fn verdict(path: &Path, model: Model) -> (Verdict, splitbrain::checker::Report) {
    let (_, ops) = format::read_ops(path, None).unwrap();
    let report = check(&ops, &CheckOptions::with_model(model)).unwrap();
    (report.verdict, report)
}

#[test]
fn valid_cases_are_valid() {
    for (path, model) in cases("valid") {
        assert_eq!(
            verdict(&path, model).0,
            Verdict::Valid,
            "{}",
            path.display()
        );
    }
}

#[test]
fn invalid_cases_are_invalid_with_an_invalid_minimal_witness() {
    for (path, model) in cases("invalid") {
        let (v, report) = verdict(&path, model);
        assert_eq!(v, Verdict::Invalid, "{}", path.display());
        for key in report.keys.iter().filter(|k| k.verdict == Verdict::Invalid) {
            let witness = key.witness.as_ref().expect("invalid keys carry a witness");
            // The minimal sub-history, replayed as a history of its own, is still invalid.
            let events = witness.minimal.iter().flat_map(|op| {
                let mut invoke = splitbrain::history::Event::new(
                    op.process,
                    splitbrain::history::EventKind::Invoke,
                    &op.f,
                    op.input.clone(),
                );
                invoke.key = op.key.clone();
                let kind = match op.outcome {
                    splitbrain::history::Outcome::Ok => splitbrain::history::EventKind::Ok,
                    splitbrain::history::Outcome::Fail => splitbrain::history::EventKind::Fail,
                    splitbrain::history::Outcome::Info => splitbrain::history::EventKind::Info,
                };
                let value = if op.outcome == splitbrain::history::Outcome::Ok {
                    op.output.clone()
                } else {
                    op.input.clone()
                };
                let mut done = splitbrain::history::Event::new(op.process, kind, &op.f, value);
                done.key = op.key.clone();
                [(op.call, invoke), (op.ret.min(u64::MAX - 1), done)]
            });
            let mut events: Vec<_> = events.collect();
            events.sort_by_key(|(t, _)| *t);
            let ops = pair(events.into_iter().map(|(_, e)| e), None).unwrap();
            let again = check(&ops, &CheckOptions::with_model(model)).unwrap();
            assert_eq!(
                again.verdict,
                Verdict::Invalid,
                "{}: minimal witness",
                path.display()
            );
        }
    }
}
