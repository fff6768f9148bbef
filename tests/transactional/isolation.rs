//! The complete read-committed / read-atomic / causal checks on hand-written histories in
//! AWDIT's `test` format: each pattern, its explanation, the initial state, and the
//! integration with the cycle checker's verdict.

use splitbrain::checker::transactional::isolation::{Level, Pattern};
use splitbrain::checker::transactional::{check, ConsistencyModel, TxnOptions, TxnReport};
use splitbrain::checker::Verdict;
use splitbrain::history::{format, Format, History};

fn history(text: &str) -> History {
    format::parse(text.as_bytes(), Format::Awdit, None).unwrap()
}

fn report(text: &str, models: &[ConsistencyModel]) -> TxnReport {
    check(&history(text), &TxnOptions::with_models(models)).unwrap()
}

/// The complete verdicts at read committed, read atomic, causal, and the pattern of the first
/// violation.
fn levels(text: &str) -> ([Verdict; 3], Option<Pattern>) {
    let r = report(
        text,
        &[
            ConsistencyModel::ReadCommitted,
            ConsistencyModel::ReadAtomic,
            ConsistencyModel::Causal,
        ],
    );
    let v = |l: Level| r.isolation.iter().find(|x| x.level == l).unwrap().verdict;
    let pattern = r.isolation.iter().find_map(|x| x.pattern);
    (
        [
            v(Level::ReadCommitted),
            v(Level::ReadAtomic),
            v(Level::Causal),
        ],
        pattern,
    )
}

const INIT: &str = "=====\nw 0 0\nw 1 0\n";
use Verdict::{Invalid as No, Valid as Yes};

#[test]
fn a_serial_history_satisfies_every_level() {
    let h = format!("w 0 1\n-----\nr 0 1\nw 1 1\n=====\nr 1 1\nr 0 1\n{INIT}");
    assert_eq!(levels(&h), ([Yes, Yes, Yes], None));
}

#[test]
fn reading_an_older_version_after_a_newer_one_is_a_non_monotonic_read() {
    // T2 read key 0 from T1 and overwrote it; T3 reads key 1 from T2, then key 0 from T1.
    let h = format!("w 0 1\n=====\nr 0 1\nw 0 2\nw 1 2\n=====\nr 1 2\nr 0 1\n{INIT}");
    let (v, p) = levels(&h);
    assert_eq!(v, [No, No, No]);
    assert_eq!(p, Some(Pattern::NonMonotonicRead));
}

#[test]
fn two_reads_of_a_key_from_different_writers_are_allowed_by_read_committed_only() {
    let h = format!("w 0 1\n=====\nr 0 0\nr 0 1\n{INIT}");
    let (v, p) = levels(&h);
    assert_eq!(v, [Yes, No, No]);
    assert_eq!(p, Some(Pattern::NonRepeatableRead));
}

#[test]
fn a_non_repeatable_read_decides_read_atomic_and_causal_before_any_saturation() {
    // Session 1 has a fractured read (key 1 initial, key 0 from session 0); session 3 reads
    // key 0 from session 0 and then from session 2. The non-repeatable read is the witness at
    // both levels, found with its two edges only, whatever else the history holds.
    let h = format!("w 0 1\nw 1 1\n=====\nr 1 0\nr 0 1\n=====\nw 0 2\n=====\nr 0 1\nr 0 2\n{INIT}");
    let r = report(
        &h,
        &[ConsistencyModel::ReadAtomic, ConsistencyModel::Causal],
    );
    assert_eq!(r.isolation.len(), 2);
    for level in &r.isolation {
        assert_eq!(level.verdict, No, "{}", level.level);
        assert_eq!(level.pattern, Some(Pattern::NonRepeatableRead));
        assert_eq!(level.forced_edges, 2, "{}: saturated", level.level);
        assert_eq!(level.txns.len(), 3, "{:?}", level.txns);
    }
}

#[test]
fn seeing_one_write_of_a_transaction_but_not_another_is_a_fractured_read() {
    // T1 writes keys 0 and 1; T2 reads key 1 from the initial state, then key 0 from T1.
    let h = format!("w 0 1\nw 1 1\n=====\nr 1 0\nr 0 1\n{INIT}");
    let (v, p) = levels(&h);
    assert_eq!(v, [Yes, No, No]);
    assert_eq!(p, Some(Pattern::FracturedRead));
}

