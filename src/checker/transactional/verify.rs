//! Re-verifying every reported cycle against the history before it is reported.
//!
//! Each step is re-derived from the transactions' micro-ops alone, with code independent of
//! the inference, graph and search code that found the cycle: a wr step needs the read and the
//! write; a list-append ww or rw step needs a read that shows the two elements in that order
//! (its content proven by the fingerprint taken when the line was parsed, so a wrongly built
//! trace is caught too); an rw-register order step needs the evidence its source names; process
//! and realtime steps need the processes and the history positions. The cycle must also be
//! simple and be the type it is reported as. A cycle that fails is a bug in splitbrain: the
//! check stops with [`CheckError::Harness`](crate::checker::CheckError::Harness) instead of
//! reporting it.

use super::case::{CycleCase, Evidence, Step};
use super::cycles::classify::{classify, RawCycle};
use super::extract::{pack, Writes, EMPTY_FINGERPRINT, NONE};
use super::infer::{PROCESS, REALTIME, RW, WR, WW};
use super::options::Workload;
use super::txn::{
    fold_fingerprint, value_fingerprint, AtomId, Mop, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN,
};
use crate::history::{Outcome, Value};

/// Checks `cycle` against the history; `Err` says which step failed and why.
pub fn verify(
    history: &TxnHistory,
    writes: &Writes,
    cycle: &CycleCase,
    named: bool,
) -> Result<(), String> {
    let n = cycle.txns.len();
    if n < 2 || cycle.steps.len() != n {
        return Err(format!(
            "a cycle of {n} transactions with {} steps",
            cycle.steps.len()
        ));
    }
    let mut sorted = cycle.txns.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err("the cycle visits a transaction twice".into());
    }
    let mut kinds = Vec::with_capacity(n);
    for (i, step) in cycle.steps.iter().enumerate() {
        let (a, b) = (cycle.txns[i], cycle.txns[(i + 1) % n]);
        if (step.from, step.to) != (a, b) {
            return Err(format!(
                "step {i} joins {} → {}, not {a} → {b}",
                step.from, step.to
            ));
        }
        if [a, b]
            .iter()
            .any(|&t| history.txns[t as usize].outcome == Outcome::Fail)
        {
            return Err(format!("step {i} involves a failed transaction"));
        }
        let check = Check { history, writes };
        check
            .step(step)
            .map_err(|why| format!("step {i} ({} from {a} to {b}): {why}", step.kind))?;
        kinds.push(match step.kind {
            "ww" => WW,
            "wr" => WR,
            "rw" => RW,
            "process" => PROCESS,
            _ => REALTIME,
        });
    }
    if named {
        let raw = RawCycle {
            txns: cycle.txns.clone(),
            kinds,
        };
        if classify(&raw) != Some(cycle.anomaly) {
            return Err(format!(
                "its edges make it a {:?}, not the {} it is reported as",
                classify(&raw),
                cycle.anomaly
            ));
        }
    }
    Ok(())
}

struct Check<'a> {
    history: &'a TxnHistory,
    writes: &'a Writes,
}

