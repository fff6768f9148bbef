//! Pairing: turns a stream of events into [`Op`]s.
//!
//! Rules (Jepsen's, shared by Knossos and Porcupine):
//! - a client process has at most one operation in flight; its next `ok`/`fail`/`info` completes
//!   it, and must name the same function (and key, if it names one);
//! - an invocation still open when the history ends is treated like an `info` completion: it may
//!   have happened, at any time after it was invoked;
//! - nemesis events are counted (they occupy a position) but never paired;
//! - when events carry Jepsen's `index`, it must increase strictly.
//!
//! Positions are the events' order in the file: checking is driven by that order, never by the
//! `time` field (which is informational and may come from skewed clocks).

use hashbrown::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::by_key::{Functions, KeyGroups, Paired};
use super::{
    Event, EventKind, HistoryError, Location, Op, OpSource, Outcome, Process, Value, NEVER,
};

/// Incremental pairing of events into operations, so large histories never need every event in
/// memory at once.
#[derive(Debug, Default)]
pub struct Pairer {
    file: Option<Arc<Path>>,
    ops: Vec<Op>,
    /// Open invocation per process: index into `ops`.
    pending: HashMap<u64, usize>,
    position: u64,
    last_index: Option<(u64, u32)>,
    /// With [`Pairer::grouping`]: the operations' keys and functions, noted as they are invoked.
    grouped: Option<(KeyGroups, Functions)>,
}

impl Pairer {
    /// A pairer whose errors name `file`.
    pub fn new(file: Option<Arc<Path>>) -> Pairer {
        Pairer {
            file,
            ..Pairer::default()
        }
    }

    /// A pairer that also groups the operations by key and notes their functions as they come
    /// (see [`Pairer::finish_grouped`]).
    pub fn grouping(file: Option<Arc<Path>>) -> Pairer {
        Pairer {
            file,
            grouped: Some(Default::default()),
            ..Pairer::default()
        }
    }

    fn at(&self, line: u32) -> Location {
        Location::new(self.file.as_ref(), line, 0)
    }

    /// Adds the next event.
    ///
    /// The event is taken apart here, and only its fields move on: the main thread of a parallel
    /// read pairs every event of the file, and copying whole events between calls was a tenth of
    /// its time.
    #[inline]
    pub fn push(&mut self, event: Event) -> Result<(), HistoryError> {
        let Event {
            index,
            process,
            kind,
            f,
            key,
            value,
            error,
            line,
            ..
        } = event;
        let position = self.position;
        self.position += 1;
        if let Some(index) = index {
            if let Some((last, last_line)) = self.last_index {
                if index <= last {
                    return Err(HistoryError::malformed(
                        self.at(line),
                        format!(
                            "index {index} does not follow index {last} (line {last_line}); \
                             expected events in history order with strictly increasing indices"
                        ),
                    ));
                }
            }
            self.last_index = Some((index, line));
        }
        let process = match process {
            Process::Nemesis => return Ok(()),
            Process::Client(p) => p,
        };
        let half = Half {
            f,
            key,
            value,
            index,
            line,
        };
        match kind {
            EventKind::Invoke => self.invoke(process, position, half),
            kind => self.complete(process, position, kind, half, error),
        }
    }

    #[inline]
    fn invoke(&mut self, process: u64, position: u64, half: Half) -> Result<(), HistoryError> {
        if let Some(&open) = self.pending.get(&process) {
            let open_line = self.ops[open].source.invoke_line;
            return Err(HistoryError::malformed(
                self.at(half.line),
                format!(
                    "process {process} invokes {} while its {} from line {open_line} is still \
                     open; expected a completion (ok, fail or info) for process {process} first",
                    half.f, self.ops[open].f
                ),
            ));
        }
        self.pending.insert(process, self.ops.len());
        if let Some((keys, functions)) = &mut self.grouped {
            keys.push(&half.key);
            functions.push(&half.f);
        }
        self.ops.push(Op {
            process,
            f: half.f,
            key: half.key,
            input: half.value,
            output: Value::Nil,
            outcome: Outcome::Info,
            call: position,
            ret: NEVER,
            source: OpSource {
                invoke_line: half.line,
                invoke_index: half.index,
                ..OpSource::default()
            },
        });
        Ok(())
    }

    #[inline]
    fn complete(
        &mut self,
        process: u64,
        position: u64,
        kind: EventKind,
        half: Half,
        error: Option<Value>,
    ) -> Result<(), HistoryError> {
        let Some(open) = self.pending.remove(&process) else {
            return Err(HistoryError::malformed(
                self.at(half.line),
                format!(
                    "{kind} {} for process {process}, which has no open invocation; expected an \
                     invoke by process {process} before its completion",
                    half.f
                ),
            ));
        };
        let op = &mut self.ops[open];
        if op.f != half.f {
            return Err(HistoryError::malformed(
                Location::new(self.file.as_ref(), half.line, 0),
                format!(
                    "process {process} completes {} but invoked {} at line {}; expected the same \
                     function",
                    half.f, op.f, op.source.invoke_line
                ),
            ));
        }
        if let (Some(invoked), Some(completed)) = (&op.key, &half.key) {
            if invoked != completed {
                return Err(HistoryError::malformed(
                    Location::new(self.file.as_ref(), half.line, 0),
                    format!(
                        "process {process} completes on key {completed} but invoked on key \
                         {invoked} at line {}; expected the same key",
                        op.source.invoke_line
                    ),
                ));
            }
        }
        op.source.complete_line = half.line;
        op.source.complete_index = half.index;
        op.source.error = error.map(Box::new);
        match kind {
            EventKind::Ok => {
                op.outcome = Outcome::Ok;
                op.output = half.value;
                op.ret = position;
            }
            EventKind::Fail => {
                op.outcome = Outcome::Fail;
                op.output = half.value;
                op.ret = position;
            }
            // The completion only says "we don't know": the op stays concurrent with everything
            // after its invocation.
            EventKind::Info => op.outcome = Outcome::Info,
            EventKind::Invoke => unreachable!("invocations are handled by `invoke`"),
        }
        Ok(())
    }

