//! Histories that once exposed a disagreement, replayed: `histories/regressions/NAME.jsonl`
//! with the sidecar `NAME.expected.json` (`{"model": "kv", "verdict": "invalid"}`). Both the
//! engine (fast paths on and off) and the reference must give the expected verdict.

use std::path::PathBuf;

use splitbrain::checker::{check, CheckOptions, Model, Verdict};
use splitbrain::history::pair;

use crate::jsonl::read_events;
use crate::reference::{brute_force, Spec};

fn regressions() -> Vec<(PathBuf, Spec, Verdict)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("histories/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let sidecar = path.with_extension("expected.json");
        let text = std::fs::read_to_string(&sidecar)
            .unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
        let expected: serde_json::Value = serde_json::from_str(&text).expect("sidecar is JSON");
        let name = expected["model"].as_str().expect("sidecar names the model");
        let spec = Spec::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .expect("known model");
        let verdict = match expected["verdict"].as_str() {
            Some("valid") => Verdict::Valid,
            Some("invalid") => Verdict::Invalid,
            other => panic!("{}: verdict {other:?}", sidecar.display()),
        };
        found.push((path, spec, verdict));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn regression_histories_get_their_expected_verdicts() {
    for (path, spec, expected) in regressions() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let ops = pair(read_events(&text), None).expect("well-formed");
        let reference = if brute_force(spec, &ops) {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        assert_eq!(
            reference,
            expected,
            "{}: the reference disagrees",
            path.display()
        );
        for fast_paths in [true, false] {
            let mut options =
                CheckOptions::with_model(Model::from_name(spec.name()).expect("model"));
            options.fast_paths = fast_paths;
            let verdict = check(&ops, &options).expect("checkable").verdict;
            assert_eq!(
                verdict,
                expected,
                "{} (fast paths {fast_paths})",
                path.display()
            );
        }
    }
}
