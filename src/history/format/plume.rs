//! Plume's text format (Plume, PolySI, IsoVista, AWDIT): one event per line,
//! `r(key,value,session,txn)` or `w(key,value,session,txn)`, unsigned integers. Transaction
//! ids are global; a transaction's events are in program order and a session's transactions
//! in session order. Every key starts at 0 (a read of 0 reads the initial state). A write with
//! transaction −1 was aborted; a read with transaction −1 is ignored. Shared conventions:
//! `flat.rs`.
//!
//! Two readers: [`read`] holds every transaction until the end of the file (a transaction's
//! lines may be spread out), then hands out events; [`read_txns`] hands out each transaction
//! as soon as the next begins, and gives up (for [`read`]) when a transaction resumes later.

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};

use super::flat::{self, FlatTxn};
use super::lines::Lines;
use crate::history::{Event, History, HistoryError, Location};

/// One line: `w(key,value,session,txn)` or `r(...)`; `txn` is `None` for −1.
#[derive(Debug, PartialEq, Eq)]
struct Line {
    write: bool,
    key: u64,
    value: u64,
    session: u64,
    txn: Option<u64>,
}

/// The fields of a line written plainly (`w(1,2,3,4)`: ASCII digits, no spaces, no sign but
/// a transaction of −1, as every tool writes them), `None` for anything else: one pass over
/// the bytes, where splitting, trimming and `str::parse` were a tenth of reading a file.
/// [`parse`] gives the same answer on these lines and the error on the others.
fn plain(text: &[u8]) -> Option<(bool, [u64; 3], Option<u64>)> {
    let write = match text {
        [b'w', b'(', .., b')'] => true,
        [b'r', b'(', .., b')'] => false,
        _ => return None,
    };
    let mut fields = text[2..text.len() - 1].split(|&b| b == b',');
    let mut number = |last: bool| -> Option<Option<u64>> {
        let field = fields.next()?;
        if last && field == b"-1" {
            return Some(None);
        }
        if field.is_empty() {
            return None;
        }
        let mut n: u64 = 0;
        for &b in field {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(digit as u64)?;
        }
        Some(Some(n))
    };
    let key = number(false)??;
    let value = number(false)??;
    let session = number(false)??;
    let txn = number(true)?;
    fields
        .next()
        .is_none()
        .then_some((write, [key, value, session], txn))
}

/// Parses one line (trimmed, not blank); `Ok(None)` for a read with transaction −1 (ignored).
fn parse(text: &str, at: &dyn Fn(u32) -> Location) -> Result<Option<Line>, HistoryError> {
    match plain(text.as_bytes()) {
        Some((write, [key, value, session], txn)) => checked(write, key, value, session, txn, at),
        None => parse_general(text, at),
    }
}

/// [`parse`] of any line, spaces, signs and errors included.
fn parse_general(text: &str, at: &dyn Fn(u32) -> Location) -> Result<Option<Line>, HistoryError> {
    // The first character, whatever its width (the text may be any UTF-8).
    let first = text.chars().next().map_or(0, char::len_utf8);
    let (op, rest) = text.split_at(first);
    let expected = || {
        HistoryError::malformed(
            at(1),
            format!("expected r(k,v,s,t) or w(k,v,s,t), found {text:?}"),
        )
    };
    let fields = (rest.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(expected)?;
    // Four fields, counted without collecting them (a line read must not allocate: 10^6 lines).
    let mut parts = [""; 4];
    let mut count = 0;
    for part in fields.split(',').map(str::trim) {
        if let Some(slot) = parts.get_mut(count) {
            *slot = part;
        }
        count += 1;
    }
    if count != 4 || !matches!(op, "r" | "w") {
        return Err(expected());
    }
    let num = |i: usize, what: &str| -> Result<u64, HistoryError> {
        parts[i].parse::<u64>().map_err(|_| {
            HistoryError::malformed(
                at(3),
                format!("the {what} {:?} is not an unsigned integer", parts[i]),
            )
        })
    };
    let (key, value, session) = (num(0, "key")?, num(1, "value")?, num(2, "session")?);
    let txn = match parts[3] {
        "-1" => None,
        _ => Some(num(3, "transaction")?),
    };
    checked(op == "w", key, value, session, txn, at)
}

/// A line's fields as a [`Line`] (`None` for a read with transaction −1), or the error of a
/// write of 0.
fn checked(
    write: bool,
    key: u64,
    value: u64,
    session: u64,
    txn: Option<u64>,
    at: &dyn Fn(u32) -> Location,
) -> Result<Option<Line>, HistoryError> {
    if !write && txn.is_none() {
        return Ok(None);
    }
    if write && value == 0 && txn.is_some() {
        return Err(HistoryError::malformed(
            at(3),
            format!("a write of 0 to key {key}: 0 is every key's initial value in Plume's format"),
        ));
    }
    Ok(Some(Line {
        write,
        key,
        value,
        session,
        txn,
    }))
}

impl Line {
    /// The micro-op: a read of 0 reads the initial state.
    fn mop(&self) -> (bool, u64, Option<u64>) {
        let v = (self.write || self.value != 0).then_some(self.value);
        (self.write, self.key, v)
    }

    /// An aborted write, as a transaction of its own.
    fn aborted(&self, line: u32) -> FlatTxn {
        FlatTxn {
            session: self.session,
            committed: false,
            mops: vec![self.mop()],
            line,
        }
    }
}

fn two_sessions(at: Location, txn: u64, first: u64, second: u64) -> HistoryError {
    HistoryError::malformed(
        at,
        format!("transaction {txn} appears in sessions {first} and {second}"),
    )
}

/// Reads a Plume history, handing events to `sink`.
pub(super) fn read(
    input: impl BufRead,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let mut txns: Vec<FlatTxn> = Vec::new();
    let mut by_id: HashMap<u64, usize> = HashMap::new();
    let mut lines = Lines::new(input, file);
    while let Some((line_no, text)) = lines.next_line()? {
        let at = |column| Location::new(file, line_no, column);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Some(l) = parse(text, &at)? else { continue };
        let Some(txn_id) = l.txn else {
            txns.push(l.aborted(line_no));
            continue;
        };
        let i = *by_id.entry(txn_id).or_insert_with(|| {
            txns.push(FlatTxn {
                session: l.session,
                committed: true,
                mops: Vec::new(),
                line: line_no,
            });
            txns.len() - 1
        });
        if txns[i].session != l.session {
            return Err(two_sessions(at(1), txn_id, txns[i].session, l.session));
        }
        txns[i].mops.push(l.mop());
    }
    flat::to_events(&txns, file, sink)
}

/// How [`read_txns`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Streamed {
    /// Every transaction was handed out.
    Whole,
    /// A transaction's lines resume after another transaction's: the transactions handed out
    /// so far are not the history's (read it with [`read`], which holds them all).
    Interleaved,
}