    /// Makes room for `additional` more operations up front: a large history's operations are
    /// then written once, not copied again at every doubling of the vector (whose fresh pages the
    /// kernel must also zero), all on the one thread that pairs.
    pub fn reserve(&mut self, additional: usize) {
        self.ops.reserve(additional);
    }

    /// The operations, in invocation order. Invocations never completed are `info`.
    pub fn finish(self) -> Vec<Op> {
        self.ops
    }

    /// The operations with their grouping; grouped now if this pairer was not made with
    /// [`Pairer::grouping`].
    pub fn finish_grouped(self) -> Paired {
        match self.grouped {
            Some((keys, functions)) => Paired {
                ops: self.ops,
                keys,
                functions,
            },
            None => Paired::new(self.ops),
        }
    }
}

/// What pairing needs of an event beyond its process, type and error.
struct Half {
    f: Arc<str>,
    key: Option<Value>,
    value: Value,
    index: Option<u64>,
    line: u32,
}

/// Pairs a whole sequence of events.
pub fn pair(
    events: impl IntoIterator<Item = Event>,
    file: Option<Arc<Path>>,
) -> Result<Vec<Op>, HistoryError> {
    let mut pairer = Pairer::new(file);
    for event in events {
        pairer.push(event)?;
    }
    Ok(pairer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(p: u64, kind: EventKind, f: &str, v: Value) -> Event {
        Event::new(p, kind, f, v)
    }

    #[test]
    fn completion_pairs_with_the_open_invocation_of_its_process() {
        let ops = pair(
            [
                ev(0, EventKind::Invoke, "write", 1.into()),
                ev(1, EventKind::Invoke, "read", Value::Nil),
                ev(0, EventKind::Ok, "write", 1.into()),
                ev(1, EventKind::Ok, "read", 1.into()),
            ],
            None,
        )
        .unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!((ops[0].call, ops[0].ret), (0, 2));
        assert_eq!(
            (ops[1].call, ops[1].ret, ops[1].output.clone()),
            (1, 3, 1.into())
        );
    }

    #[test]
    fn info_completion_leaves_the_operation_open_forever() {
        let ops = pair(
            [
                ev(0, EventKind::Invoke, "write", 1.into()),
                ev(0, EventKind::Info, "write", 1.into()),
            ],
            None,
        )
        .unwrap();
        assert_eq!(ops[0].outcome, Outcome::Info);
        assert_eq!(ops[0].ret, NEVER);
    }

    #[test]
    fn unfinished_invocation_is_indefinite() {
        let ops = pair([ev(0, EventKind::Invoke, "write", 1.into())], None).unwrap();
        assert_eq!(ops[0].outcome, Outcome::Info);
    }

    #[test]
    fn rejects_a_second_invocation_while_one_is_open() {
        let err = pair(
            [
                ev(0, EventKind::Invoke, "write", 1.into()),
                ev(0, EventKind::Invoke, "read", Value::Nil),
            ],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("still open"), "{err}");
    }

    #[test]
    fn rejects_a_completion_without_invocation() {
        let err = pair([ev(3, EventKind::Ok, "read", 1.into())], None).unwrap_err();
        assert!(err.to_string().contains("no open invocation"), "{err}");
    }

    #[test]
    fn rejects_a_completion_of_another_function() {
        let err = pair(
            [
                ev(0, EventKind::Invoke, "write", 1.into()),
                ev(0, EventKind::Ok, "read", 1.into()),
            ],
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("expected the same function"),
            "{err}"
        );
    }

    #[test]
    fn rejects_indices_that_go_backwards() {
        let mut a = ev(0, EventKind::Invoke, "write", 1.into());
        a.index = Some(5);
        let mut b = ev(0, EventKind::Ok, "write", 1.into());
        b.index = Some(5);
        let err = pair([a, b], None).unwrap_err();
        assert!(err.to_string().contains("strictly increasing"), "{err}");
    }

    #[test]
    fn nemesis_events_take_a_position_but_are_not_operations() {
        let mut nemesis = ev(0, EventKind::Info, "start-partition", Value::Nil);
        nemesis.process = Process::Nemesis;
        let ops = pair(
            [
                ev(0, EventKind::Invoke, "write", 1.into()),
                nemesis,
                ev(0, EventKind::Ok, "write", 1.into()),
            ],
            None,
        )
        .unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].ret, 2);
    }
}
