//! A small brute-force cross-check of the two claims the checker makes, on tiny random
//! list-append histories from a sloppy database (reads sometimes return a stale prefix):
//! `invalid` means no serial order (respecting real time, for strict-serializable) explains the
//! committed reads, and an exact `valid` means one does. The project's full reference checker
//! and differential tests live elsewhere; this guards the cycle logic while it is written.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use splitbrain::checker::transactional::{check, ConsistencyModel, TxnOptions};
use splitbrain::checker::Verdict;
use splitbrain::history::{Event, EventKind, History, Value};

#[derive(Clone, Debug)]
enum Mop {
    Read(u8, Option<Vec<u32>>),
    Append(u8, u32),
}

#[derive(Clone, Debug)]
struct T {
    mops: Vec<Mop>,
    outcome: EventKind,
    call: usize,
    ret: usize,
    /// Interleaved databases: micro-ops applied so far.
    cursor: usize,
}

fn generate(rng: &mut ChaCha8Rng, register: bool, interleaved: bool) -> (History, Vec<T>) {
    let n = rng.gen_range(2..=6);
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); 2];
    let mut next = 1u32;
    let mut txns: Vec<T> = Vec::new();
    let mut events = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut pos = 0;
    let to_value = |mops: &[Mop], reads: bool| {
        Value::list(
            mops.iter()
                .map(|m| match m {
                    Mop::Append(k, v) => Value::list(vec![
                        if register { "w" } else { "append" }.into(),
                        (*k as i64).into(),
                        (*v as i64).into(),
                    ]),
                    Mop::Read(k, r) => Value::list(vec![
                        "r".into(),
                        (*k as i64).into(),
                        match (reads, r) {
                            (true, Some(l)) if register => {
                                l.last().map_or(Value::Nil, |&x| Value::Int(x as i64))
                            }
                            (true, Some(l)) => Value::list(
                                l.iter().map(|&x| Value::Int(x as i64)).collect::<Vec<_>>(),
                            ),
                            _ => Value::Nil,
                        },
                    ]),
                })
                .collect::<Vec<_>>(),
        )
    };
    while txns.len() < n || !open.is_empty() {
        if txns.len() < n && (open.is_empty() || (open.len() < 3 && rng.gen_bool(0.5))) {
            let len = rng.gen_range(1..=3);
            let mops: Vec<Mop> = (0..len)
                .map(|_| {
                    let k = rng.gen_range(0..2u8);
                    if rng.gen_bool(0.5) {
                        Mop::Read(k, None)
                    } else {
                        next += 1;
                        Mop::Append(k, next)
                    }
                })
                .collect();
            let p = txns.len() as u64;
            events.push(Event::new(
                p,
                EventKind::Invoke,
                "txn",
                to_value(&mops, false),
            ));
            txns.push(T {
                mops,
                outcome: EventKind::Invoke,
                call: pos,
                ret: usize::MAX,
                cursor: 0,
            });
            open.push(txns.len() - 1);
        } else if interleaved {
            // Micro-ops take effect one at a time, and nothing is rolled back.
            let slot = rng.gen_range(0..open.len());
            let i = open[slot];
            let t = &mut txns[i];
            if t.cursor < t.mops.len() {
                match &mut t.mops[t.cursor] {
                    Mop::Append(k, v) => lists[*k as usize].push(*v),
                    Mop::Read(k, r) => {
                        let l = &lists[*k as usize];
                        let cut = if rng.gen_bool(0.2) {
                            rng.gen_range(0..=l.len())
                        } else {
                            l.len()
                        };
                        *r = Some(l[..cut].to_vec());
                    }
                }
                t.cursor += 1;
                continue;
            }
            open.swap_remove(slot);
            let roll: f64 = rng.gen();
            let outcome = if roll < 0.1 {
                EventKind::Fail
            } else if roll < 0.2 {
                EventKind::Info
            } else {
                EventKind::Ok
            };
            txns[i].outcome = outcome;
            if outcome != EventKind::Info {
                txns[i].ret = pos;
            }
            let value = to_value(&txns[i].mops, outcome == EventKind::Ok);
            events.push(Event::new(i as u64, outcome, "txn", value));
        } else {
            let i = open.swap_remove(rng.gen_range(0..open.len()));
            let roll: f64 = rng.gen();
            let outcome = if roll < 0.1 {
                EventKind::Fail
            } else if roll < 0.2 {
                EventKind::Info
            } else {
                EventKind::Ok
            };
            let apply =
                outcome == EventKind::Ok || (outcome == EventKind::Info && rng.gen_bool(0.5));
            let mut state = lists.clone();
            for m in &mut txns[i].mops {
                match m {
                    Mop::Append(k, v) => state[*k as usize].push(*v),
                    Mop::Read(k, r) => {
                        let l = &state[*k as usize];
                        let cut = if rng.gen_bool(0.25) {
                            rng.gen_range(0..=l.len())
                        } else {
                            l.len()
                        };
                        *r = Some(l[..cut].to_vec());
                    }
                }
            }
            if apply {
                lists = state;
            }
            txns[i].outcome = outcome;
            if outcome != EventKind::Info {
                txns[i].ret = pos;
            }
            let value = to_value(&txns[i].mops, outcome == EventKind::Ok);
            events.push(Event::new(i as u64, outcome, "txn", value));
        }
        pos += 1;
    }
    (History::new(events), txns)
}

