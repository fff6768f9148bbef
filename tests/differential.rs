//! Differential tests: the engine (`splitbrain::checker::check`) against the brute-force
//! reference, on seeded random histories.
//!
//! Map of this module, in reading order:
//! - [`run`] and the tests (here): one test per generator family, 10^4 histories each by default
//!   and 10^6 in the `#[ignore]`d twin; register-like specs are checked with the polynomial
//!   paths on and off, and the families aimed at those paths must reach them;
//! - `compare.rs`: what must agree for one history (verdict per key and overall; a witness's
//!   minimal sub-history is invalid, and 1-minimal when the engine says it proved so);
//! - `report.rs`: how a disagreement is printed (seed, history as native JSON lines, both
//!   verdicts, the command that reproduces it) and saved;
//! - `shrink.rs`: a disagreement cut down, by deleting operations, to a small reproducer;
//! - `regressions.rs`: histories that once exposed a disagreement, replayed from
//!   `histories/regressions/`.
//!
//! Environment: `SPLITBRAIN_DIFF_SEED` (first seed, default 0), `SPLITBRAIN_DIFF_CASES` (number
//! of histories per test; case `i` uses seed `SPLITBRAIN_DIFF_SEED + i`) and
//! `SPLITBRAIN_DIFF_PRINT` (disagreements printed in full, default 3). Run the big
//! suite with `cargo test --release --test integration -- --ignored differential`.

mod compare;
mod regressions;
mod report;
mod shrink;

use std::collections::BTreeMap;
use std::time::Instant;

use splitbrain::history::pair;

use crate::generate::{generate, Family};
use crate::reference::{brute_force_by_key, Spec};
use compare::compare;
use report::Disagreement;

/// Histories per family in the default suite.
const DEFAULT_CASES: u64 = 10_000;
/// Histories per family in the `#[ignore]`d suite.
const MANY_CASES: u64 = 1_000_000;
/// Disagreements printed in full unless `SPLITBRAIN_DIFF_PRINT` says otherwise (all are counted
/// and their seeds listed).
const PRINTED_DEFAULT: u64 = 3;

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

/// Whether the engine's polynomial paths could apply to `spec`, so it is checked both ways.
fn has_fast_paths(spec: Spec) -> bool {
    matches!(
        spec,
        Spec::Register | Spec::CasRegister | Spec::EtcdRegister | Spec::Kv
    )
}

/// Checks `cases` histories of `family` (or `SPLITBRAIN_DIFF_CASES`) with the engine and the
/// reference; panics listing every disagreement. `test` is this test's path, for the
/// reproduce command.
fn run(test: &'static str, family: Family, cases: u64) {
    let start = env_u64("SPLITBRAIN_DIFF_SEED").unwrap_or(0);
    let cases = env_u64("SPLITBRAIN_DIFF_CASES").unwrap_or(cases);
    let spec = family.spec();
    let fast_paths: &[bool] = if has_fast_paths(spec) {
        &[true, false]
    } else {
        &[true]
    };
    let began = Instant::now();
    let mut invalid = 0u64;
    let mut witness_checks_skipped = 0u64;
    let mut methods: BTreeMap<String, u64> = BTreeMap::new();
    let mut disagreements: Vec<Disagreement> = Vec::new();
    for seed in start..start.saturating_add(cases) {
        let events = generate(family, seed);
        let ops =
            pair(events.iter().cloned(), None).expect("generators write well-formed histories");
        let reference = brute_force_by_key(spec, &ops);
        if reference.iter().any(|(_, valid)| !valid) {
            invalid += 1;
        }
        for &fast in fast_paths {
            let found = compare(spec, &ops, &reference, fast);
            witness_checks_skipped += u64::from(found.witness_checks_skipped);
            if fast {
                for method in &found.methods {
                    *methods.entry(format!("{method:?}")).or_default() += 1;
                }
            }
            if !found.problems.is_empty() {
                disagreements.push(Disagreement {
                    test,
                    family,
                    seed,
                    fast_paths: fast,
                    events: events.clone(),
                    ops: ops.clone(),
                    verdicts: found.verdicts,
                    problem: found.problems.join("\n"),
                });
            }
        }
    }
    let verdicts = disagreements
        .iter()
        .filter(|d| d.is_about_verdicts())
        .count();
    eprintln!(
        "{}: {cases} histories from seed {start} ({invalid} invalid), fast paths {fast_paths:?}: \
         {verdicts} verdict disagreements, {} witness problems ({witness_checks_skipped} witness \
         checks over budget), {:.1} s; engine methods per key: {methods:?}",
        family.name(),
        disagreements.len() - verdicts,
        began.elapsed().as_secs_f64()
    );
    aimed_right(family, cases, &methods);
    if disagreements.is_empty() {
        return;
    }
    let printed = env_u64("SPLITBRAIN_DIFF_PRINT").unwrap_or(PRINTED_DEFAULT);
    // Verdicts first: they matter most.
    disagreements.sort_by_key(|d| !d.is_about_verdicts());
    for disagreement in disagreements
        .iter()
        .take(printed.try_into().unwrap_or(usize::MAX))
    {
        disagreement.report();
    }
    let seeds: Vec<String> = disagreements
        .iter()
        .take(50)
        .map(Disagreement::label)
        .collect();
    panic!(
        "{}: {verdicts} verdict disagreements and {} witness problems; seeds: {}",
        family.name(),
        disagreements.len() - verdicts,
        seeds.join(", ")
    );
}

