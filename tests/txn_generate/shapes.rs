//! The shape of generated transactional histories.

use std::collections::{HashMap, HashSet};

use splitbrain::generate::{generate_txn, KeyDist, SimDb, TxnOptions, TxnWorkload};
use splitbrain::history::{EventKind, Outcome, Process, Value};

use super::{history, mops, ops, WORKLOADS};

#[test]
fn processes_follow_jepsens_conventions() {
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            let options = TxnOptions {
                workload,
                db,
                txns: 2000,
                concurrency: 5,
                crash_rate: 0.05,
                seed: 3,
                ..TxnOptions::default()
            };
            let h = generate_txn(&options).unwrap();
            assert_eq!(h.events.len(), 4000, "every invocation completes");
            let mut open: HashSet<u64> = HashSet::new();
            let mut crashed: HashSet<u64> = HashSet::new();
            let mut most_open = 0;
            for (i, e) in h.events.iter().enumerate() {
                assert_eq!(e.index, Some(i as u64));
                assert_eq!(&*e.f, "txn");
                let Process::Client(p) = e.process else {
                    panic!("no nemesis here")
                };
                assert!(!crashed.contains(&p), "process {p} used after it crashed");
                if e.kind == EventKind::Invoke {
                    assert!(open.insert(p), "process {p} has two transactions in flight");
                } else {
                    assert!(open.remove(&p));
                    if e.kind == EventKind::Info {
                        crashed.insert(p);
                    }
                }
                most_open = most_open.max(open.len());
            }
            assert_eq!(most_open, 5, "{workload:?} {db:?}: concurrency is reached");
            // A crashed client continues as process + concurrency.
            let processes: HashSet<u64> = ops(&h).iter().map(|op| op.process).collect();
            for p in crashed {
                assert!(processes.contains(&(p + 5)), "{p} continues as {}", p + 5);
            }
            let times: Vec<i64> = h.events.iter().map(|e| e.time.unwrap()).collect();
            assert!(times.windows(2).all(|w| w[0] < w[1]), "time increases");
        }
    }
}

#[test]
fn transactions_follow_elles_generator() {
    for workload in WORKLOADS {
        let options = TxnOptions {
            workload,
            db: SimDb::Si,
            txns: 3000,
            key_count: 3,
            key_dist: KeyDist::Uniform,
            min_txn_length: 2,
            max_txn_length: 3,
            max_writes_per_key: 5,
            seed: 9,
            ..TxnOptions::default()
        };
        let h = generate_txn(&options).unwrap();
        let write = match workload {
            TxnWorkload::ListAppend => "append",
            TxnWorkload::RwRegister => "w",
        };
        let mut values: HashMap<i64, Vec<i64>> = HashMap::new();
        for op in ops(&h) {
            let invoked: Vec<_> = mops(&op.input).collect();
            assert!((2..=3).contains(&invoked.len()), "{}", op.input);
            for (f, key, value) in invoked {
                match f {
                    "r" => assert!(value.is_nil()),
                    f => {
                        assert_eq!(f, write);
                        values.entry(key).or_default().push(value.as_int().unwrap());
                    }
                }
            }
        }
        assert!(
            values.len() > 100,
            "keys retire and fresh ones replace them"
        );
        for (key, mut written) in values {
            written.sort_unstable();
            let expected: Vec<i64> = (1..=written.len() as i64).collect();
            assert_eq!(
                written, expected,
                "key {key}: values 1, 2, 3, ... once each"
            );
            assert!(written.len() <= 5);
        }
    }
}

