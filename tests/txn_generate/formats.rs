//! Determinism, the two output formats read back, option errors, the command line.

use splitbrain::generate::{generate_txn, SimDb, TxnGenError, TxnOptions, TxnWorkload};
use splitbrain::history::{format, Event, Format, History, Value};

use super::{history, WORKLOADS};
use crate::{code, splitbrain};

fn bytes(h: &History, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    format::write(h, format, &mut out).unwrap();
    out
}

/// `value` as JSON carries it: keywords become strings.
fn as_json(value: &Value) -> Value {
    match value {
        Value::Keyword(k) => Value::Str(k.clone()),
        Value::List(items) => Value::List(items.iter().map(as_json).collect()),
        other => other.clone(),
    }
}

fn without_lines(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .cloned()
        .map(|mut e| {
            e.line = 0;
            e
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            let a = history(workload, db, 500, 11);
            let b = history(workload, db, 500, 11);
            for f in [Format::Jsonl, Format::Edn] {
                assert_eq!(bytes(&a, f), bytes(&b, f), "{workload:?} {db:?} {f}");
            }
            assert_ne!(a, history(workload, db, 500, 12));
        }
    }
}

#[test]
fn json_lines_and_edn_read_back_with_the_repositorys_readers() {
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            let h = history(workload, db, 300, 13);
            let edn = format::parse(&bytes(&h, Format::Edn), Format::Edn, None).unwrap();
            assert_eq!(
                without_lines(&edn.events),
                h.events,
                "{workload:?} {db:?} edn"
            );
            let json = format::parse(&bytes(&h, Format::Jsonl), Format::Jsonl, None).unwrap();
            let expected: Vec<Event> = h
                .events
                .iter()
                .cloned()
                .map(|mut e| {
                    e.value = as_json(&e.value);
                    e.error = e.error.as_ref().map(as_json);
                    e
                })
                .collect();
            assert_eq!(
                without_lines(&json.events),
                expected,
                "{workload:?} {db:?} jsonl"
            );
        }
    }
    let line = String::from_utf8(bytes(
        &history(TxnWorkload::ListAppend, SimDb::Si, 5, 1),
        Format::Edn,
    ))
    .unwrap();
    assert!(line.contains(":f :txn, :value [[:"), "{line}");
}

#[test]
fn impossible_options_are_errors() {
    let bad = |change: fn(&mut TxnOptions)| {
        let mut options = TxnOptions::default();
        change(&mut options);
        generate_txn(&options).unwrap_err()
    };
    assert_eq!(bad(|o| o.concurrency = 0), TxnGenError::NoClients);
    assert_eq!(bad(|o| o.key_count = 0), TxnGenError::NoKeys);
    assert_eq!(
        bad(|o| o.max_writes_per_key = 0),
        TxnGenError::NoWritesPerKey
    );
    assert_eq!(
        bad(|o| o.min_txn_length = 5),
        TxnGenError::TxnLength { min: 5, max: 4 }
    );
    assert!(matches!(
        bad(|o| o.crash_rate = 1.5),
        TxnGenError::Rate { .. }
    ));
    assert!(matches!(
        bad(|o| o.abort_rate = f64::NAN),
        TxnGenError::Rate { .. }
    ));
    let empty = generate_txn(&TxnOptions {
        txns: 0,
        ..TxnOptions::default()
    });
    assert_eq!(empty.unwrap(), History::default());
}

#[test]
fn the_command_line_writes_transactional_histories_and_refuses_foreign_options() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.edn");
    let out = splitbrain(&[
        "gen",
        "--workload",
        "rw-register",
        "--db",
        "read-committed",
        "--limit",
        "200",
        "--concurrency",
        "4",
        "--key-count",
        "3",
        "--max-writes-per-key",
        "8",
        "--format",
        "edn",
        "--seed",
        "5",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let (_, h) = format::read(&path, None).unwrap();
    assert_eq!(h.events.len(), 400);
    let options = TxnOptions {
        workload: TxnWorkload::RwRegister,
        db: SimDb::ReadCommitted,
        txns: 200,
        concurrency: 4,
        key_count: 3,
        max_writes_per_key: 8,
        seed: 5,
        ..TxnOptions::default()
    };
    assert_eq!(
        without_lines(&h.events),
        generate_txn(&options).unwrap().events
    );
    for (args, message) in [
        (
            &["--db", "si"][..],
            "--db does not apply to --workload register",
        ),
        (
            &["--workload", "list-append", "--anomaly", "stale-read"],
            "--anomaly does not apply",
        ),
        (
            &[
                "--workload",
                "list-append",
                "--min-txn-length",
                "3",
                "--max-txn-length",
                "2",
            ],
            "min 3 and max 2",
        ),
    ] {
        let out = splitbrain(&[&["gen"], args].concat());
        assert_eq!(code(&out), 3);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

/// A regression: when every transaction has exactly two micro-ops, each value
/// `[[:append 1 1] [:r 0 nil]]` looks like an independent-key tuple `[k v]`; the EDN reader once
/// turned the first micro-op into a key.
#[test]
fn edn_reads_back_transactions_of_exactly_two_micro_ops() {
    let h = generate_txn(&TxnOptions {
        txns: 20,
        min_txn_length: 2,
        max_txn_length: 2,
        ..TxnOptions::default()
    })
    .unwrap();
    let edn = format::parse(&bytes(&h, Format::Edn), Format::Edn, None).unwrap();
    assert_eq!(without_lines(&edn.events), h.events);
}
