//! The simulated databases of `splitbrain gen` against the reference, and the reference's routes
//! against each other.
//!
//! Histories are small (2–8 transactions of 1–4 micro-ops by 2–4 clients over 1–3 active keys,
//! with crashes and aborts), generated from consecutive seeds. For every one: the models that
//! hold must respect the lattice (strict serializable ⇒ serializable ⇒ snapshot isolation ⇒
//! causal ⇒ read atomic ⇒ read committed ⇒ read uncommitted, and so on), serializability by
//! serial orders must equal PL-3 by the DSG (and PL-2.99, there being no predicates), and each
//! database must stay within what it promises. Each database must also, sometimes, show what it
//! is there to show (write skew for `si`, a dirty read for `brat`, ...), so the checks are not
//! vacuous.
//!
//! `SPLITBRAIN_TXN_REF_CASES` sets the histories per database and workload (default 1000);
//! `--ignored survey` prints, per database, how often each model holds.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use splitbrain::generate::{generate_txn, KeyDist, SimDb, TxnOptions, TxnWorkload};
use splitbrain::history::History;

use super::Model::{self, *};
use super::{adya, holds_within, Budget, RefError, Txns};

/// Histories per database and workload unless `SPLITBRAIN_TXN_REF_CASES` says otherwise.
const DEFAULT_CASES: u64 = 1000;

/// Both workloads.
const WORKLOADS: [TxnWorkload; 2] = [TxnWorkload::ListAppend, TxnWorkload::RwRegister];

fn cases() -> u64 {
    std::env::var("SPLITBRAIN_TXN_REF_CASES")
        .ok()
        .map(|text| {
            text.trim()
                .parse()
                .expect("SPLITBRAIN_TXN_REF_CASES is a number")
        })
        .unwrap_or(DEFAULT_CASES)
}

/// The small history of `db` for `seed`.
pub fn small_history(workload: TxnWorkload, db: SimDb, seed: u64) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let options = TxnOptions {
        workload,
        db,
        txns: rng.gen_range(2..=8),
        concurrency: rng.gen_range(2..=4),
        key_count: rng.gen_range(1..=3),
        key_dist: if rng.gen_bool(0.5) {
            KeyDist::Exponential
        } else {
            KeyDist::Uniform
        },
        min_txn_length: 1,
        max_txn_length: rng.gen_range(1..=4),
        max_writes_per_key: rng.gen_range(2..=8),
        crash_rate: 0.1,
        abort_rate: 0.1,
        seed,
    };
    generate_txn(&options).expect("valid options")
}

/// The models that hold, and PL-3 by the DSG, or `None` when a search ran out of budget.
pub fn verdicts(history: &History) -> Option<(Vec<Model>, bool)> {
    let txns = Txns::parse(history).expect("generated histories parse");
    let mut budget = Budget(2_000_000);
    let levels = match adya::levels(&txns, &mut budget) {
        Ok(levels) => levels,
        Err(_) => return None,
    };
    let mut holding = Vec::new();
    for model in Model::ALL {
        let yes = match model {
            ReadUncommitted => levels.read_uncommitted,
            ReadCommitted => levels.read_committed,
            RepeatableRead => levels.repeatable_read,
            _ => match holds_within(&txns, model, &mut budget) {
                Ok(yes) => yes,
                Err(RefError::OutOfBudget) => return None,
                Err(e) => panic!("{e}"),
            },
        };
        if yes {
            holding.push(model);
        }
    }
    Some((holding, levels.serializable))
}

/// `a` implies `b`: the lattice every history must respect. Serializability and PL-2.99 are
/// equivalent (no predicates).
const IMPLICATIONS: [(Model, Model); 11] = [
    (StrictSerializable, Serializable),
    (StrictSerializable, StrongSnapshotIsolation),
    (StrongSnapshotIsolation, SnapshotIsolation),
    (Serializable, SnapshotIsolation),
    (Serializable, RepeatableRead),
    (RepeatableRead, Serializable),
    (SnapshotIsolation, Causal),
    (Causal, ReadAtomic),
    (ReadAtomic, ReadCommitted),
    (RepeatableRead, ReadCommitted),
    (ReadCommitted, ReadUncommitted),
];

