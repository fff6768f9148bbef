//! Plume's text format (Plume, PolySI, IsoVista, AWDIT): one event per line,
//! `r(key,value,session,txn)` or `w(key,value,session,txn)`, unsigned integers. Transaction
//! ids are global; a transaction's events are in program order and a session's transactions
//! in session order. Every key starts at 0 (a read of 0 reads the initial state). A write with
//! transaction −1 was aborted; a read with transaction −1 is ignored. Shared conventions:
//! `flat.rs`.

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use hashbrown::HashMap;

use super::flat::{self, FlatTxn};
use super::lines::Lines;
use crate::history::{Event, History, HistoryError, Location};

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
        // The first character, whatever its width (the text may be any UTF-8).
        let first = text.chars().next().map_or(0, char::len_utf8);
        let (op, rest) = text.split_at(first);
        let fields = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| {
                HistoryError::malformed(
                    at(1),
                    format!("expected r(k,v,s,t) or w(k,v,s,t), found {text:?}"),
                )
            })?;
        let parts: Vec<&str> = fields.split(',').map(str::trim).collect();
        if parts.len() != 4 || !matches!(op, "r" | "w") {
            return Err(HistoryError::malformed(
                at(1),
                format!("expected r(k,v,s,t) or w(k,v,s,t), found {text:?}"),
            ));
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
        let write = op == "w";
        let txn_id = match parts[3] {
            "-1" if write => {
                txns.push(FlatTxn {
                    session,
                    committed: false,
                    mops: vec![(true, key, Some(value))],
                    line: line_no,
                });
                continue;
            }
            "-1" => continue,
            _ => num(3, "transaction")?,
        };
        if write && value == 0 {
            return Err(HistoryError::malformed(
                at(3),
                format!(
                    "a write of 0 to key {key}: 0 is every key's initial value in Plume's format"
                ),
            ));
        }
        let i = *by_id.entry(txn_id).or_insert_with(|| {
            txns.push(FlatTxn {
                session,
                committed: true,
                mops: Vec::new(),
                line: line_no,
            });
            txns.len() - 1
        });
        if txns[i].session != session {
            return Err(HistoryError::malformed(
                at(1),
                format!(
                    "transaction {txn_id} appears in sessions {} and {session}",
                    txns[i].session
                ),
            ));
        }
        let v = (write || value != 0).then_some(value);
        txns[i].mops.push((write, key, v));
    }
    flat::to_events(&txns, file, sink)
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