/// Positive control: the families aimed at the polynomial paths reach them (for a run large
/// enough to tell), so checking with fast paths on is not a second run of the search.
fn aimed_right(family: Family, cases: u64, methods: &BTreeMap<String, u64>) {
    let wanted = match family {
        Family::UniqueWrites(_) => "Zones",
        Family::CasChain(Spec::CasRegister | Spec::Kv) => "VersionChain",
        _ => return,
    };
    if cases >= 1_000 {
        assert!(
            methods.get(wanted).copied().unwrap_or(0) > 0,
            "{}: the engine never used {wanted}; methods per key: {methods:?}",
            family.name()
        );
    }
}

/// Defines, per family, the default test and its `#[ignore]`d million-case twin.
macro_rules! differential_tests {
    ($($test:ident, $many:ident: $family:expr;)*) => {$(
        #[test]
        fn $test() {
            run(concat!("differential::", stringify!($test)), $family, DEFAULT_CASES);
        }

        #[test]
        #[ignore = "10^6 histories: run with --release"]
        fn $many() {
            run(concat!("differential::", stringify!($test)), $family, MANY_CASES);
        }
    )*};
}

differential_tests! {
    engine_agrees_on_simulated_register, engine_agrees_on_a_million_simulated_register:
        Family::Simulated(Spec::Register);
    engine_agrees_on_simulated_cas_register, engine_agrees_on_a_million_simulated_cas_register:
        Family::Simulated(Spec::CasRegister);
    engine_agrees_on_simulated_etcd_register, engine_agrees_on_a_million_simulated_etcd_register:
        Family::Simulated(Spec::EtcdRegister);
    engine_agrees_on_simulated_kv, engine_agrees_on_a_million_simulated_kv:
        Family::Simulated(Spec::Kv);
    engine_agrees_on_simulated_append_kv, engine_agrees_on_a_million_simulated_append_kv:
        Family::Simulated(Spec::AppendKv);
    engine_agrees_on_simulated_mutex, engine_agrees_on_a_million_simulated_mutex:
        Family::Simulated(Spec::Mutex);
    engine_agrees_on_simulated_set, engine_agrees_on_a_million_simulated_set:
        Family::Simulated(Spec::Set);
    engine_agrees_on_simulated_queue, engine_agrees_on_a_million_simulated_queue:
        Family::Simulated(Spec::Queue);
    engine_agrees_on_simulated_counter, engine_agrees_on_a_million_simulated_counter:
        Family::Simulated(Spec::Counter);
    engine_agrees_on_simulated_multi_register,
    engine_agrees_on_a_million_simulated_multi_register:
        Family::Simulated(Spec::MultiRegister);
    engine_agrees_on_unique_writes_register, engine_agrees_on_a_million_unique_writes_register:
        Family::UniqueWrites(Spec::Register);
    engine_agrees_on_unique_writes_cas_register,
    engine_agrees_on_a_million_unique_writes_cas_register:
        Family::UniqueWrites(Spec::CasRegister);
    engine_agrees_on_unique_writes_etcd_register,
    engine_agrees_on_a_million_unique_writes_etcd_register:
        Family::UniqueWrites(Spec::EtcdRegister);
    engine_agrees_on_unique_writes_kv, engine_agrees_on_a_million_unique_writes_kv:
        Family::UniqueWrites(Spec::Kv);
    engine_agrees_on_cas_chain_cas_register, engine_agrees_on_a_million_cas_chain_cas_register:
        Family::CasChain(Spec::CasRegister);
    engine_agrees_on_cas_chain_etcd_register, engine_agrees_on_a_million_cas_chain_etcd_register:
        Family::CasChain(Spec::EtcdRegister);
    engine_agrees_on_cas_chain_kv, engine_agrees_on_a_million_cas_chain_kv:
        Family::CasChain(Spec::Kv);
}
