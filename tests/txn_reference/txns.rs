//! A history as the reference sees it: transactions of micro-ops over interned keys and elements.
//!
//! Every operation's value is a list of micro-ops `[f k v]`, with `f` one of `append`, `w`, `r`
//! (a keyword or a string). A write is identified by its key and value, which must be unique:
//! that is what lets a read name the write it saw. A read's result counts only in an `ok`
//! transaction; elsewhere it is unknown. Written values a read returns that no operation wrote
//! become elements without a writer (garbage).

use std::collections::HashMap;

use splitbrain::history::{History, Op, Outcome, Value, NEVER};

use super::RefError;

/// The data type the micro-ops act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Lists: `append` adds an element, `r` returns the whole list (`nil` is the empty list).
    List,
    /// Registers: `w` replaces the value, `r` returns it (`nil` before the first write).
    Register,
}

/// How a transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Committed.
    Ok,
    /// Definitely did not commit.
    Fail,
    /// Committed or not; its reads are unknown.
    Info,
}

/// A micro-op, with keys and elements interned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mop {
    /// `append k v` or `w k v`: writes element `elem`.
    Write {
        /// The key.
        key: usize,
        /// The element written.
        elem: usize,
    },
    /// `r k ...`: what it returned, when known (`ok` transactions only). For a list the elements
    /// in order; for a register zero elements (nil) or one.
    Read {
        /// The key.
        key: usize,
        /// The result, when known.
        seen: Option<Vec<usize>>,
    },
}

/// One transaction.
#[derive(Clone, Debug)]
pub struct Txn {
    /// How it ended.
    pub status: Status,
    /// Position of its invocation in the history.
    pub call: u64,
    /// Position of its completion; [`NEVER`] for `info` (it may take effect any time later).
    pub ret: u64,
    /// Its micro-ops, in order.
    pub mops: Vec<Mop>,
    /// The client process (its session).
    pub process: u64,
}

impl Txn {
    /// The elements it writes to `key`, in order.
    pub fn writes_to(&self, key: usize) -> impl Iterator<Item = usize> + '_ {
        self.mops.iter().filter_map(move |mop| match mop {
            Mop::Write { key: k, elem } if *k == key => Some(*elem),
            _ => None,
        })
    }

    /// Whether it writes `key`.
    pub fn writes(&self, key: usize) -> bool {
        self.writes_to(key).next().is_some()
    }

    /// Whether it must have happened before `other` in real time: it completed before `other`
    /// was invoked.
    pub fn precedes(&self, other: &Txn) -> bool {
        self.ret != NEVER && self.ret < other.call
    }
}

/// Who wrote an element: the transaction and the micro-op's index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Writer {
    /// The transaction.
    pub txn: usize,
    /// The micro-op.
    pub mop: usize,
}

/// A parsed history.
#[derive(Clone, Debug)]
pub struct Txns {
    /// List or register.
    pub kind: Kind,
    /// The transactions, in order of invocation.
    pub txns: Vec<Txn>,
    /// Number of distinct keys.
    pub keys: usize,
    /// Per element, its writer (`None`: a value no operation wrote).
    pub writers: Vec<Option<Writer>>,
}

/// Transactions beyond this many are refused: the searches index them with 64-bit sets.
pub const MAX_TXNS: usize = 64;

/// Raw micro-op before interning.
struct RawMop<'v> {
    f: &'v str,
    key: &'v Value,
    value: &'v Value,
}

fn raw_mops(value: &Value) -> Result<Vec<RawMop<'_>>, RefError> {
    let malformed = || {
        RefError::Malformed(format!(
            "expected a list of [f k v] micro-ops, found {value}"
        ))
    };
    let items = value.as_list().ok_or_else(malformed)?;
    items
        .iter()
        .map(|mop| match mop.as_list() {
            Some([f, key, value]) => match f.as_text() {
                Some(f @ ("append" | "w" | "r")) => Ok(RawMop { f, key, value }),
                _ => Err(RefError::Malformed(format!("unknown micro-op {mop}"))),
            },
            _ => Err(malformed()),
        })
        .collect()
}

/// Interning tables while parsing.
#[derive(Default)]
struct Interner {
    keys: HashMap<Value, usize>,
    elems: HashMap<(usize, Value), usize>,
    writers: Vec<Option<Writer>>,
}

impl Interner {
    fn key(&mut self, key: &Value) -> usize {
        let next = self.keys.len();
        *self.keys.entry(key.clone()).or_insert(next)
    }

    fn elem(&mut self, key: usize, value: &Value) -> usize {
        let next = self.writers.len();
        let id = *self.elems.entry((key, value.clone())).or_insert(next);
        if id == next {
            self.writers.push(None);
        }
        id
    }
}