/// Reads a Plume history whose transactions each sit on consecutive lines (as every tool
/// writes them), handing each transaction to `sink` when the next begins: the same
/// transactions, in the same order, as [`read`] turns into events, without holding them.
pub(super) fn read_txns(
    input: impl BufRead,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(&FlatTxn) -> Result<(), HistoryError>,
) -> Result<Streamed, HistoryError> {
    let mut open = FlatTxn::default();
    let mut open_id: Option<u64> = None;
    let mut aborted = FlatTxn::default(); // committed: false
    let mut closed: HashSet<u64> = HashSet::new();
    let mut hand = |txn: &FlatTxn| -> Result<(), HistoryError> {
        flat::check_range(txn, file)?;
        sink(txn)
    };
    let mut lines = Lines::new(input, file);
    while let Some((line_no, text)) = lines.next_line()? {
        let at = |column| Location::new(file, line_no, column);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Some(l) = parse(text, &at)? else { continue };
        let Some(txn_id) = l.txn else {
            close(&open, &mut open_id, &mut closed, &mut hand)?;
            aborted.session = l.session;
            aborted.mops.clear();
            aborted.mops.push(l.mop());
            aborted.line = line_no;
            hand(&aborted)?;
            continue;
        };
        if open_id != Some(txn_id) {
            close(&open, &mut open_id, &mut closed, &mut hand)?;
            if closed.contains(&txn_id) {
                return Ok(Streamed::Interleaved);
            }
            open_id = Some(txn_id);
            open.session = l.session;
            open.committed = true;
            open.mops.clear();
            open.line = line_no;
        } else if open.session != l.session {
            return Err(two_sessions(at(1), txn_id, open.session, l.session));
        }
        open.mops.push(l.mop());
    }
    close(&open, &mut open_id, &mut closed, &mut hand)?;
    Ok(Streamed::Whole)
}

/// Hands out the open transaction of [`read_txns`], if any.
fn close(
    open: &FlatTxn,
    id: &mut Option<u64>,
    closed: &mut HashSet<u64>,
    hand: &mut dyn FnMut(&FlatTxn) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    match id.take() {
        Some(id) => {
            closed.insert(id);
            hand(open)
        }
        None => Ok(()),
    }
}

/// Writes `history` in Plume's format.
pub(super) fn write(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let txns = flat::from_history(history, "plume")?;
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    for (id, txn) in txns.iter().enumerate() {
        for &(w, k, v) in &txn.mops {
            let t = if txn.committed { id as i64 } else { -1 };
            let op = if w { 'w' } else { 'r' };
            writeln!(out, "{op}({k},{},{},{t})", v.unwrap_or(0), txn.session)?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_parse_as_the_general_parser_reads_them() {
        let at = |c| Location::new(None, 1, c);
        let lines = [
            "w(1,2,3,4)",
            "r(0,0,7,9)",
            "w(5,6,7,-1)",
            "r(5,6,7,-1)",
            "w(1,0,3,4)",
            "w(18446744073709551615,1,2,3)",
            "w(18446744073709551616,1,2,3)",
            "w(00012,1,2,3)",
            "w(1,2,3)",
            "w(1,2,3,4,5)",
            "w(1,,3,4)",
            "w(+1,2,3,4)",
            "w(1, 2,3,4)",
            "w(1,2,3,-2)",
            "w(1,-1,3,4)",
            "x(1,2,3,4)",
            "w()",
            "é(1,2,3,4)",
        ];
        let mut plain_lines = 0;
        for line in lines {
            let general = parse_general(line, &at).map_err(|e| e.to_string());
            if plain(line.as_bytes()).is_some() {
                plain_lines += 1;
            }
            assert_eq!(
                parse(line, &at).map_err(|e| e.to_string()),
                general,
                "{line}"
            );
        }
        assert_eq!(plain_lines, 7);
    }
}
