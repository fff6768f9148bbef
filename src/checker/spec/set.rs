//! `set`: a grow-only set. `add v` inserts; `read` returns every element, in any order.

use std::collections::BTreeSet;

use super::{Entry, Lifted, Spec, Violation};
use crate::history::{Op, Outcome, Value};

/// A set operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// Insert this element.
    Add(Value),
    /// A read that returned exactly these elements.
    Read(BTreeSet<Value>),
}

/// The set spec; starts empty.
#[derive(Clone, Copy, Debug, Default)]
pub struct Set;

impl Spec for Set {
    type State = BTreeSet<Value>;
    type Op = SetOp;

    fn init(&self) -> BTreeSet<Value> {
        BTreeSet::new()
    }

    fn lift(&self, op: &Op) -> Result<Lifted<SetOp>, String> {
        Ok(match (&*op.f, op.outcome) {
            ("read", Outcome::Ok) => {
                let elements = match &op.output {
                    Value::Nil => BTreeSet::new(),
                    v => v
                        .as_list()
                        .ok_or_else(|| format!("read expects a list of elements, found {v}"))?
                        .iter()
                        .cloned()
                        .collect(),
                };
                Lifted::Required(SetOp::Read(elements))
            }
            ("read", _) | ("add", Outcome::Fail) => Lifted::Ignore,
            ("add", Outcome::Ok) => Lifted::Required(SetOp::Add(op.input.clone())),
            ("add", _) => Lifted::Optional(SetOp::Add(op.input.clone())),
            (f, _) => return Err(super::unknown_function("set", f, &["add", "read"])),
        })
    }

    fn step(&self, state: &BTreeSet<Value>, op: &SetOp) -> Option<BTreeSet<Value>> {
        match op {
            SetOp::Add(v) => {
                let mut next = state.clone();
                next.insert(v.clone());
                Some(next)
            }
            SetOp::Read(seen) => (seen == state).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    /// Sets only grow: a read needs every element the state has, and adds still ahead of it
    /// for every element the state lacks.
    fn reachable(&self, state: &BTreeSet<Value>, op: &SetOp, before: &[&SetOp]) -> bool {
        let SetOp::Read(seen) = op else { return true };
        state.is_subset(seen)
            && seen
                .difference(state)
                .all(|v| before.iter().any(|b| matches!(b, SetOp::Add(a) if a == v)))
    }

    fn state_heap_bytes(&self, state: &BTreeSet<Value>) -> usize {
        state.len() * 2 * std::mem::size_of::<Value>()
    }

    fn describe_state(&self, state: &BTreeSet<Value>) -> String {
        let items: Vec<String> = state.iter().map(|v| v.to_string()).collect();
        format!("#{{{}}}", items.join(", "))
    }

    /// A read may only contain elements whose add was invoked before the read returned.
    fn precheck(&self, entries: &[Entry<SetOp>]) -> Option<Violation> {
        let first_add = super::earliest_producers(entries, |op| match op {
            SetOp::Add(v) => Some(v),
            _ => None,
        });
        for (i, e) in entries.iter().enumerate() {
            let SetOp::Read(seen) = &e.op else { continue };
            if e.optional {
                continue;
            }
            for v in seen {
                match first_add.get(v) {
                    None => {
                        return Some(Violation {
                            entries: vec![i],
                            reason: format!("read contains {v}, which no operation added"),
                        })
                    }
                    Some(&(call, add)) if call > e.ret => {
                        return Some(Violation {
                            entries: vec![i, add],
                            reason: format!(
                                "read contains {v}, but every add of {v} began after the read \
                                 returned"
                            ),
                        })
                    }
                    _ => {}
                }
            }
        }
        None
    }
}
