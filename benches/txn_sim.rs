//! A seeded list-append history from a simulated database, for the transactional benchmarks
//! (used by `benches/checker.rs` and `examples/txn_history.rs`; the project's generator will
//! replace it).
//!
//! Clients run transactions of 1–4 micro-ops (reads and appends, half each) over 10 active keys
//! picked with exponentially falling weights; a key takes at most 32 appends, then a fresh key
//! replaces it (Elle's generator defaults). Each step a random client either invokes a new
//! transaction or completes its open one. Databases:
//! - `Serializable`: a transaction takes effect atomically when it completes, so the history is
//!   strict-serializable; 1 % of transactions fail and 1 % crash (`info`, applied or not).
//! - `Snapshot`: reads see the state when the transaction was invoked (plus its own appends);
//!   at completion a transaction fails if another committed an append to a key it appends
//!   since its snapshot (first committer wins): snapshot isolation, which admits write skew
//!   (G2-item).

use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The simulated database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    /// Atomic at completion.
    Serializable,
    /// Snapshot at invocation, first committer wins.
    Snapshot,
}

#[derive(Clone)]
enum Mop {
    Read(u64),
    Append(u64, u64),
}

struct Open {
    process: u64,
    mops: Vec<Mop>,
    /// Snapshot db: the commit count at invocation.
    snapshot: Option<u64>,
}

struct Sim {
    rng: ChaCha8Rng,
    /// Write registers (`w`, reads return the last value) instead of appending to lists.
    register: bool,
    db: Db,
    lists: Vec<Vec<u64>>,
    /// Commit count at which each key was last appended to.
    last_append: Vec<u64>,
    /// Per key, the commit count of each element (snapshot db), in list order.
    stamps: Vec<Vec<u64>>,
    commits: u64,
    active: Vec<u64>,
    next_key: u64,
    clients: Vec<Option<Open>>,
    processes: Vec<u64>,
    next_process: u64,
    out: String,
    index: u64,
    /// Appends planned per key so far.
    planned_counts: Vec<u64>,
}

const KEYS: usize = 10;
const MAX_APPENDS: usize = 32;

impl Sim {
    fn key(&mut self) -> u64 {
        // Key i with weight 2^-i.
        let mut i = 0;
        while i + 1 < KEYS && self.rng.gen_bool(0.5) {
            i += 1;
        }
        let k = self.active[i];
        if self.lists.len() <= k as usize {
            self.lists.resize(k as usize + 1, Vec::new());
            self.last_append.resize(k as usize + 1, 0);
        }
        k
    }

    fn txn(&mut self) -> Vec<Mop> {
        let len = self.rng.gen_range(1..=4);
        let mut mops = Vec::with_capacity(len);
        for _ in 0..len {
            let k = self.key();
            if self.rng.gen_bool(0.5) {
                mops.push(Mop::Read(k));
            } else {
                let v = self.planned(k);
                mops.push(Mop::Append(k, v));
            }
        }
        mops
    }

    /// The next value appended to `k` (unique per key); a key past its budget is retired.
    fn planned(&mut self, k: u64) -> u64 {
        if self.planned_counts.len() <= k as usize {
            self.planned_counts.resize(k as usize + 1, 0);
        }
        self.planned_counts[k as usize] += 1;
        let v = self.planned_counts[k as usize];
        if v as usize >= MAX_APPENDS {
            if let Some(idx) = self.active.iter().position(|&a| a == k) {
                self.active[idx] = self.next_key;
                self.next_key += 1;
            }
        }
        v
    }