/// How often each model held over a run, and how many histories were decided.
#[derive(Debug, Default)]
struct Tally {
    decided: u64,
    out_of_budget: u64,
    held: BTreeMap<Model, u64>,
}

impl Tally {
    fn always(&self, model: Model) -> bool {
        self.held.get(&model).copied().unwrap_or(0) == self.decided
    }

    fn sometimes_not(&self, model: Model) -> bool {
        self.held.get(&model).copied().unwrap_or(0) < self.decided
    }
}

/// Checks the lattice and the two routes on one history; returns the models that hold, or
/// `None` when a search ran out of budget. `what` names the history in a failure.
fn check_lattice(history: &History, what: &str) -> Option<Vec<Model>> {
    let (holding, by_dsg) = verdicts(history)?;
    let fail = |why: String| -> ! {
        let mut text = Vec::new();
        splitbrain::history::format::write(history, splitbrain::history::Format::Jsonl, &mut text)
            .expect("write to memory");
        panic!(
            "{what}: {why}\nmodels that hold: {:?}\nhistory:\n{}",
            holding.iter().map(|m| m.name()).collect::<Vec<_>>(),
            String::from_utf8_lossy(&text)
        )
    };
    for (a, b) in IMPLICATIONS {
        if holding.contains(&a) && !holding.contains(&b) {
            fail(format!("{} holds but {} does not", a.name(), b.name()));
        }
    }
    if by_dsg != holding.contains(&Serializable) {
        fail(format!(
            "PL-3 by the DSG says {by_dsg}, the serial orders the opposite"
        ));
    }
    Some(holding)
}

/// Checks the lattice and the two routes on `cases()` histories of `db`; returns the tally.
fn run(workload: TxnWorkload, db: SimDb) -> Tally {
    let mut tally = Tally::default();
    for seed in 0..cases() {
        let history = small_history(workload, db, seed);
        let what = format!("{workload:?} on {} with seed {seed}", db.name());
        let Some(holding) = check_lattice(&history, &what) else {
            tally.out_of_budget += 1;
            continue;
        };
        tally.decided += 1;
        for model in holding {
            *tally.held.entry(model).or_default() += 1;
        }
    }
    let decided_share = tally.decided as f64 / cases().max(1) as f64;
    assert!(
        decided_share > 0.99,
        "{workload:?} on {}: {tally:?}",
        db.name()
    );
    tally
}

/// `history` with one `ok` read changed: an element dropped, two swapped, or the result
/// replaced by a value some transaction wrote to the key (or nil). `None` if it has no read.
pub fn corrupt(history: &History, rng: &mut ChaCha8Rng) -> Option<History> {
    use splitbrain::history::{EventKind, Value};
    let mut events = history.events.clone();
    let mut reads = Vec::new();
    let mut written: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        for (m, mop) in e.value.as_list().unwrap_or_default().iter().enumerate() {
            if let Some([f, k, v]) = mop.as_list() {
                match f.as_text() {
                    Some("r") if e.kind == EventKind::Ok => reads.push((i, m)),
                    Some("append" | "w") if e.kind == EventKind::Invoke => {
                        written.entry(k.clone()).or_default().push(v.clone())
                    }
                    _ => {}
                }
            }
        }
    }
    let &(i, m) = reads.get(rng.gen_range(0..reads.len().max(1)))?;
    let Value::List(mops) = &events[i].value else {
        return None;
    };
    let mut mops = mops.to_vec();
    let Some([f, k, v]) = mops[m].as_list() else {
        return None;
    };
    let others = written.get(k).cloned().unwrap_or_default();
    let new = match v {
        Value::List(items) if !items.is_empty() && rng.gen_bool(0.5) => {
            let mut items = items.to_vec();
            let a = rng.gen_range(0..items.len());
            if rng.gen_bool(0.5) {
                items.remove(a);
            } else {
                let b = rng.gen_range(0..items.len());
                items.swap(a, b);
            }
            Value::list(items)
        }
        Value::List(items) => {
            let mut items = items.to_vec();
            items.push(others.get(rng.gen_range(0..others.len().max(1)))?.clone());
            Value::list(items)
        }
        _ if others.is_empty() || rng.gen_bool(0.2) => Value::Nil,
        _ => others[rng.gen_range(0..others.len())].clone(),
    };
    mops[m] = Value::list(vec![f.clone(), k.clone(), new]);
    events[i].value = Value::list(mops);
    Some(History::new(events))
}

