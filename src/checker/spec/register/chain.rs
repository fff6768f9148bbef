//! Compare-and-set over unique values: the version chain, O(n log n).
//!
//! When every state change is a `cas [old new]` with a unique `new`, the order of versions is
//! forced: `nil → v1 → v2 → …`, each `cas` naming its predecessor. Give the cas that installs
//! version `i` the rank `2i` and every read of version `i` the rank `2i + 1`; a linearization
//! exists iff no operation that completed before another was invoked has a higher rank than it
//! (reads of one version may share a rank). This is the version-order check of fast-jepsen
//! (rystsov/fast-jepsen) in sorted form.

use hashbrown::HashMap;

use crate::checker::spec::{Entry, FastVerdict, RegisterOp, Violation};
use crate::history::Value;

/// Decides a cas/read register history whose versions form one chain, or returns `None` when
/// the history is not of that shape.
pub fn check_register(entries: &[Entry<RegisterOp>]) -> Option<FastVerdict> {
    let mut successors: HashMap<&Value, Vec<usize>> = HashMap::new();
    let mut produced: HashMap<&Value, usize> = HashMap::new();
    let mut any_cas = false;
    for (i, e) in entries.iter().enumerate() {
        match &e.op {
            RegisterOp::Cas(old, new) => {
                any_cas = true;
                if new.is_nil() || produced.insert(new, i).is_some() {
                    return None;
                }
                successors.entry(old).or_default().push(i);
            }
            RegisterOp::Read(_) => {}
            RegisterOp::Write(_) | RegisterOp::CasFailed(_) => return None,
        }
    }
    if !any_cas {
        return None;
    }

    // Walk the chain from the initial value.
    let mut version: HashMap<&Value, usize> = HashMap::new();
    let mut installer: Vec<Option<usize>> = vec![None];
    let mut current = &Value::Nil;
    version.insert(current, 0);
    while let Some(next) = successors.get(current) {
        let required: Vec<usize> = next
            .iter()
            .copied()
            .filter(|&i| !entries[i].optional)
            .collect();
        if required.len() >= 2 {
            return Some(FastVerdict::Invalid(Violation {
                entries: required[..2].to_vec(),
                reason: format!(
                    "two compare-and-sets from {current} both succeeded, but {current} was \
                     installed only once"
                ),
            }));
        }
        if next.len() > 1 {
            return None; // an optional cas competes with another: the order is not forced
        }
        let i = next[0];
        let RegisterOp::Cas(_, new) = &entries[i].op else {
            unreachable!()
        };
        if version.contains_key(new) {
            return None;
        }
        version.insert(new, installer.len());
        installer.push(Some(i));
        current = new;
    }

    // Rank every required operation; find the last version anything needs.
    let mut ranked: Vec<(usize, u64)> = Vec::new();
    let mut needed = 0;
    for (i, e) in entries.iter().enumerate() {
        if e.optional {
            continue;
        }
        let (v, is_read) = match &e.op {
            RegisterOp::Read(v) => (v, true),
            RegisterOp::Cas(_, new) => (new, false),
            _ => unreachable!(),
        };
        let Some(&k) = version.get(v) else {
            return Some(FastVerdict::Invalid(Violation {
                entries: vec![i],
                reason: format!(
                    "{} {v}, which the chain of compare-and-sets never reaches",
                    if is_read { "read of" } else { "cas installing" }
                ),
            }));
        };
        needed = needed.max(k);
        ranked.push((i, 2 * k as u64 + u64::from(is_read)));
    }
    // Optional cas up to the last needed version must have happened.
    for (k, inst) in installer.iter().enumerate().take(needed + 1) {
        if let Some(i) = *inst {
            if entries[i].optional {
                ranked.push((i, 2 * k as u64));
            }
        }
    }

    let mut by_return: Vec<(u64, usize, u64)> = ranked
        .iter()
        .map(|&(i, rank)| (entries[i].ret, i, rank))
        .collect();
    by_return.sort_unstable();
    let mut by_call = ranked;
    by_call.sort_unstable_by_key(|&(i, _)| entries[i].call);
    let mut done = 0;
    let mut highest: Option<(u64, usize)> = None;
    for &(b, rank_b) in &by_call {
        while done < by_return.len() && by_return[done].0 < entries[b].call {
            let (_, a, rank_a) = by_return[done];
            if highest.is_none_or(|(r, _)| rank_a > r) {
                highest = Some((rank_a, a));
            }
            done += 1;
        }
        if let Some((rank_a, a)) = highest {
            if rank_a > rank_b {
                return Some(FastVerdict::Invalid(Violation {
                    entries: vec![b, a],
                    reason: "an operation observed an older version than one that had already \
                             completed before it began"
                        .into(),
                }));
            }
        }
    }
    Some(FastVerdict::Valid)
}
