//! The complete read-committed, read-atomic and causal checks
//! (`checker::transactional::isolation`) against the brute-force reference of Biswas and
//! Enea's axioms (`txn_reference/biswas_enea.rs`), on seeded small histories from every
//! simulated database of `splitbrain gen`, as generated and with one read corrupted.
//!
//! The checks claim completeness, so the comparison is exact both ways: `valid` iff the
//! reference finds a commit order. The cycle checker's own findings at the same models are
//! compared too: an `invalid` it proves should be invalid for the reference; where it is not
//! (list-append reads of the reader's own appends, see [`assert_only_known_disagreements`]),
//! the disagreement is counted and printed.
//!
//! `SPLITBRAIN_ISO_DIFF_CASES` sets the number of generated histories (default 3,000, each
//! also corrupted once, each compared at all three levels).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use splitbrain::checker::transactional::isolation::Level as CheckLevel;
use splitbrain::checker::transactional::{self, ConsistencyModel, TxnOptions, Workload};
use splitbrain::checker::Verdict;
use splitbrain::generate::{SimDb, TxnWorkload};
use splitbrain::history::{format, Format, History};

use super::txn_reference::biswas_enea::{self, Level};
use super::txn_reference::selfcheck::{corrupt, small_history};
use super::txn_reference::{Budget, Txns};

fn cases() -> u64 {
    std::env::var("SPLITBRAIN_ISO_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

const LEVELS: [(Level, CheckLevel, ConsistencyModel); 3] = [
    (
        Level::ReadCommitted,
        CheckLevel::ReadCommitted,
        ConsistencyModel::ReadCommitted,
    ),
    (
        Level::ReadAtomic,
        CheckLevel::ReadAtomic,
        ConsistencyModel::ReadAtomic,
    ),
    (
        Level::Causal,
        CheckLevel::Causal,
        ConsistencyModel::CausalCerone,
    ),
];

#[derive(Debug, Default)]
struct Tally {
    compared: u64,
    valid: u64,
    invalid: u64,
    skipped: u64,
    cycle_checker_invalid: u64,
    /// Cycle-checker anomalies at a level the reference finds holding, by anomaly and level.
    disagreements: std::collections::BTreeMap<String, u64>,
}

fn show(h: &History) -> String {
    let mut out = Vec::new();
    format::write(h, Format::Jsonl, &mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn compare(history: &History, workload: Workload, what: &str, tally: &mut Tally) {
    let Ok(txns) = Txns::parse(history) else {
        tally.skipped += 1;
        return;
    };
    for (level, check_level, model) in LEVELS {
        let mut budget = Budget(2_000_000);
        let Ok(holds) = biswas_enea::holds(&txns, level, &mut budget) else {
            tally.skipped += 1;
            continue;
        };
        let mut options = TxnOptions::with_models(&[model]);
        options.workload = Some(workload);
        let Ok(report) = transactional::check(history, &options) else {
            tally.skipped += 1;
            continue;
        };
        let result = (report.isolation.iter())
            .find(|r| r.level == check_level)
            .expect("the level was asked for");
        tally.compared += 1;
        let says = result.verdict;
        let fail = |claim: &str| -> ! {
            panic!(
                "{what}, {check_level}: {claim}; the reference says it {}.\n\
                 complete check: {:?} {:?}\n{}\ncycle checker: {:?}\nhistory:\n{}",
                if holds { "holds" } else { "is violated" },
                says,
                result.pattern,
                result.explanation.join("\n"),
                report.anomaly_types,
                show(history)
            )
        };
        match (says, holds) {
            (Verdict::Valid, true) => tally.valid += 1,
            (Verdict::Invalid, false) => tally.invalid += 1,
            (Verdict::Valid, false) => fail("the complete check says valid"),
            (Verdict::Invalid, true) => fail("the complete check says invalid"),
            (Verdict::Unknown, _) => fail("the complete check gave up without a limit"),
        }
        if !report.anomaly_types.is_empty() {
            tally.cycle_checker_invalid += 1;
            if holds {
                for a in &report.anomaly_types {
                    let at = format!("{} at {check_level}", a.name());
                    if !tally.disagreements.contains_key(&at) {
                        eprintln!(
                            "{what}: the cycle checker found {at}, the reference finds \
                                   a commit order:\n{}",
                            show(history)
                        );
                    }
                    *tally.disagreements.entry(at).or_default() += 1;
                }
            }
        }
    }
}

fn run(workload: TxnWorkload, checked: Workload) -> Tally {
    let mut tally = Tally::default();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let per_db = cases() / SimDb::ALL.len() as u64;
    for db in SimDb::ALL {
        for seed in 0..per_db {
            let h = small_history(workload, db, seed);
            let what = format!("{workload:?} {} seed {seed}", db.name());
            compare(&h, checked, &what, &mut tally);
            if let Some(bad) = corrupt(&h, &mut rng) {
                compare(&bad, checked, &format!("{what}, corrupted"), &mut tally);
            }
        }
    }
    eprintln!("{workload:?}: {tally:?}");
    tally
}

fn assert_meaningful(t: &Tally) {
    assert!(t.valid > 500, "{t:?}");
    assert!(t.invalid > 500, "{t:?}");
}

/// The cycle checker's list-append inference reads a list read that ends with the reader's own
/// appends as a prefix of the key's version order. Under serializability and snapshot
/// isolation that holds; under read committed, read atomic and causal consistency a
/// transaction may read before a concurrent one commits and commit after it, so the inferred
/// `incompatible-order` and write cycles (G0, G1c) are not violations there. Those are the only
/// disagreements allowed (and reported as a finding); on registers there are none.
fn assert_only_known_disagreements(t: &Tally, known: &[&str]) {
    for at in t.disagreements.keys() {
        let anomaly = at.split(" at ").next().unwrap();
        assert!(
            known.contains(&anomaly),
            "unexpected disagreement {at}: {t:?}"
        );
    }
}

#[test]
fn list_append_complete_levels_agree_with_biswas_enea_by_brute_force() {
    let t = run(TxnWorkload::ListAppend, Workload::ListAppend);
    assert_meaningful(&t);
    assert_only_known_disagreements(&t, &["incompatible-order", "G0", "G1c"]);
}

#[test]
fn rw_register_complete_levels_agree_with_biswas_enea_by_brute_force() {
    let t = run(TxnWorkload::RwRegister, Workload::RwRegister);
    assert_meaningful(&t);
    assert_only_known_disagreements(&t, &[]);
}
