//! Histories that once exposed a disagreement, replayed: `histories/regressions/NAME.jsonl`
//! with the sidecar `NAME.expected.json` (`{"model": "kv", "verdict": "invalid", ...}`; other
//! fields say how it was found and what went wrong). The reference must give the expected
//! verdict, and the engine (fast paths on and off) must agree with it in every respect the
//! differential tests check, witnesses included.

use std::path::PathBuf;

use splitbrain::history::pair;

use super::compare::compare;
use crate::jsonl::read_events;
use crate::reference::{brute_force_by_key, Spec};

/// Every regression history, with its spec and whether it is valid.
fn regressions() -> Vec<(PathBuf, Spec, bool)> {
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
        let valid = match expected["verdict"].as_str() {
            Some("valid") => true,
            Some("invalid") => false,
            other => panic!("{}: verdict {other:?}", sidecar.display()),
        };
        found.push((path, spec, valid));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn regression_histories_get_their_expected_verdicts_and_sound_witnesses() {
    let mut failures = Vec::new();
    for (path, spec, valid) in regressions() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let ops = pair(read_events(&text), None).expect("well-formed");
        let reference = brute_force_by_key(spec, &ops);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        assert_eq!(
            reference.iter().all(|(_, v)| *v),
            valid,
            "{name}: the reference disagrees"
        );
        for fast_paths in [true, false] {
            let problems = compare(spec, &ops, &reference, fast_paths).problems;
            if !problems.is_empty() {
                failures.push(format!(
                    "{name} (fast paths {fast_paths}):\n{}",
                    problems.join("\n")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