impl Txns {
    /// Parses `history`: pairs its events and interns its micro-ops.
    pub fn parse(history: &History) -> Result<Txns, RefError> {
        let ops = history
            .ops(None)
            .map_err(|e| RefError::Malformed(e.to_string()))?;
        if ops.len() > MAX_TXNS {
            return Err(RefError::TooLarge(ops.len()));
        }
        let kind = kind_of(&ops)?;
        let mut interner = Interner::default();
        let mut txns = Vec::with_capacity(ops.len());
        // Writes first, so every read can name its writer.
        for (t, op) in ops.iter().enumerate() {
            for (m, mop) in raw_mops(&op.input)?.iter().enumerate() {
                if mop.f != "r" {
                    let key = interner.key(mop.key);
                    let elem = interner.elem(key, mop.value);
                    if interner.writers[elem].is_some() {
                        return Err(RefError::Malformed(format!(
                            "value {} is written to key {} twice",
                            mop.value, mop.key
                        )));
                    }
                    interner.writers[elem] = Some(Writer { txn: t, mop: m });
                }
            }
        }
        for op in &ops {
            txns.push(parse_txn(op, kind, &mut interner)?);
        }
        Ok(Txns {
            kind,
            txns,
            keys: interner.keys.len(),
            writers: interner.writers,
        })
    }

    /// The transaction that wrote `elem`, if any.
    pub fn writer(&self, elem: usize) -> Option<usize> {
        self.writers[elem].map(|w| w.txn)
    }
}

/// List if anything appends or reads a list; register if anything writes with `w` or reads a
/// value; both is an error. A history of nil reads only is a register history.
fn kind_of(ops: &[Op]) -> Result<Kind, RefError> {
    let (mut list, mut register) = (false, false);
    for op in ops {
        for value in [&op.input, &op.output] {
            if value.is_nil() {
                continue;
            }
            for mop in raw_mops(value)? {
                match (mop.f, mop.value) {
                    ("append", _) | ("r", Value::List(_)) => list = true,
                    ("w", _) => register = true,
                    ("r", v) if !v.is_nil() => register = true,
                    _ => {}
                }
            }
        }
    }
    match (list, register) {
        (true, true) => Err(RefError::Malformed(
            "a history mixes list and register micro-ops".into(),
        )),
        (true, false) => Ok(Kind::List),
        _ => Ok(Kind::Register),
    }
}

fn parse_txn(op: &Op, kind: Kind, interner: &mut Interner) -> Result<Txn, RefError> {
    let status = match op.outcome {
        Outcome::Ok => Status::Ok,
        Outcome::Fail => Status::Fail,
        Outcome::Info => Status::Info,
    };
    let invoked = raw_mops(&op.input)?;
    let completed = if status == Status::Ok {
        let completed = raw_mops(&op.output)?;
        let same = completed.len() == invoked.len()
            && invoked
                .iter()
                .zip(&completed)
                .all(|(a, b)| a.f == b.f && a.key == b.key && (a.f == "r" || a.value == b.value));
        if !same {
            return Err(RefError::Malformed(format!(
                "completion {} does not match invocation {}",
                op.output, op.input
            )));
        }
        Some(completed)
    } else {
        None
    };
    let mut mops = Vec::with_capacity(invoked.len());
    for (m, mop) in invoked.iter().enumerate() {
        let key = interner.key(mop.key);
        if mop.f != "r" {
            mops.push(Mop::Write {
                key,
                elem: interner.elem(key, mop.value),
            });
            continue;
        }
        let seen = match &completed {
            None => None,
            Some(completed) => Some(read_result(kind, key, completed[m].value, interner)?),
        };
        mops.push(Mop::Read { key, seen });
    }
    Ok(Txn {
        status,
        call: op.call,
        ret: if status == Status::Info {
            NEVER
        } else {
            op.ret
        },
        mops,
        process: op.process,
    })
}

fn read_result(
    kind: Kind,
    key: usize,
    value: &Value,
    interner: &mut Interner,
) -> Result<Vec<usize>, RefError> {
    match (kind, value) {
        (_, Value::Nil) => Ok(Vec::new()),
        (Kind::List, Value::List(items)) => {
            Ok(items.iter().map(|v| interner.elem(key, v)).collect())
        }
        (Kind::Register, v) if v.as_list().is_none() => Ok(vec![interner.elem(key, v)]),
        _ => Err(RefError::Malformed(format!(
            "read result {value} does not fit a {kind:?} history"
        ))),
    }
}
