//! The history formats, end to end: the Porcupine corpus, round trips between formats,
//! detection, error messages, fuzzing, and (ignored by default) the parse rate of a large file.
//!
//! - `corpus.rs`: every corpus file parses; event counts match line counts;
//! - `roundtrip.rs`: jsonl → edn → jsonl is the identity, edn → jsonl → edn keeps every field;
//! - `flat.rs`: the Plume and AWDIT register formats, and verdicts kept through them;
//! - `errors.rs`: detection of each format and the exact message for malformed inputs;
//! - `fuzz.rs`: proptest over arbitrary and mutated bytes: every parser answers, none panics;
//! - `rate.rs`: `cargo test --release --test integration -- --ignored parse_rate` measures the
//!   native reader on a generated 10^6-operation file.

mod corpus;
mod errors;
mod flat;
mod fuzz;
mod rate;
mod roundtrip;

/// proptest settings for this suite: `cases` cases (or `SPLITBRAIN_FUZZ_CASES`, for long runs),
/// no regression files (a failure found by proptest becomes a named test instead).
fn config(cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("SPLITBRAIN_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
