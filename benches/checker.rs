//! Checker benchmarks (criterion). Histories are parsed (or generated, from fixed seeds) outside
//! the timed region; witnesses are off unless a benchmark's name says otherwise, matching what
//! Porcupine's plain check computes.
//!
//! Run all: `cargo bench --bench checker`; one group: `cargo bench --bench checker -- b3`.
//! Group `txn`: transactional checking of seeded list-append histories (`txn_sim.rs`), 10^5
//! transactions, end to end (reading the file included) and check only.
//! The README's benchmark table explains each group and gives the figures measured.

// criterion_group! generates public functions without docs.
#![allow(missing_docs)]

#[path = "txn_sim.rs"]
mod txn_sim;

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use splitbrain::checker::{check, CheckOptions, Verdict};
use splitbrain::generate::{generate, Anomaly, GenOptions, Values, Workload};
use splitbrain::history::{format, Format, Op};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/corpus/porcupine")
}

fn read(path: &Path) -> (Format, Vec<Op>) {
    format::read_ops(path, None).expect("corpus file parses")
}

fn options(format: Format, witness: bool) -> CheckOptions {
    let mut options = CheckOptions::default();
    options.format = Some(format);
    options.witness = witness;
    options
}

fn b1_corpus(c: &mut Criterion) {
    let mut files: Vec<PathBuf> = (0..=102)
        .map(|n| corpus().join(format!("jepsen/etcd_{n:03}.log")))
        .collect();
    for name in [
        "c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad",
    ] {
        files.push(corpus().join(format!("kv/{name}.txt")));
    }
    let histories: Vec<(Format, Vec<Op>)> = files.iter().map(|f| read(f)).collect();
    let mut group = c.benchmark_group("b1");
    group.bench_function("corpus-109-files", |b| {
        b.iter(|| {
            for (format, ops) in &histories {
                check(ops, &options(*format, false)).unwrap();
            }
        })
    });
    group.bench_function("corpus-109-files-with-witnesses", |b| {
        b.iter(|| {
            for (format, ops) in &histories {
                check(ops, &options(*format, true)).unwrap();
            }
        })
    });
    for n in ["002", "007"] {
        let (format, ops) = read(&corpus().join(format!("jepsen/etcd_{n}.log")));
        group.bench_function(format!("etcd_{n}"), |b| {
            b.iter(|| check(&ops, &options(format, false)).unwrap())
        });
    }
    group.finish();
}

fn b2_c50_one_partition(c: &mut Criterion) {
    let mut group = c.benchmark_group("b2");
    group.sample_size(10);
    for name in ["c50-ok", "c50-bad"] {
        let (format, ops) = read(&corpus().join(format!("kv/{name}.txt")));
        group.bench_function(name, |b| {
            b.iter(|| check(&ops, &options(format, false)).unwrap())
        });
    }
    group.finish();
}

fn register(ops: usize, clients: usize, crash_rate: f64, anomaly: Anomaly) -> Vec<Op> {
    generate(&GenOptions {
        ops,
        clients,
        crash_rate,
        anomaly,
        seed: 1,
        ..GenOptions::default()
    })
    .ops(None)
    .unwrap()
}

fn b3_unique_register(c: &mut Criterion) {
    let mut group = c.benchmark_group("b3");
    for (label, anomaly) in [("valid", Anomaly::None), ("stale-read", Anomaly::StaleRead)] {
        let ops = register(1000, 20, 0.0, anomaly);
        let expected = if anomaly == Anomaly::None {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        assert_eq!(
            check(&ops, &CheckOptions::default()).unwrap().verdict,
            expected
        );
        group.bench_function(BenchmarkId::new("1k-ops-20-clients", label), |b| {
            b.iter(|| check(&ops, &options(Format::Jsonl, false)).unwrap())
        });
    }
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let ops = register(1_000_000, 50, 0.01, Anomaly::None);
    group.throughput(Throughput::Elements(ops.len() as u64));
    group.bench_function("1m-ops-50-clients-1pct-crashed", |b| {
        b.iter(|| check(&ops, &options(Format::Jsonl, false)).unwrap())
    });
    group.finish();
}

fn b4_many_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("b4");
    group.sample_size(10);
    for (label, workload, values) in [
        ("unique", Workload::Register, Values::Unique),
        ("cas-small-values", Workload::CasRegister, Values::Small(5)),
    ] {
        let ops = generate(&GenOptions {
            ops: 200_000,
            clients: 50,
            keys: 1000,
            workload,
            values,
            crash_rate: 0.01,
            seed: 4,
            ..GenOptions::default()
        })
        .ops(None)
        .unwrap();
        group.throughput(Throughput::Elements(ops.len() as u64));
        group.bench_function(BenchmarkId::new("1000-keys", label), |b| {
            b.iter(|| check(&ops, &options(Format::Jsonl, false)).unwrap())
        });
    }
    group.finish();
}

fn txn(c: &mut Criterion) {
    use splitbrain::checker::transactional::{check_transactions, Transactions, TxnOptions};
    let mut group = c.benchmark_group("txn");
    group.sample_size(10);
    for (name, db) in [
        ("serializable", txn_sim::Db::Serializable),
        ("snapshot", txn_sim::Db::Snapshot),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, txn_sim::history(db, 100_000, 10, 1)).expect("write history");
        group.throughput(Throughput::Elements(100_000));
        group.bench_function(format!("list-append-1e5-{name}-end-to-end"), |b| {
            b.iter(|| {
                let (_, txns) = Transactions::read(&path, None, None).unwrap();
                check_transactions(&txns, &TxnOptions::default()).unwrap()
            })
        });
        let (_, txns) = Transactions::read(&path, None, None).unwrap();
        group.bench_function(format!("list-append-1e5-{name}-check"), |b| {
            b.iter(|| check_transactions(&txns, &TxnOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    b1_corpus,
    b2_c50_one_partition,
    b3_unique_register,
    b4_many_keys,
    txn
);
criterion_main!(benches);
