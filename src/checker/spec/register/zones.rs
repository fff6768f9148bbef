//! Registers whose written values are unique: Gibbons–Korach read-mapping zones, O(n log n).
//!
//! When every write's value is unique, each read names the write it observed (its *dictating*
//! write). Group each write with its reads into a *cluster*; let `f` be the earliest completion
//! in the cluster and `s` the latest invocation. If `f < s` the cluster has a *forward zone*
//! `(f, s)`: the value must stay in the register from before `f` until after `s`. Otherwise it
//! has a *backward zone* `[s, f]`: the whole cluster can happen at one instant inside it.
//! The history is linearizable iff
//! 1. no read returns before its dictating write is invoked,
//! 2. no two forward zones overlap, and
//! 3. no backward zone lies inside a forward zone.
//!
//! (Gibbons & Korach, "Testing Shared Memories", SIAM J. Comput. 26(4), 1997; the zone
//! formulation of Anderson et al., HotDep 2010, and Golab, Li & Shah, PODC 2011.)
//! The initial value `nil` is a virtual write that completes before the history begins.
//! Operations with an unknown outcome are writes that return at +∞. This is checked against a
//! brute-force reference in the differential tests.

use hashbrown::HashMap;

use crate::checker::spec::{Entry, FastVerdict, RegisterOp, Violation};
use crate::history::{Value, NEVER};

struct Cluster {
    /// Entry index of the write, `None` for the initial value.
    writer: Option<usize>,
    reads: Vec<usize>,
    /// Earliest completion (shifted: 0 is before the history).
    f: u64,
    /// Latest invocation (shifted).
    s: u64,
    /// Entry with the latest invocation (the one that pins the zone's right end).
    s_entry: Option<usize>,
}

fn shift(p: u64) -> u64 {
    if p == NEVER {
        NEVER
    } else {
        p + 1
    }
}

/// Decides a read/write register history with unique written values, or returns `None` when
/// the history is not of that shape (it has cas, or a value is written twice, or `nil` is).
pub fn check_register(entries: &[Entry<RegisterOp>]) -> Option<FastVerdict> {
    let mut clusters = vec![Cluster {
        writer: None,
        reads: Vec::new(),
        f: 0,
        s: 0,
        s_entry: None,
    }];
    let mut by_value: HashMap<&Value, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        match &e.op {
            RegisterOp::Write(v) => {
                if v.is_nil() || by_value.contains_key(v) {
                    return None;
                }
                by_value.insert(v, clusters.len());
                clusters.push(Cluster {
                    writer: Some(i),
                    reads: Vec::new(),
                    f: shift(e.ret),
                    s: shift(e.call),
                    s_entry: Some(i),
                });
            }
            RegisterOp::Read(_) => {}
            RegisterOp::Cas(..) | RegisterOp::CasFailed(_) => return None,
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let RegisterOp::Read(v) = &e.op else { continue };
        if e.optional {
            continue;
        }
        let c = if v.is_nil() {
            0
        } else {
            match by_value.get(v) {
                Some(&c) => c,
                None => {
                    return Some(FastVerdict::Invalid(Violation {
                        entries: vec![i],
                        reason: format!("read of {v}, a value no operation wrote"),
                    }))
                }
            }
        };
        let cluster = &mut clusters[c];
        if let Some(w) = cluster.writer {
            if e.ret < entries[w].call {
                return Some(FastVerdict::Invalid(Violation {
                    entries: vec![i, w],
                    reason: format!("read of {v} returned before the write of {v} began"),
                }));
            }
        }
        cluster.reads.push(i);
        cluster.f = cluster.f.min(shift(e.ret));
        if shift(e.call) > cluster.s {
            cluster.s = shift(e.call);
            cluster.s_entry = Some(i);
        }
    }

    let members =
        |c: &Cluster| -> Vec<usize> { c.writer.iter().chain(&c.reads).copied().collect() };
    let mut forward: Vec<usize> = (0..clusters.len())
        .filter(|&c| clusters[c].f < clusters[c].s)
        .collect();
    forward.sort_by_key(|&c| clusters[c].f);
    for pair in forward.windows(2) {
        let (a, b) = (&clusters[pair[0]], &clusters[pair[1]]);
        if b.f < a.s {
            let mut involved = vec![a.s_entry.unwrap_or(0)];
            involved.extend(members(a));
            involved.extend(members(b));
            involved.dedup();
            return Some(FastVerdict::Invalid(Violation {
                entries: dedup(involved),
                reason: "two values must each have stayed in the register over overlapping \
                         intervals"
                    .into(),
            }));
        }
    }
    for (c, cluster) in clusters.iter().enumerate() {
        if cluster.f < cluster.s || (cluster.writer.is_none() && cluster.reads.is_empty()) {
            continue;
        }
        // The forward zone starting last before this backward zone starts is the only one that
        // can contain it: forward zones are disjoint by now.
        let k = forward.partition_point(|&a| clusters[a].f < cluster.s);
        if k == 0 {
            continue;
        }
        let a = &clusters[forward[k - 1]];
        if cluster.f < a.s {
            let mut involved = vec![a.s_entry.unwrap_or(0)];
            involved.extend(members(a));
            involved.extend(members(&clusters[c]));
            return Some(FastVerdict::Invalid(Violation {
                entries: dedup(involved),
                reason: "a value was read after another write had overwritten it".into(),
            }));
        }
    }
    Some(FastVerdict::Valid)
}

fn dedup(entries: Vec<usize>) -> Vec<usize> {
    let mut seen = hashbrown::HashSet::new();
    entries.into_iter().filter(|e| seen.insert(*e)).collect()
}
