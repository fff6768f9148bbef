//! Pairing invocations with completions, as `history/pairing.rs` does (same rules, same
//! messages), keeping only the compact transaction; and which micro-ops a transaction keeps:
//! an `ok` completion's (checked against its invocation's writes), otherwise the invocation's.

use super::{Extractor, Mode, Open, PENDING};
use crate::checker::transactional::txn::{Mop, Txn};
use crate::history::{Event, EventKind, HistoryError, Outcome, Process, NEVER};

impl Extractor {
    /// Adds the next event (by reference: values are read, not kept).
    pub fn push_ref(&mut self, event: &Event) -> Result<(), HistoryError> {
        let position = self.position;
        self.position += 1;
        if let Some(index) = event.index {
            if let Some((last, last_line)) = self.last_index {
                if index <= last {
                    return Err(self.error(
                        event.line,
                        format!(
                            "index {index} does not follow index {last} (line {last_line}); \
                             expected events in history order with strictly increasing indices"
                        ),
                    ));
                }
            }
            self.last_index = Some((index, event.line));
        }
        let Process::Client(process) = event.process else {
            return Ok(());
        };
        match event.kind {
            EventKind::Invoke => self.invoke(process, position, event),
            kind => self.complete(process, position, kind, event),
        }
    }

    /// Adds the next event.
    pub fn push(&mut self, event: Event) -> Result<(), HistoryError> {
        self.push_ref(&event)
    }

    fn invoke(&mut self, process: u64, position: u64, event: &Event) -> Result<(), HistoryError> {
        if let Some(open) = self.open.get(&process) {
            let t = &self.hist.txns[open.number];
            return Err(self.error(
                event.line,
                format!(
                    "process {process} invokes {} while its {} from line {} is still open; \
                     expected a completion (ok, fail or info) for process {process} first",
                    event.f, open.f, t.lines.0
                ),
            ));
        }
        let mut mops = self.pool.pop().unwrap_or_default();
        mops.clear();
        let number = self.hist.txns.len();
        self.parse(event, Mode::Invoke, number as u32, &mut mops)?;
        self.hist.txns.push(Txn {
            process,
            outcome: Outcome::Info,
            call: position,
            ret: NEVER,
            mops: PENDING,
            lines: (event.line, 0),
        });
        self.hist.set_index(number, false, event.index);
        self.open.insert(
            process,
            Open {
                number,
                mops,
                f: event.f.clone(),
            },
        );
        Ok(())
    }

    fn complete(
        &mut self,
        process: u64,
        position: u64,
        kind: EventKind,
        event: &Event,
    ) -> Result<(), HistoryError> {
        let Some(open) = self.open.remove(&process) else {
            return Err(self.error(
                event.line,
                format!(
                    "{kind} {} for process {process}, which has no open invocation; expected an \
                     invoke by process {process} before its completion",
                    event.f
                ),
            ));
        };
        let invoke_line = self.hist.txns[open.number].lines.0;
        if open.f != event.f {
            return Err(self.error(
                event.line,
                format!(
                    "process {process} completes {} but invoked {} at line {invoke_line}; \
                     expected the same function",
                    event.f, open.f
                ),
            ));
        }
        let number = open.number;
        self.hist.set_index(number, true, event.index);
        {
            let t = &mut self.hist.txns[number];
            t.lines.1 = event.line;
            match kind {
                EventKind::Ok => (t.outcome, t.ret) = (Outcome::Ok, position),
                EventKind::Fail => (t.outcome, t.ret) = (Outcome::Fail, position),
                // An info completion says only "we don't know": open forever.
                _ => {}
            }
        }
        let uses_completion = match kind {
            EventKind::Ok => true,
            EventKind::Fail => event.value.as_list().is_some(),
            _ => false,
        };
        if uses_completion {
            let start = self.hist.mops.len() as u32;
            let mode = if kind == EventKind::Ok {
                Mode::Ok
            } else {
                Mode::Fail
            };
            let mut mops = std::mem::take(&mut self.hist.mops);
            let parsed = self.parse(event, mode, number as u32, &mut mops);
            self.hist.mops = mops;
            parsed?;
            self.same_writes(&open.mops, start, invoke_line, event.line)?;
            self.hist.txns[number].mops = start..self.hist.mops.len() as u32;
        } else {
            self.close_with_invocation(number, &open.mops);
        }
        self.pool.push(open.mops);
        Ok(())
    }

    pub(super) fn close_with_invocation(&mut self, number: usize, invoked: &[Mop]) {
        let start = self.hist.mops.len() as u32;
        self.hist.mops.extend_from_slice(invoked);
        self.hist.txns[number].mops = start..self.hist.mops.len() as u32;
    }

    /// A completion's writes must be its invocation's (reads may be filled in).
    fn same_writes(
        &self,
        invoked: &[Mop],
        start: u32,
        invoke_line: u32,
        line: u32,
    ) -> Result<(), HistoryError> {
        let completed = &self.hist.mops[start as usize..];
        let differs = invoked.len() != completed.len()
            || invoked.iter().zip(completed).any(|(a, b)| {
                a.kind != b.kind || a.key != b.key || (a.kind.is_write() && a.value != b.value)
            });
        if differs {
            return Err(self.error(
                line,
                format!(
                    "the completion's micro-ops differ from its invocation's (line {invoke_line}); \
                     expected the same micro-ops, with only read results filled in"
                ),
            ));
        }
        Ok(())
    }
}