#[test]
fn missing_a_write_that_happens_before_through_a_third_session_is_a_causal_violation() {
    // Session 0 writes key 0 twice; session 1 reads the second and writes key 1; session 2
    // reads key 1 from session 1 but key 0 from the first write.
    let h = format!("w 0 1\n-----\nw 0 2\n=====\nr 0 2\nw 1 1\n=====\nr 1 1\nr 0 1\n{INIT}");
    let (v, p) = levels(&h);
    assert_eq!(v, [Yes, Yes, No]);
    assert_eq!(p, Some(Pattern::CausalViolation));
    let r = report(&h, &[ConsistencyModel::Causal]);
    let text = r.isolation[0].explanation.join("\n");
    assert!(text.contains("happens before"), "{text}");
    assert!(
        text.contains("a cycle, and no commit order exists"),
        "{text}"
    );
}

#[test]
fn a_session_reading_the_initial_value_after_writing_the_key_violates_read_atomic() {
    // AWDIT models the initial state as an ordinary session and finds this consistent; with
    // the initial state first in every commit order it is not.
    let h = format!("w 0 1\n-----\nr 0 0\n{INIT}");
    let (v, p) = levels(&h);
    assert_eq!(v, [Yes, No, No]);
    assert_eq!(p, Some(Pattern::FracturedRead));
}

#[test]
fn a_cycle_of_session_order_and_write_read_violates_every_level() {
    let h = "r 1 1\n-----\nw 0 1\n=====\nr 0 1\n-----\nw 1 1\n=====\nw 0 0\nw 1 0\n";
    let (v, p) = levels(h);
    assert_eq!(v, [No, No, No]);
    assert_eq!(p, Some(Pattern::CausalityCycle));
}

#[test]
fn a_read_of_a_value_nobody_wrote_is_a_thin_air_read_at_every_level() {
    let h = format!("w 0 1\n=====\nr 0 7\n{INIT}");
    assert_eq!(levels(&h), ([No, No, No], Some(Pattern::ThinAirRead)));
}

#[test]
fn a_read_of_an_overwritten_value_of_the_same_transaction_is_an_intermediate_read() {
    let h = format!("w 0 1\nw 0 2\n=====\nr 0 1\n{INIT}");
    assert_eq!(levels(&h), ([No, No, No], Some(Pattern::IntermediateRead)));
}

#[test]
fn an_invalid_level_makes_the_history_invalid_and_names_the_model() {
    let h = format!("w 0 1\nw 1 1\n=====\nr 1 0\nr 0 1\n{INIT}");
    let r = report(&h, &[ConsistencyModel::ReadAtomic]);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.not.contains(&ConsistencyModel::ReadAtomic));
}

#[test]
fn a_valid_answer_for_complete_levels_only_is_exact() {
    let h = format!("w 0 1\n=====\nr 0 1\n{INIT}");
    let r = report(
        &h,
        &[ConsistencyModel::ReadCommitted, ConsistencyModel::Causal],
    );
    assert_eq!(r.verdict, Verdict::Valid);
    assert!(r.scope.exact, "{}", r.scope.statement);
    assert!(r.scope.statement.contains("decided completely"));
}

#[test]
fn complete_levels_can_be_turned_off() {
    let h = format!("w 0 1\nw 1 1\n=====\nr 0 1\nr 1 0\n{INIT}");
    let mut o = TxnOptions::with_models(&[ConsistencyModel::ReadAtomic]);
    o.complete_levels = false;
    let r = check(&history(&h), &o).unwrap();
    assert!(r.isolation.is_empty());
}

#[test]
fn a_cycle_checker_anomaly_the_complete_check_allows_is_kept_and_noted() {
    // list-append: T2 reads [2] (only its own append) before T1's append of 1 commits, and
    // commits after it. The cycle checker orders key 1 by that read (G0 with key 0); read
    // committed allows it. The verdict stays invalid, with a note of the disagreement.
    let jsonl = r#"{"process":0,"type":"invoke","f":"txn","value":[["append",0,1],["append",1,1]]}
{"process":0,"type":"ok","f":"txn","value":[["append",0,1],["append",1,1]]}
{"process":1,"type":"invoke","f":"txn","value":[["append",1,2],["append",0,2],["r",1,null]]}
{"process":1,"type":"ok","f":"txn","value":[["append",1,2],["append",0,2],["r",1,[2]]]}
{"process":2,"type":"invoke","f":"txn","value":[["r",0,null]]}
{"process":2,"type":"ok","f":"txn","value":[["r",0,[1]]]}
"#;
    let h = format::parse(jsonl.as_bytes(), Format::Jsonl, None).unwrap();
    let r = check(
        &h,
        &TxnOptions::with_models(&[ConsistencyModel::ReadCommitted]),
    )
    .unwrap();
    assert_eq!(r.isolation[0].verdict, Verdict::Valid);
    if r.verdict == Verdict::Invalid {
        assert!(
            r.notes.iter().any(|n| n.starts_with("disagreement")),
            "{:?}",
            r.notes
        );
    }
}
