//! Extracting transactions from a history, one event at a time, into a [`TxnHistory`].
//!
//! Events stream in (from a file reader or a [`History`](crate::history::History)); the generic
//! pairing rules ([`Pairer`]) run on a value-less copy of each event, so the rules and their error
//! messages are the history module's; the micro-ops are parsed here, as they arrive, and the
//! parsed values are dropped. List reads are resolved against their key's trace on the spot.
//!
//! Jepsen's meaning of outcomes: `ok` committed (its completion's micro-ops, reads filled in, are
//! used); `fail` definitely did not happen (its writes feed G1a and dirty-update); `info` may have
//! happened (its invocation's writes are used; its reads are unknown and never used as facts, so
//! an `info` completion's value is ignored).
//!
//! Assumptions Elle makes and we enforce, each violation an error naming the line: every
//! micro-op is `[f k v]` with `f` one of `r`, `append` (list-append) or `w` (rw-register); one
//! workload per history; every key of one type and every value of one type (Elle's type sanity
//! check); each value appended (written) to a key at most once, and never `nil`; an `ok`
//! completion carries the same writes as its invocation.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use hashbrown::HashMap;

use super::options::Workload;
use super::txn::{
    fold_fingerprint, value_fingerprint, AtomId, KeyId, ListRead, Mop, MopKind, OddRead, OddWhy,
    Txn, TxnHistory, READ_NIL, READ_UNKNOWN,
};
use crate::history::{Event, EventKind, HistoryError, Location, Pairer, Process, Value};

/// Fingerprint of an empty list.
pub const EMPTY_FINGERPRINT: u64 = 0x5a5a_5a5a_5a5a_5a5a;

/// `(key, atom)` packed, for the write index.
pub fn pack(key: KeyId, atom: AtomId) -> u64 {
    (key as u64) << 32 | atom as u64
}

/// Where a written (or read) value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// The transaction that wrote it ([`NONE`] if none did: a garbage read).
    pub writer: u32,
    /// List-append: its position in the key's trace ([`NONE`] if no read showed it).
    pub pos: u32,
}

/// "No such transaction / position".
pub const NONE: u32 = u32::MAX;

const PENDING: Range<u32> = u32::MAX..u32::MAX;

/// How a micro-op list is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An invocation: reads unknown, writes recorded as the transaction's.
    Invoke,
    /// An `ok` completion: reads are facts.
    Ok,
    /// A `fail` completion: reads unknown.
    Fail,
}

/// The rough type of a key or value, for Elle's type sanity check.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "float",
        Value::Str(_) => "string",
        Value::Keyword(_) => "keyword",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
    }
}

