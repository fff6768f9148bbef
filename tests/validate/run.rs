//! `splitbrain run --node NAME` validates its own trace at the end, writes `validation.json`,
//! names both checks in `results.json`; `--no-validate` turns it off.

use super::{faulty, run_node};

#[test]
fn a_node_run_writes_validation_json_and_names_both_checks() {
    let r = run_node(&faulty("g-counter", "1s", "2"), "g-counter");
    assert_eq!(r.code(), 0, "{}", r.text());
    let results = r.results();
    assert_eq!(results["checks"]["history"], "valid");
    assert_eq!(results["checks"]["trace"], "valid");
    assert_eq!(results["validation"]["file"], "validation.json");
    assert!(r.dir().join("validation.json").is_file());
    assert!(r.stdout().contains("trace:   valid"), "{}", r.text());
}

#[test]
fn no_validate_leaves_the_trace_unchecked() {
    let mut args = faulty("g-counter", "1s", "2");
    args.push("--no-validate");
    let r = run_node(&args, "g-counter");
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.results()["checks"].get("trace").is_none());
    assert!(!r.dir().join("validation.json").exists());
}

#[test]
fn an_invalid_trace_makes_the_run_invalid_and_is_marked_in_the_report() {
    let mut args = faulty("g-counter", "1s", "2");
    args.extend(["--bug", "sum-merge"]);
    let r = run_node(&args, "g-counter");
    assert_eq!(r.code(), 1, "{}", r.text());
    let results = r.results();
    assert_eq!(results["checks"]["trace"], "invalid", "{}", r.text());
    assert!(
        r.stdout().contains("explanation: splitbrain validate"),
        "{}",
        r.text()
    );
    let page = std::fs::read_to_string(r.dir().join("report.html")).unwrap();
    assert!(
        page.contains("id=\"divergent-step\""),
        "the divergent step is marked"
    );
    assert!(page.contains("id=\"trace\""));
}
