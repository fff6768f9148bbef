//! Extracting transactions from a history, one event at a time, into a [`TxnHistory`].
//!
//! Events stream in (from a file reader or a [`History`](crate::history::History)); the micro-ops
//! are parsed here, as they arrive, and the parsed values are dropped. List reads are resolved
//! against their key's trace on the spot.
//!
//! Pairing follows the rules of `history/pairing.rs` (one open invocation per process, a
//! completion names the invoked function, `index` strictly increasing, nemesis events take a
//! position, an invocation never completed is `info`) with the same messages, but keeps only
//! the compact [`Txn`]: the generic [`Pairer`](crate::history::Pairer) keeps a whole `Op` per
//! operation, ~180 bytes, which at 10^6 transactions is most of the memory a check needs.
//!
//! Jepsen's meaning of outcomes: `ok` committed (its completion's micro-ops, reads filled in, are
//! used); `fail` definitely did not happen (its writes feed G1a and dirty-update); `info` may have
//! happened (its invocation's writes are used; its reads are unknown and never used as facts, so
//! an `info` completion's value is ignored).
//!
//! Map: here, micro-op parsing and the checks on it; `extract/pairing.rs`, events into
//! transactions; `extract/flat.rs`, the flat formats' transactions (Plume, AWDIT) taken whole,
//! with no events; `extract/trace.rs`, list reads against their key's trace; `extract/writes.rs`,
//! the write index (who wrote each value).
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

mod flat;
mod pairing;
mod trace;
mod writes;

pub use writes::Writes;

use super::options::Workload;
use super::txn::{AtomId, KeyId, ListRead, Mop, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN};
use crate::history::{Event, HistoryError, Location, Value};

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

/// An invocation waiting for its completion.
struct Open {
    /// Its transaction number.
    number: usize,
    /// The invocation's micro-ops.
    mops: Vec<Mop>,
    /// The invoked function.
    f: Arc<str>,
}

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
    hist: TxnHistory,
    /// Position of the next event.
    position: u64,
    /// The last `index` seen, and its line.
    last_index: Option<(u64, u32)>,
    /// Every write: `pack(key, atom)` → who wrote it, where it sits in the trace.
    writes: Writes,
    key_ids: HashMap<Value, KeyId>,
    /// The flat formats' small integer keys: key → id ([`NONE`] when not yet seen).
    flat_keys: Vec<KeyId>,
    /// Open invocations per process.
    open: HashMap<u64, Open>,
    pool: Vec<Vec<Mop>>,
    key_type: Option<(&'static str, u32, Value)>,
    value_type: Option<(std::mem::Discriminant<Value>, u32, Value)>,
    scratch: Vec<AtomId>,
    /// Where the workload was decided, for the mixed-workload error.
    decided_at: u32,
}

impl Extractor {
    /// An extractor for a history of `workload` (inferred when `None`); errors name `file`.
    pub fn new(workload: Option<Workload>, file: Option<Arc<Path>>) -> Extractor {
        Extractor {
            given: workload,
            position: 0,
            last_index: None,
            hist: TxnHistory {
                workload,
                file: file.clone(),
                ..TxnHistory::default()
            },
            file,
            writes: Writes::default(),
            key_ids: HashMap::new(),
            flat_keys: Vec::new(),
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
                    self.record_write(key, atom, number, line, &|| mop.to_string())?;
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
        let kind = std::mem::discriminant(value);
        match &self.value_type {
            Some((k, _, _)) if *k == kind => Ok(()),
            None => {
                self.value_type = Some((kind, line, value.clone()));
                Ok(())
            }
            Some((_, first, example)) => Err(self.error(
                line,
                format!(
                    "{} {value} is a {}, but value {example} on line {first} is a {}; expected \
                     values of one type (Elle's type sanity check)",
                    if element { "element" } else { "value" },
                    type_name(value),
                    type_name(example)
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
        mop: &dyn Fn() -> String,
    ) -> Result<(), HistoryError> {
        let entry = self.writes.slot(pack(key, atom));
        if entry.writer != NONE {
            let other = entry.writer;
            return Err(self.error(
                line,
                format!(
                    "{} writes a value already written to that key by the transaction invoked as \
                     number {} in this history; expected each value written to a key at most once",
                    crate::history::excerpt(&mop()),
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
        self.writes.slot(pack(key, atom));
    }

    /// The extracted history, and the write index (`pack(key, atom)` → writer, trace position).
    pub fn finish(mut self) -> (TxnHistory, Writes) {
        let open: Vec<_> = self.open.drain().map(|(_, o)| o).collect();
        for o in open {
            self.close_with_invocation(o.number, &o.mops);
        }
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