/// Streams events into a [`TxnHistory`].
pub struct Extractor {
    given: Option<Workload>,
    file: Option<Arc<Path>>,
    pairer: Pairer,
    hist: TxnHistory,
    /// Every write: `pack(key, atom)` → who wrote it, where it sits in the trace.
    writes: HashMap<u64, Written>,
    key_ids: HashMap<Value, KeyId>,
    /// Micro-op range per invocation number, filled when the transaction completes.
    done: Vec<Range<u32>>,
    /// Open invocations per process: invocation number, its micro-ops, its line.
    open: HashMap<u64, (usize, Vec<Mop>, u32)>,
    pool: Vec<Vec<Mop>>,
    key_type: Option<(&'static str, u32, Value)>,
    value_type: Option<(&'static str, u32, Value)>,
    scratch: Vec<AtomId>,
    /// Where the workload was decided, for the mixed-workload error.
    decided_at: u32,
}

impl Extractor {
    /// An extractor for a history of `workload` (inferred when `None`); errors name `file`.
    pub fn new(workload: Option<Workload>, file: Option<Arc<Path>>) -> Extractor {
        Extractor {
            given: workload,
            pairer: Pairer::new(file.clone()),
            hist: TxnHistory {
                workload,
                file: file.clone(),
                ..TxnHistory::default()
            },
            file,
            writes: HashMap::new(),
            key_ids: HashMap::new(),
            done: Vec::new(),
            open: HashMap::new(),
            pool: Vec::new(),
            key_type: None,
            value_type: None,
            scratch: Vec::new(),
            decided_at: 0,
        }
    }

    fn error(&self, line: u32, problem: impl Into<String>) -> HistoryError {
        HistoryError::malformed(Location::new(self.file.as_ref(), line, 0), problem)
    }

    /// Adds the next event (by reference: values are read, not kept).
    pub fn push_ref(&mut self, event: &Event) -> Result<(), HistoryError> {
        self.pairer.push(Event {
            index: event.index,
            time: event.time,
            process: event.process,
            kind: event.kind,
            f: event.f.clone(),
            key: event.key.clone(),
            value: Value::Nil,
            error: None,
            extra: Vec::new(),
            line: event.line,
        })?;
        self.after_pairing(event)
    }

    /// Adds the next event.
    pub fn push(&mut self, mut event: Event) -> Result<(), HistoryError> {
        let value = std::mem::replace(&mut event.value, Value::Nil);
        event.extra = Vec::new();
        event.error = None;
        self.pairer.push(event.clone())?;
        event.value = value;
        self.after_pairing(&event)
    }

    /// The pairing rules accepted `event`; record its micro-ops.
    fn after_pairing(&mut self, event: &Event) -> Result<(), HistoryError> {
        let Process::Client(process) = event.process else {
            return Ok(());
        };
        match event.kind {
            EventKind::Invoke => {
                let mut mops = self.pool.pop().unwrap_or_default();
                mops.clear();
                let number = self.done.len();
                self.parse(event, Mode::Invoke, number as u32, &mut mops)?;
                self.done.push(PENDING);
                self.open.insert(process, (number, mops, event.line));
            }
            EventKind::Ok | EventKind::Fail => {
                let Some((number, invoked, invoke_line)) = self.open.remove(&process) else {
                    return Ok(()); // unreachable: the pairer checked
                };
                let start = self.hist.mops.len() as u32;
                let uses_completion =
                    event.kind == EventKind::Ok || event.value.as_list().is_some();
                if uses_completion {
                    let mode = if event.kind == EventKind::Ok {
                        Mode::Ok
                    } else {
                        Mode::Fail
                    };
                    let mut mops = std::mem::take(&mut self.hist.mops);
                    let parsed = self.parse(event, mode, number as u32, &mut mops);
                    self.hist.mops = mops;
                    parsed?;
                    self.same_writes(&invoked, start, invoke_line, event.line)?;
                } else {
                    self.hist.mops.extend_from_slice(&invoked);
                }
                self.done[number] = start..self.hist.mops.len() as u32;
                self.pool.push(invoked);
            }
            EventKind::Info => {
                if let Some((number, invoked, _)) = self.open.remove(&process) {
                    self.close_with_invocation(number, &invoked);
                    self.pool.push(invoked);
                }
            }
        }
        Ok(())
    }

    fn close_with_invocation(&mut self, number: usize, invoked: &[Mop]) {
        let start = self.hist.mops.len() as u32;
        self.hist.mops.extend_from_slice(invoked);
        self.done[number] = start..self.hist.mops.len() as u32;
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

    /// Parses `event.value` as a transaction into `out`.
    fn parse(
        &mut self,
        event: &Event,
        mode: Mode,
        number: u32,
        out: &mut Vec<Mop>,
    ) -> Result<(), HistoryError> {
        let line = event.line;
        let Some(mops) = event.value.as_list() else {
            return Err(self.error(
                line,
                format!(
                    "expected a transaction (a list of micro-ops such as [\"append\", 1, 2] or \
                     [\"r\", 1, [2]]) as the value, found {}",
                    crate::history::excerpt(&event.value.to_string())
                ),
            ));
        };
        for (i, mop) in mops.iter().enumerate() {
            let parsed = self.parse_mop(mop, mode, number, line, i)?;
            out.push(parsed);
        }
        Ok(())
    }

    fn parse_mop(
        &mut self,
        mop: &Value,
        mode: Mode,
        number: u32,
        line: u32,
        i: usize,
    ) -> Result<Mop, HistoryError> {
        let parts = mop.as_list().unwrap_or(&[]);
        let kind = match parts.first().and_then(Value::as_text) {
            Some("r") => Some(MopKind::Read),
            Some("append") => Some(MopKind::Append),
            Some("w") => Some(MopKind::Write),
            _ => None,
        };
        let arity_ok = match kind {
            Some(MopKind::Read) => parts.len() == 2 || parts.len() == 3,
            Some(_) => parts.len() == 3,
            None => false,
        };
        let Some(kind) = kind.filter(|_| arity_ok) else {
            return Err(self.error(
                line,
                format!(
                    "micro-op {} is {}; expected [\"r\", key, value], [\"append\", key, value] or \
                     [\"w\", key, value]",
                    i + 1,
                    crate::history::excerpt(&mop.to_string())
                ),
            ));
        };
        let key = self.key(&parts[1], line)?;
        let value = parts.get(2).unwrap_or(&Value::Nil);
        match kind {
            MopKind::Append | MopKind::Write => {
                let workload = if kind == MopKind::Append {
                    Workload::ListAppend
                } else {
                    Workload::RwRegister
                };
                self.decide(workload, line, mop)?;
                if value.is_nil() {
                    return Err(self.error(
                        line,
                        format!(
                            "micro-op {} writes nil to key {}; expected a value (nil is the \
                             initial state)",
                            i + 1,
                            parts[1]
                        ),
                    ));
                }
                self.check_type(value, line, false)?;
                let atom = self.hist.atoms.intern(value);
                if mode == Mode::Invoke {
                    self.record_write(key, atom, number, line, mop)?;
                }
                Ok(Mop {
                    kind,
                    key,
                    value: atom,
                })
            }
            MopKind::Read => {
                let value = if mode != Mode::Ok {
                    READ_UNKNOWN
                } else if value.is_nil() {
                    READ_NIL
                } else if let (Some(items), false) = (
                    value.as_list(),
                    self.hist.workload == Some(Workload::RwRegister),
                ) {
                    self.decide(Workload::ListAppend, line, mop)?;
                    self.list_read(key, items, line)?
                } else {
                    self.decide(Workload::RwRegister, line, mop)?;
                    self.check_type(value, line, false)?;
                    let atom = self.hist.atoms.intern(value);
                    self.note_read(key, atom);
                    atom
                };
                Ok(Mop { kind, key, value })
            }
        }
    }

    /// Fixes the workload, or checks the micro-op agrees with it.
    fn decide(&mut self, workload: Workload, line: u32, mop: &Value) -> Result<(), HistoryError> {
        match self.hist.workload {
            None => {
                self.hist.workload = Some(workload);
                self.decided_at = line;
                Ok(())
            }
            Some(w) if w == workload => Ok(()),
            Some(w) => {
                let why = match self.given {
                    Some(_) => "was given".to_string(),
                    None => format!("was inferred from line {}", self.decided_at),
                };
                Err(self.error(
                    line,
                    format!(
                        "micro-op {} belongs to the {workload} workload, but the history's \
                         workload {why} as {w}; expected one workload per history",
                        crate::history::excerpt(&mop.to_string())
                    ),
                ))
            }
        }
    }

    fn key(&mut self, key: &Value, line: u32) -> Result<KeyId, HistoryError> {
        if let Some(&id) = self.key_ids.get(key) {
            return Ok(id);
        }
        match &self.key_type {
            None => self.key_type = Some((type_name(key), line, key.clone())),
            Some((t, first, example)) if *t != type_name(key) => {
                return Err(self.error(
                    line,
                    format!(
                        "key {key} is a {}, but key {example} on line {first} is a {t}; expected \
                         keys of one type (Elle's type sanity check)",
                        type_name(key)
                    ),
                ))
            }
            Some(_) => {}
        }
        let id = self.hist.keys.len() as KeyId;
        self.hist.keys.push(key.clone());
        self.hist.traces.push(Vec::new());
        self.key_ids.insert(key.clone(), id);
        Ok(id)
    }

    fn check_type(&mut self, value: &Value, line: u32, element: bool) -> Result<(), HistoryError> {
        match &self.value_type {
            Some((t, _, _)) if *t == type_name(value) => Ok(()),
            None => {
                self.value_type = Some((type_name(value), line, value.clone()));
                Ok(())
            }
            Some((t, first, example)) => Err(self.error(
                line,
                format!(
                    "{} {value} is a {}, but value {example} on line {first} is a {t}; expected \
                     values of one type (Elle's type sanity check)",
                    if element { "element" } else { "value" },
                    type_name(value)
                ),
            )),
        }
    }

    fn record_write(
        &mut self,
        key: KeyId,
        atom: AtomId,
        number: u32,
        line: u32,
        mop: &Value,
    ) -> Result<(), HistoryError> {
        let entry = self.writes.entry(pack(key, atom)).or_insert(Written {
            writer: NONE,
            pos: NONE,
        });
        if entry.writer != NONE {
            let other = entry.writer;
            return Err(self.error(
                line,
                format!(
                    "{} writes a value already written to that key by the transaction invoked as \
                     number {} in this history; expected each value written to a key at most once",
                    crate::history::excerpt(&mop.to_string()),
                    other + 1
                ),
            ));
        }
        entry.writer = number;
        Ok(())
    }

    /// A register read: remember the value exists (a read of a never-written value is a garbage
    /// read, found later).
    fn note_read(&mut self, key: KeyId, atom: AtomId) {
        self.writes.entry(pack(key, atom)).or_insert(Written {
            writer: NONE,
            pos: NONE,
        });
    }

    /// Resolves an `ok` list read against the key's trace; returns its index in `reads`.
    fn list_read(&mut self, key: KeyId, items: &[Value], line: u32) -> Result<u32, HistoryError> {
        let mut atoms = std::mem::take(&mut self.scratch);
        atoms.clear();
        let mut fingerprint = EMPTY_FINGERPRINT;
        for item in items {
            self.check_type(item, line, true)?;
            atoms.push(self.hist.atoms.intern(item));
            fingerprint = fold_fingerprint(fingerprint, value_fingerprint(item));
        }
        let trace = &self.hist.traces[key as usize];
        let common = atoms
            .iter()
            .zip(trace.iter())
            .take_while(|(a, b)| a == b)
            .count();
        let read = if common == atoms.len() {
            ListRead {
                len: atoms.len() as u32,
                odd: None,
                fingerprint,
            }
        } else if common == trace.len() && self.fresh(key, &atoms[common..]) {
            for (i, &atom) in atoms.iter().enumerate().skip(common) {
                let w = self.writes.entry(pack(key, atom)).or_insert(Written {
                    writer: NONE,
                    pos: NONE,
                });
                w.pos = i as u32;
            }
            self.hist.traces[key as usize].extend_from_slice(&atoms[common..]);
            ListRead {
                len: atoms.len() as u32,
                odd: None,
                fingerprint,
            }
        } else {
            let mut sorted = atoms.clone();
            sorted.sort_unstable();
            let why = if sorted.windows(2).any(|w| w[0] == w[1]) {
                OddWhy::Duplicates
            } else {
                OddWhy::Incompatible
            };
            self.hist.odd.push(OddRead {
                key,
                elements: atoms.clone(),
                why,
            });
            ListRead {
                len: 0,
                odd: Some(self.hist.odd.len() as u32 - 1),
                fingerprint,
            }
        };
        self.scratch = atoms;
        self.hist.reads.push(read);
        Ok(self.hist.reads.len() as u32 - 1)
    }

    /// Whether `new` (elements extending the trace) are all distinct and not yet in the trace.
    fn fresh(&self, key: KeyId, new: &[AtomId]) -> bool {
        let in_trace = |a: &AtomId| {
            self.writes
                .get(&pack(key, *a))
                .is_some_and(|w| w.pos != NONE)
        };
        if new.iter().any(in_trace) {
            return false;
        }
        let mut sorted = new.to_vec();
        sorted.sort_unstable();
        !sorted.windows(2).any(|w| w[0] == w[1])
    }

    /// The extracted history, and the write index (`pack(key, atom)` → writer, trace position).
    pub fn finish(mut self) -> (TxnHistory, HashMap<u64, Written>) {
        let open: Vec<_> = self.open.drain().collect();
        for (_, (number, invoked, _)) in open {
            self.close_with_invocation(number, &invoked);
        }
        let ops = self.pairer.finish();
        self.hist.txns = ops
            .iter()
            .zip(&self.done)
            .map(|(op, mops)| Txn {
                process: op.process,
                outcome: op.outcome,
                call: op.call,
                ret: op.ret,
                mops: mops.clone(),
                lines: (op.source.invoke_line, op.source.complete_line),
                indices: (op.source.invoke_index, op.source.complete_index),
            })
            .collect();
        if self.hist.workload.is_none() && !self.hist.txns.is_empty() {
            // Only nil reads: nothing tells the workloads apart, and both read nil the same way.
            self.hist.workload = Some(Workload::ListAppend);
        }
        if self.hist.workload == Some(Workload::ListAppend) {
            for mop in &mut self.hist.mops {
                if mop.kind == MopKind::Read && mop.value == READ_NIL {
                    self.hist.reads.push(ListRead {
                        len: 0,
                        odd: None,
                        fingerprint: EMPTY_FINGERPRINT,
                    });
                    mop.value = self.hist.reads.len() as u32 - 1;
                }
            }
        }
        (self.hist, self.writes)
    }
}