#[test]
fn corrupted_histories_respect_the_lattice_and_the_two_routes_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut checked = 0;
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            for seed in 0..cases() / 4 {
                let Some(history) = corrupt(&small_history(workload, db, seed), &mut rng) else {
                    continue;
                };
                let what = format!("{workload:?} on {} with seed {seed}, corrupted", db.name());
                if Txns::parse(&history).is_ok() && check_lattice(&history, &what).is_some() {
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > cases(), "{checked} corrupted histories checked");
}

#[test]
fn ssi_histories_are_strict_serializable() {
    for workload in WORKLOADS {
        let tally = run(workload, SimDb::Ssi);
        assert!(tally.always(StrictSerializable), "{workload:?}: {tally:?}");
    }
}

#[test]
fn si_histories_are_strong_snapshot_isolated_and_sometimes_show_write_skew() {
    for workload in WORKLOADS {
        let tally = run(workload, SimDb::Si);
        assert!(
            tally.always(StrongSnapshotIsolation),
            "{workload:?}: {tally:?}"
        );
        assert!(tally.sometimes_not(Serializable), "{workload:?}: {tally:?}");
    }
}

#[test]
fn prefix_histories_lose_updates() {
    let lists = run(TxnWorkload::ListAppend, SimDb::Prefix);
    assert!(
        lists.sometimes_not(ReadUncommitted),
        "lost appends fork lists: {lists:?}"
    );
    assert!(lists.sometimes_not(SnapshotIsolation), "{lists:?}");
    let registers = run(TxnWorkload::RwRegister, SimDb::Prefix);
    assert!(registers.always(Causal), "consistent prefix: {registers:?}");
    assert!(registers.sometimes_not(SnapshotIsolation), "{registers:?}");
}

#[test]
fn read_committed_histories_are_read_committed_and_sometimes_no_more() {
    for workload in WORKLOADS {
        let tally = run(workload, SimDb::ReadCommitted);
        assert!(tally.always(ReadCommitted), "{workload:?}: {tally:?}");
        assert!(tally.sometimes_not(ReadAtomic), "{workload:?}: {tally:?}");
        assert!(
            tally.sometimes_not(RepeatableRead),
            "{workload:?}: {tally:?}"
        );
    }
}

#[test]
fn brat_histories_are_sometimes_not_even_read_committed() {
    for workload in WORKLOADS {
        let tally = run(workload, SimDb::Brat);
        assert!(
            tally.sometimes_not(ReadCommitted),
            "{workload:?}: {tally:?}"
        );
        assert!(
            tally.sometimes_not(ReadUncommitted),
            "{workload:?}: {tally:?}"
        );
    }
}

#[test]
#[ignore]
fn survey() {
    for workload in WORKLOADS {
        for db in SimDb::ALL {
            let mut counts: BTreeMap<Model, u64> = BTreeMap::new();
            let (mut done, mut out) = (0, 0);
            let began = std::time::Instant::now();
            for seed in 0..cases() {
                match verdicts(&small_history(workload, db, seed)) {
                    None => out += 1,
                    Some((holding, _)) => {
                        done += 1;
                        for m in holding {
                            *counts.entry(m).or_default() += 1;
                        }
                    }
                }
            }
            let row: Vec<String> = Model::ALL
                .iter()
                .map(|m| format!("{} {}", m.name(), counts.get(m).unwrap_or(&0)))
                .collect();
            println!(
                "{workload:?} {} ({done} decided, {out} out of budget, {:?}): {}",
                db.name(),
                began.elapsed(),
                row.join(", ")
            );
        }
    }
}