/// Whether some serial order of the committed transactions (and any subset of the
/// indeterminate ones) reproduces every committed read; `realtime`: respecting real time.
fn serializable(txns: &[T], realtime: bool, register: bool) -> bool {
    let ok: Vec<usize> = (0..txns.len())
        .filter(|&i| txns[i].outcome == EventKind::Ok)
        .collect();
    let info: Vec<usize> = (0..txns.len())
        .filter(|&i| txns[i].outcome == EventKind::Info)
        .collect();
    for mask in 0..(1u32 << info.len()) {
        let mut chosen = ok.clone();
        chosen.extend(
            info.iter()
                .enumerate()
                .filter(|(b, _)| mask >> b & 1 == 1)
                .map(|(_, &i)| i),
        );
        if search(
            txns,
            &chosen,
            &mut Vec::new(),
            &mut vec![Vec::new(); 2],
            realtime,
            register,
        ) {
            return true;
        }
    }
    false
}

fn search(
    txns: &[T],
    chosen: &[usize],
    done: &mut Vec<usize>,
    lists: &mut [Vec<u32>],
    realtime: bool,
    register: bool,
) -> bool {
    if done.len() == chosen.len() {
        return true;
    }
    for &i in chosen {
        if done.contains(&i) {
            continue;
        }
        // Real time: nothing left may have completed before i was invoked.
        if realtime
            && chosen
                .iter()
                .any(|&j| j != i && !done.contains(&j) && txns[j].ret < txns[i].call)
        {
            continue;
        }
        let saved: Vec<Vec<u32>> = lists.to_vec();
        let mut fits = true;
        for m in &txns[i].mops {
            match m {
                Mop::Append(k, v) => lists[*k as usize].push(*v),
                Mop::Read(k, Some(r)) if txns[i].outcome == EventKind::Ok => {
                    let l = &lists[*k as usize];
                    fits &= if register {
                        l.last() == r.last()
                    } else {
                        l == r
                    };
                }
                Mop::Read(..) => {}
            }
        }
        if fits {
            done.push(i);
            if search(txns, chosen, done, lists, realtime, register) {
                return true;
            }
            done.pop();
        }
        lists.clone_from_slice(&saved);
    }
    false
}

/// The history as native JSON lines, for failure messages.
fn text(history: &History) -> String {
    let mut out = Vec::new();
    splitbrain::history::format::write(history, splitbrain::history::Format::Jsonl, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn cross_check(register: bool, interleaved: bool, cases: usize, min: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(12 + register as u64 + 2 * interleaved as u64);
    let (mut invalid, mut exact) = (0, 0);
    for case in 0..cases {
        let (history, txns) = generate(&mut rng, register, interleaved);
        for (model, realtime) in [
            (ConsistencyModel::StrictSerializable, true),
            (ConsistencyModel::Serializable, false),
        ] {
            let report = check(&history, &TxnOptions::with_models(&[model])).unwrap();
            let truth = serializable(&txns, realtime, register);
            match report.verdict {
                Verdict::Invalid => {
                    invalid += 1;
                    assert!(
                        !truth,
                        "case {case} {model}: invalid, but a serial order exists\n{}\n{report:#?}",
                        text(&history)
                    );
                }
                Verdict::Valid if report.scope.exact => {
                    exact += 1;
                    assert!(
                        truth,
                        "case {case} {model}: exactly valid, but no serial order\n{}\n{report:#?}",
                        text(&history)
                    );
                }
                _ => {}
            }
        }
    }
    assert!(
        invalid > min && exact > min,
        "invalid {invalid}, exact {exact}"
    );
}

#[test]
fn list_append_invalid_and_exactly_valid_agree_with_a_brute_force_search() {
    cross_check(false, false, 3000, 300);
    cross_check(false, true, 3000, 300);
}

#[test]
fn rw_register_invalid_and_exactly_valid_agree_with_a_brute_force_search() {
    cross_check(true, false, 3000, 100);
    cross_check(true, true, 3000, 100);
}
