//! Shrinking a disagreement to a small history that still shows it, by deleting operations one
//! at a time while the same kind of problem remains (1-minimal, like delta debugging's last
//! round).

use splitbrain::history::{pair, Event, EventKind, Op, Outcome, NEVER};

use super::compare::compare;
use crate::reference::{brute_force_by_key, Spec};

/// The kind of a problem report: the text before its first colon (`verdict`, `witness`, ...),
/// and for witness problems the method the engine used.
fn kind(problems: &[String]) -> Option<String> {
    let first = problems.first()?;
    let mut kind = first.split(':').next().unwrap_or(first).to_string();
    if let Some(method) = problems.iter().find_map(|p| p.split("(method ").nth(1)) {
        kind.push_str(method.split(',').next().unwrap_or(method));
    }
    Some(kind)
}

/// Events for `ops`: each invocation at its call, each `ok`/`fail` completion at its return;
/// `info` operations are left open (which means the same). Positions are renumbered, their order
/// kept.
pub fn to_events(ops: &[Op]) -> Vec<Event> {
    let mut timed: Vec<(u64, Event)> = Vec::new();
    for op in ops {
        let event = |kind, value: &_| {
            let event = Event::new(op.process, kind, &op.f, Clone::clone(value));
            match &op.key {
                Some(key) => event.with_key(key.clone()),
                None => event,
            }
        };
        timed.push((op.call, event(EventKind::Invoke, &op.input)));
        match op.outcome {
            Outcome::Ok if op.ret != NEVER => {
                timed.push((op.ret, event(EventKind::Ok, &op.output)))
            }
            Outcome::Fail => timed.push((op.ret, event(EventKind::Fail, &op.output))),
            _ => {}
        }
    }
    timed.sort_by_key(|(position, _)| *position);
    timed.into_iter().map(|(_, event)| event).collect()
}

/// The problems comparing `events` finds, if it pairs.
fn problems(spec: Spec, events: &[Event], fast_paths: bool) -> Vec<String> {
    let Ok(ops) = pair(events.iter().cloned(), None) else {
        return Vec::new();
    };
    compare(spec, &ops, &brute_force_by_key(spec, &ops), fast_paths).problems
}

/// A smallest-by-deletion history of `ops` on which comparing still finds the same kind of
/// problem, as events.
pub fn shrink(spec: Spec, ops: &[Op], fast_paths: bool) -> Vec<Event> {
    let original = problems(spec, &to_events(ops), fast_paths);
    let Some(wanted) = kind(&original) else {
        return to_events(ops);
    };
    let mut current = ops.to_vec();
    let mut i = 0;
    while i < current.len() {
        let mut smaller = current.clone();
        smaller.remove(i);
        if kind(&problems(spec, &to_events(&smaller), fast_paths)).as_ref() == Some(&wanted) {
            current = smaller;
        } else {
            i += 1;
        }
    }
    to_events(&current)
}