    fn event(
        &mut self,
        process: u64,
        kind: &str,
        mops: &[Mop],
        reads: Option<&[Option<Vec<u64>>]>,
    ) {
        let _ = write!(
            self.out,
            "{{\"index\":{},\"time\":{},\"process\":{process},\"type\":\"{kind}\",\"f\":\"txn\",\"value\":[",
            self.index,
            self.index * 1000
        );
        self.index += 1;
        for (i, m) in mops.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            match m {
                Mop::Append(k, v) if self.register => {
                    let _ = write!(self.out, "[\"w\",{k},{v}]");
                }
                Mop::Append(k, v) => {
                    let _ = write!(self.out, "[\"append\",{k},{v}]");
                }
                Mop::Read(k) => match reads.and_then(|r| r[i].as_ref()) {
                    Some(list) if self.register => match list.last() {
                        Some(x) => {
                            let _ = write!(self.out, "[\"r\",{k},{x}]");
                        }
                        None => {
                            let _ = write!(self.out, "[\"r\",{k},null]");
                        }
                    },
                    Some(list) => {
                        let _ = write!(self.out, "[\"r\",{k},[");
                        for (j, x) in list.iter().enumerate() {
                            if j > 0 {
                                self.out.push(',');
                            }
                            let _ = write!(self.out, "{x}");
                        }
                        self.out.push_str("]]");
                    }
                    None => {
                        let _ = write!(self.out, "[\"r\",{k},null]");
                    }
                },
            }
        }
        self.out.push_str("]}\n");
    }

    /// Executes `mops` on `state`; returns the reads.
    fn execute(state: &mut [Vec<u64>], mops: &[Mop]) -> Vec<Option<Vec<u64>>> {
        mops.iter()
            .map(|m| match m {
                Mop::Read(k) => Some(state[*k as usize].clone()),
                Mop::Append(k, v) => {
                    state[*k as usize].push(*v);
                    None
                }
            })
            .collect()
    }

    fn invoke(&mut self, c: usize) {
        let mops = self.txn();
        let process = self.processes[c];
        self.event(process, "invoke", &mops, None);
        let snapshot = (self.db == Db::Snapshot).then_some(self.commits);
        self.clients[c] = Some(Open {
            process,
            mops,
            snapshot,
        });
    }

    fn complete(&mut self, c: usize) {
        let Some(open) = self.clients[c].take() else {
            return;
        };
        let roll: f64 = self.rng.gen();
        let grow = |lists: &mut Vec<Vec<u64>>, mops: &[Mop]| {
            let max = mops
                .iter()
                .map(|m| match m {
                    Mop::Read(k) | Mop::Append(k, _) => *k as usize,
                })
                .max()
                .unwrap_or(0);
            if lists.len() <= max {
                lists.resize(max + 1, Vec::new());
            }
        };
        grow(&mut self.lists, &open.mops);
        if self.last_append.len() < self.lists.len() {
            self.last_append.resize(self.lists.len(), 0);
        }
        match open.snapshot {
            None => {
                if roll < 0.01 {
                    self.event(open.process, "fail", &open.mops, None);
                } else if roll < 0.02 {
                    if self.rng.gen_bool(0.5) {
                        Sim::execute(&mut self.lists, &open.mops);
                    }
                    self.event(open.process, "info", &open.mops, None);
                    self.processes[c] = self.next_process;
                    self.next_process += 1;
                } else {
                    let reads = Sim::execute(&mut self.lists, &open.mops);
                    self.event(open.process, "ok", &open.mops, Some(&reads));
                }
            }
            Some(at) => {
                if self.stamps.len() < self.lists.len() {
                    self.stamps.resize(self.lists.len(), Vec::new());
                }
                let conflict = open.mops.iter().any(|m| match m {
                    Mop::Append(k, _) => self.last_append[*k as usize] > at,
                    Mop::Read(_) => false,
                });
                if conflict {
                    self.event(open.process, "fail", &open.mops, None);
                    return;
                }
                // Reads see the elements committed by the snapshot, then this txn's appends.
                let mut own: Vec<(u64, u64)> = Vec::new();
                let reads: Vec<Option<Vec<u64>>> = open
                    .mops
                    .iter()
                    .map(|m| match m {
                        Mop::Read(k) => {
                            let k = *k as usize;
                            let n = self.stamps[k].partition_point(|&c| c <= at);
                            let mut list = self.lists[k][..n].to_vec();
                            list.extend(
                                own.iter().filter(|(ok, _)| *ok as usize == k).map(|p| p.1),
                            );
                            Some(list)
                        }
                        Mop::Append(k, v) => {
                            own.push((*k, *v));
                            None
                        }
                    })
                    .collect();
                self.commits += 1;
                for m in &open.mops {
                    if let Mop::Append(k, v) = m {
                        self.lists[*k as usize].push(*v);
                        self.stamps[*k as usize].push(self.commits);
                        self.last_append[*k as usize] = self.commits;
                    }
                }
                self.event(open.process, "ok", &open.mops, Some(&reads));
            }
        }
    }
}

/// A list-append history of `txns` transactions by `clients` clients, as native JSON lines.
pub fn history(db: Db, txns: usize, clients: usize, seed: u64) -> String {
    simulate(db, false, txns, clients, seed)
}

/// Like [`history`]; `register`: an rw-register history (the same database, writes for
/// appends, a read returning the last value written).
pub fn simulate(db: Db, register: bool, txns: usize, clients: usize, seed: u64) -> String {
    let mut sim = Sim {
        rng: ChaCha8Rng::seed_from_u64(seed),
        register,
        db,
        lists: Vec::new(),
        last_append: Vec::new(),
        stamps: Vec::new(),
        commits: 0,
        active: (0..KEYS as u64).collect(),
        next_key: KEYS as u64,
        clients: (0..clients).map(|_| None).collect(),
        processes: (0..clients as u64).collect(),
        next_process: clients as u64,
        out: String::with_capacity(txns * 200),
        index: 0,
        planned_counts: Vec::new(),
    };
    let mut invoked = 0;
    while invoked < txns || sim.clients.iter().any(Option::is_some) {
        let c = sim.rng.gen_range(0..clients);
        if sim.clients[c].is_some() {
            sim.complete(c);
        } else if invoked < txns {
            sim.invoke(c);
            invoked += 1;
        }
    }
    sim.out
}