#[test]
fn completions_fill_in_reads_or_repeat_the_invocation() {
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            let h = history(workload, db, 1000, 4);
            let mut invoked: HashMap<Process, &Value> = HashMap::new();
            for e in &h.events {
                match e.kind {
                    EventKind::Invoke => {
                        invoked.insert(e.process, &e.value);
                    }
                    EventKind::Fail | EventKind::Info => {
                        assert_eq!(&e.value, invoked[&e.process], "repeats the invocation")
                    }
                    EventKind::Ok => {}
                }
            }
            for op in ops(&h).iter().filter(|op| op.outcome == Outcome::Ok) {
                let pairs = mops(&op.input).zip(mops(&op.output));
                for ((f, k, v), (f2, k2, v2)) in pairs {
                    assert_eq!((f, k), (f2, k2));
                    match (f, workload) {
                        ("r", TxnWorkload::ListAppend) => {
                            let items = v2.as_list().expect("a list read is a list");
                            assert!(items.iter().all(|i| i.as_int().is_some()));
                        }
                        ("r", TxnWorkload::RwRegister) => {
                            assert!(v2.is_nil() || v2.as_int().is_some());
                        }
                        _ => assert_eq!(v, v2),
                    }
                }
            }
            for e in &h.events {
                let invoked = e.kind == EventKind::Invoke;
                let completed_ok = e.kind == EventKind::Ok;
                assert_eq!(e.error.is_some(), !invoked && !completed_ok, "{e:?}");
            }
        }
    }
}

/// Per key, its `ok` list reads.
type Reads = HashMap<i64, Vec<Vec<i64>>>;

/// The `ok` list reads of each key, and the elements (key, value) of `fail`ed transactions.
fn list_reads(h: &splitbrain::history::History) -> (Reads, HashSet<(i64, i64)>) {
    let mut reads: Reads = HashMap::new();
    let mut failed = HashSet::new();
    for op in ops(h) {
        match op.outcome {
            Outcome::Ok => {
                for (f, key, value) in mops(&op.output) {
                    if f == "r" {
                        let items = value.as_list().unwrap().iter();
                        reads
                            .entry(key)
                            .or_default()
                            .push(items.map(|i| i.as_int().unwrap()).collect());
                    }
                }
            }
            Outcome::Fail => {
                for (f, key, value) in mops(&op.input) {
                    if f == "append" {
                        failed.insert((key, value.as_int().unwrap()));
                    }
                }
            }
            Outcome::Info => {}
        }
    }
    (reads, failed)
}

/// Whether every two reads of a key are prefixes of one another.
fn one_sequence_per_key(reads: &Reads) -> bool {
    reads.values().all(|lists| {
        let longest = lists.iter().max_by_key(|l| l.len()).unwrap();
        lists.iter().all(|l| longest.starts_with(l))
    })
}

#[test]
fn list_reads_are_prefixes_of_one_sequence_except_under_prefix() {
    for db in SimDb::ALL {
        let h = history(TxnWorkload::ListAppend, db, 5000, 5);
        let (reads, failed) = list_reads(&h);
        let dirty = reads
            .iter()
            .any(|(k, lists)| lists.iter().flatten().any(|v| failed.contains(&(*k, *v))));
        match db {
            SimDb::Prefix => assert!(!one_sequence_per_key(&reads), "lost appends fork a list"),
            _ => assert!(one_sequence_per_key(&reads), "{db:?}"),
        }
        assert_eq!(
            dirty,
            db == SimDb::Brat,
            "{db:?}: only brat reads aborted appends"
        );
    }
}

#[test]
fn each_database_aborts_for_its_own_reasons() {
    let outcomes = |db: SimDb, abort_rate: f64| {
        let options = TxnOptions {
            db,
            txns: 2000,
            crash_rate: 0.0,
            abort_rate,
            seed: 6,
            ..TxnOptions::default()
        };
        let h = generate_txn(&options).unwrap();
        let mut errors: HashMap<String, usize> = HashMap::new();
        for e in &h.events {
            if let Some(error) = &e.error {
                *errors.entry(error.to_string()).or_default() += 1;
            }
            assert_ne!(e.kind, EventKind::Info, "no crashes, no info");
        }
        errors
    };
    assert!(outcomes(SimDb::Brat, 0.0).is_empty(), "brat never refuses");
    assert!(
        outcomes(SimDb::Prefix, 0.0).is_empty(),
        "prefix never refuses"
    );
    for db in [SimDb::Ssi, SimDb::Si, SimDb::ReadCommitted] {
        let errors = outcomes(db, 0.0);
        assert!(
            errors.get(":conflict").is_some_and(|&n| n > 10),
            "{db:?}: {errors:?}"
        );
    }
    let errors = outcomes(SimDb::Brat, 0.1);
    assert!(
        errors.get(":aborted").is_some_and(|&n| n > 100),
        "{errors:?}"
    );
}