impl Check<'_> {
    fn mop(&self, t: u32, i: Option<usize>) -> Result<Mop, String> {
        let i = i.ok_or("no micro-op named")?;
        self.history
            .mops_of(&self.history.txns[t as usize])
            .get(i)
            .copied()
            .ok_or_else(|| format!("transaction {t} has no micro-op {i}"))
    }

    fn key_is(&self, m: &Mop, step: &Step) -> Result<(), String> {
        if Some(self.history.key(m.key)) != step.key.as_ref() {
            return Err("the micro-op is on another key".into());
        }
        Ok(())
    }

    fn value(&self, atom: AtomId) -> Value {
        self.history.atoms.value(atom)
    }

    /// A committed list read's elements, proven equal to what the history said.
    fn list(&self, t: u32, m: &Mop) -> Result<Vec<AtomId>, String> {
        if self.history.txns[t as usize].outcome != Outcome::Ok || !m.is_known_read() {
            return Err(format!(
                "transaction {t}'s micro-op is not a committed read"
            ));
        }
        let read = &self.history.reads[m.value as usize];
        let elements = self.history.list_elements(m.key, read).to_vec();
        let fingerprint = elements.iter().fold(EMPTY_FINGERPRINT, |h, &a| {
            fold_fingerprint(h, value_fingerprint(&self.value(a)))
        });
        if fingerprint != read.fingerprint {
            return Err(format!(
                "transaction {t}'s read resolves to a list that differs from the history's"
            ));
        }
        Ok(elements)
    }

    /// Whether the element's writer may have committed.
    fn counts(&self, key: u32, atom: AtomId) -> bool {
        self.writes.get(&pack(key, atom)).is_some_and(|w| {
            w.writer != NONE && self.history.txns[w.writer as usize].outcome != Outcome::Fail
        })
    }

    fn step(&self, step: &Step) -> Result<(), String> {
        let (a, b) = (step.from, step.to);
        let (ta, tb) = (
            &self.history.txns[a as usize],
            &self.history.txns[b as usize],
        );
        let list = self.history.workload == Some(Workload::ListAppend);
        match step.kind {
            "process" => {
                if ta.process != tb.process || ta.outcome != Outcome::Ok || ta.ret >= tb.call {
                    return Err("not successive transactions of one process".into());
                }
                Ok(())
            }
            "realtime" => {
                if ta.outcome != Outcome::Ok || ta.ret >= tb.call {
                    return Err("the first did not complete before the second began".into());
                }
                Ok(())
            }
            "wr" => {
                let w = self.mop(a, step.a_mop_index)?;
                let r = self.mop(b, step.b_mop_index)?;
                self.key_is(&w, step)?;
                self.key_is(&r, step)?;
                if !w.kind.is_write() || Some(&self.value(w.value)) != step.value.as_ref() {
                    return Err("the first does not write the value read".into());
                }
                let last = if list {
                    self.list(b, &r)?.last().map(|&x| self.value(x))
                } else if tb.outcome == Outcome::Ok && r.is_known_read() && r.value != READ_NIL {
                    Some(self.value(r.value))
                } else {
                    None
                };
                if last.as_ref() != step.value.as_ref() {
                    return Err("the read does not return that version".into());
                }
                Ok(())
            }
            "ww" | "rw" if list => self.list_order(step),
            "ww" | "rw" => self.register_order(step),
            other => Err(format!("unknown step kind {other}")),
        }
    }

    /// list-append ww and rw: the evidence read shows the order.
    fn list_order(&self, step: &Step) -> Result<(), String> {
        let (a, b) = (step.from, step.to);
        let second = self.mop(b, step.b_mop_index)?;
        self.key_is(&second, step)?;
        if second.kind != MopKind::Append || Some(&self.value(second.value)) != step.value2.as_ref()
        {
            return Err("the second does not append value'".into());
        }
        // What the first wrote or read: the prefix the order must continue.
        let first = self.mop(a, step.a_mop_index)?;
        self.key_is(&first, step)?;
        let prefix: Vec<AtomId> = if step.kind == "ww" {
            if first.kind != MopKind::Append
                || Some(&self.value(first.value)) != step.value.as_ref()
            {
                return Err("the first does not append value".into());
            }
            vec![first.value]
        } else {
            let read = self.list(a, &first)?;
            if read.last().map(|&x| self.value(x)) != step.value {
                return Err("the first's read does not end in value".into());
            }
            read
        };
        let (t, i, unobserved) = match step.evidence {
            Some(Evidence::Read { txn, mop }) => (txn, mop, false),
            Some(Evidence::Unobserved { txn, mop }) => (txn, mop, true),
            _ => return Err("no read named as evidence".into()),
        };
        let shown = self.list(t, &self.mop(t, Some(i))?)?;
        // Where the order continues in the evidence read: after the prefix (rw) or after the
        // first's element (ww).
        let from = if step.kind == "ww" {
            shown
                .iter()
                .position(|&x| x == prefix[0])
                .ok_or("the evidence does not show value")?
                + 1
        } else {
            if shown.len() < prefix.len() || shown[..prefix.len()] != prefix[..] {
                return Err("the evidence does not extend the read".into());
            }
            prefix.len()
        };
        let key = second.key;
        let between_end = if unobserved {
            let w = self.writes.get(&pack(key, second.value));
            if w.is_none_or(|w| w.pos != NONE) || shown.contains(&second.value) {
                return Err("value' shows in a read".into());
            }
            if shown.len() != self.history.traces[key as usize].len() {
                return Err("the evidence is not the longest read".into());
            }
            shown.len()
        } else {
            shown
                .iter()
                .position(|&x| x == second.value)
                .ok_or("the evidence does not show value'")?
        };
        if between_end < from {
            return Err("the evidence shows them in the other order".into());
        }
        if shown[from..between_end]
            .iter()
            .any(|&x| self.counts(key, x))
        {
            return Err("a committed append lies between them".into());
        }
        Ok(())
    }

    /// rw-register ww and rw: the version order between value and value' has its evidence.
    fn register_order(&self, step: &Step) -> Result<(), String> {
        let (a, b) = (step.from, step.to);
        let first = self.mop(a, step.a_mop_index)?;
        let second = self.mop(b, step.b_mop_index)?;
        self.key_is(&first, step)?;
        self.key_is(&second, step)?;
        let atom_of = |v: &Value| -> u32 {
            if v.is_nil() {
                READ_NIL
            } else {
                // The atom of a value read or written in this history is its interned id.
                match (first.value, second.value) {
                    (x, _) if x != READ_NIL && x != READ_UNKNOWN && self.value(x) == *v => x,
                    (_, y) if self.value(y) == *v => y,
                    _ => READ_UNKNOWN,
                }
            }
        };
        let v1 = step.value.as_ref().map_or(READ_UNKNOWN, atom_of);
        let v2 = second.value;
        let first_ok = match step.kind {
            "ww" => first.kind == MopKind::Write && first.value == v1,
            _ => {
                first.kind == MopKind::Read
                    && self.history.txns[a as usize].outcome == Outcome::Ok
                    && first.value == v1
            }
        };
        if !first_ok
            || second.kind != MopKind::Write
            || Some(&self.value(v2)) != step.value2.as_ref()
        {
            return Err("the micro-ops do not hold the versions named".into());
        }
        let accesses = |t: u32, v: u32| {
            let txn = &self.history.txns[t as usize];
            self.history.mops_of(txn).iter().any(|m| {
                m.key == first.key
                    && m.value == v
                    && (m.kind.is_write()
                        || (txn.outcome == Outcome::Ok && m.value != READ_UNKNOWN))
            })
        };
        let ok = match step.evidence {
            Some(Evidence::Initial) => v1 == READ_NIL,
            Some(Evidence::WithinTxn { txn }) => {
                let t = &self.history.txns[txn as usize];
                let mops = self.history.mops_of(t);
                let seen = mops
                    .iter()
                    .position(|m| m.key == first.key && m.value == v1);
                let wrote = mops
                    .iter()
                    .rposition(|m| m.kind == MopKind::Write && m.key == first.key && m.value == v2);
                t.outcome == Outcome::Ok && matches!((seen, wrote), (Some(s), Some(w)) if s < w)
            }
            Some(Evidence::SequentialKeys { from, to }) => {
                let (x, y) = (
                    &self.history.txns[from as usize],
                    &self.history.txns[to as usize],
                );
                x.process == y.process && x.call < y.call && accesses(from, v1) && accesses(to, v2)
            }
            Some(Evidence::LinearizableKeys { from, to }) => {
                let (x, y) = (
                    &self.history.txns[from as usize],
                    &self.history.txns[to as usize],
                );
                x.outcome == Outcome::Ok && x.ret < y.call && accesses(from, v1) && accesses(to, v2)
            }
            _ => false,
        };
        if !ok {
            return Err("its evidence does not show value before value'".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::transactional::case::Case;
    use crate::checker::transactional::{check, Transactions, TxnOptions};
    use crate::history::{Event, EventKind, History};

    fn txn(events: &mut Vec<Event>, p: u64, mops: Value) {
        for kind in [EventKind::Invoke, EventKind::Ok] {
            let mut e = Event::new(p, kind, "txn", mops.clone());
            e.line = events.len() as u32 + 1;
            events.push(e);
        }
    }

    fn mop(f: &str, k: &str, v: Value) -> Value {
        Value::list(vec![Value::str(f), Value::str(k), v])
    }

    /// A G0: x = [1, 2] but y = [2, 1].
    fn g0() -> History {
        let mut events = Vec::new();
        txn(
            &mut events,
            0,
            Value::list(vec![
                mop("append", "x", 1.into()),
                mop("append", "y", 1.into()),
            ]),
        );
        txn(
            &mut events,
            1,
            Value::list(vec![
                mop("append", "x", 2.into()),
                mop("append", "y", 2.into()),
            ]),
        );
        let read = |xs: &[i64]| Value::list(xs.iter().map(|&x| Value::Int(x)).collect::<Vec<_>>());
        txn(
            &mut events,
            2,
            Value::list(vec![
                mop("r", "x", read(&[1, 2])),
                mop("r", "y", read(&[2, 1])),
            ]),
        );
        History::new(events)
    }

    fn reported(history: &History) -> (Transactions, CycleCase) {
        let report = check(history, &TxnOptions::default()).unwrap();
        let Some(Case::Cycle(cycle)) = report.anomalies.values().flatten().next().cloned() else {
            panic!("a cycle: {report:#?}")
        };
        (
            Transactions::from_history(history, None, None).unwrap(),
            cycle,
        )
    }

    #[test]
    fn reported_cycles_pass_re_verification() {
        let (txns, cycle) = reported(&g0());
        verify(&txns.history, &txns.writes, &cycle, true).unwrap();
    }

    #[test]
    fn a_corrupted_cycle_fails_re_verification_loudly() {
        let (txns, cycle) = reported(&g0());
        let v = |c: &CycleCase| verify(&txns.history, &txns.writes, c, true);
        // An edge pointed the wrong way.
        let mut flipped = cycle.clone();
        flipped.steps[0].value2 = flipped.steps[0].value.clone();
        assert!(v(&flipped).unwrap_err().contains("step 0"));
        // A step that claims the wrong kind.
        let mut kind = cycle.clone();
        kind.steps[1].kind = "wr";
        assert!(v(&kind).is_err());
        // A cycle reported as a type it is not.
        let mut named = cycle.clone();
        named.anomaly = crate::checker::transactional::Anomaly::G1c;
        assert!(v(&named).unwrap_err().contains("not the G1c"));
        // A wrongly resolved read: the trace says x = [2, 1] where the history said [1, 2].
        let mut corrupt = Transactions::from_history(&g0(), None, None).unwrap();
        corrupt.history.traces[0].swap(0, 1);
        assert!(verify(&corrupt.history, &corrupt.writes, &cycle, true)
            .unwrap_err()
            .contains("differs from the history's"));
    }
}
