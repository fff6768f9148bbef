//! From a closed walk to named simple cycles.
//!
//! A search returns a closed walk over local vertices, completion vertices included. Here the
//! completion vertices are folded into single realtime steps, the walk is split into simple
//! cycles (every edge lands in exactly one), and each cycle is classified the way Elle's
//! `cycle-explainer` does: by its count of rw edges (one: G-single; several: G2 if two are
//! adjacent, else G-nonadjacent), else wr (G1c), else ww (G0); `-realtime` if it has a realtime
//! step, else `-process` if it has a process step.

use hashbrown::HashMap;

use super::super::anomaly::Anomaly;
use super::super::infer::{PROCESS, REALTIME, RW, WR, WW};
use super::bfs::Walk;
use super::spec::{anomaly, Family, Variant};
use super::sub::Sub;

/// A cycle of transactions: `txns[i] → txns[(i + 1) % len]` by an edge of kind `kinds[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCycle {
    /// Transaction numbers.
    pub txns: Vec<u32>,
    /// One kind per step.
    pub kinds: Vec<u8>,
}

/// Folds completion vertices: `a → c1 → ... → ck → b` becomes one realtime step `a → b`.
pub fn collapse(sub: &Sub, walk: &Walk) -> RawCycle {
    // Start at a transaction so every step starts at one.
    let first = walk
        .iter()
        .position(|&(v, _)| sub.txn[v as usize])
        .unwrap_or(0);
    let n = walk.len();
    let mut txns = Vec::new();
    let mut kinds = Vec::new();
    let mut i = 0;
    while i < n {
        let (v, k) = walk[(first + i) % n];
        if sub.txn[v as usize] {
            txns.push(sub.global[v as usize]);
            kinds.push(k);
        } else if let Some(last) = kinds.last_mut() {
            // Inside a completion chain: the step it belongs to is realtime.
            *last = REALTIME;
        }
        i += 1;
    }
    RawCycle { txns, kinds }
}

/// Splits a closed walk into simple cycles.
pub fn simple_cycles(walk: &RawCycle) -> Vec<RawCycle> {
    let n = walk.txns.len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut stack: Vec<(u32, u8)> = Vec::new();
    let mut pos: HashMap<u32, usize> = HashMap::new();
    for i in 0..=n {
        let v = walk.txns[i % n];
        if let Some(&p) = pos.get(&v) {
            let cycle: Vec<(u32, u8)> = stack.drain(p..).collect();
            for (w, _) in &cycle {
                pos.remove(w);
            }
            out.push(RawCycle {
                txns: cycle.iter().map(|c| c.0).collect(),
                kinds: cycle.iter().map(|c| c.1).collect(),
            });
        }
        if i < n {
            pos.insert(v, stack.len());
            stack.push((v, walk.kinds[i]));
        }
    }
    out
}

/// The anomaly a simple cycle is an instance of.
pub fn classify(cycle: &RawCycle) -> Option<Anomaly> {
    let count = |k: u8| cycle.kinds.iter().filter(|&&x| x == k).count();
    let rw = count(RW);
    let n = cycle.kinds.len();
    let adjacent = (0..n).any(|i| cycle.kinds[i] == RW && cycle.kinds[(i + 1) % n] == RW);
    let family = if rw == 1 {
        Family::GSingle
    } else if rw > 1 && adjacent {
        Family::G2
    } else if rw > 1 {
        Family::GNonadjacent
    } else if count(WR) > 0 {
        Family::G1c
    } else if count(WW) > 0 {
        Family::G0
    } else {
        return None;
    };
    let variant = if count(REALTIME) > 0 {
        Variant::Realtime
    } else if count(PROCESS) > 0 {
        Variant::Process
    } else {
        Variant::Base
    };
    Some(anomaly(family, variant))
}

/// Rotates a cycle so it starts at its lowest transaction number (stable output).
pub fn normalize(mut cycle: RawCycle) -> RawCycle {
    if let Some(min) = (0..cycle.txns.len()).min_by_key(|&i| cycle.txns[i]) {
        cycle.txns.rotate_left(min);
        cycle.kinds.rotate_left(min);
    }
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_eight_splits_into_two_simple_cycles() {
        // 1 → 2 → 1 → 3 → 1
        let walk = RawCycle {
            txns: vec![1, 2, 1, 3],
            kinds: vec![WW, WR, RW, WW],
        };
        let cycles = simple_cycles(&walk);
        assert_eq!(cycles.len(), 2);
        assert_eq!(classify(&cycles[0]), Some(Anomaly::G1c));
        assert_eq!(classify(&cycles[1]), Some(Anomaly::GSingleItem));
    }

    #[test]
    fn classification_follows_elle() {
        let c = |kinds: Vec<u8>| {
            classify(&RawCycle {
                txns: (0..kinds.len() as u32).collect(),
                kinds,
            })
        };
        assert_eq!(c(vec![WW, WW]), Some(Anomaly::G0));
        assert_eq!(c(vec![WW, PROCESS]), Some(Anomaly::G0Process));
        assert_eq!(c(vec![WR, REALTIME, PROCESS]), Some(Anomaly::G1cRealtime));
        assert_eq!(c(vec![RW, RW]), Some(Anomaly::G2Item));
        assert_eq!(c(vec![RW, WR, RW, WR]), Some(Anomaly::GNonadjacentItem));
        assert_eq!(c(vec![RW, WR, PROCESS]), Some(Anomaly::GSingleItemProcess));
    }
}
