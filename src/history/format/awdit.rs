//! AWDIT's `test` format: `r KEY VALUE` / `w KEY VALUE`, one per line; transactions separated
//! by a line of `-`, sessions by a line of `=`. There is no implicit initial state: by AWDIT's
//! convention one session holds a single transaction writing 0 to every key. On reading, that
//! session (a lone transaction of writes of 0 only) is taken as the initial state and a read of
//! 0 as a read of it; on writing, it is added last. Shared conventions: `flat.rs`.

use std::collections::BTreeSet;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use super::flat::{self, FlatTxn};
use super::lines::Lines;
use crate::history::{Event, History, HistoryError, Location};

/// Reads an AWDIT `test` history, handing events to `sink`.
pub(super) fn read(
    input: impl BufRead,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    flat::to_events(&read_flat(input, file)?, file, sink)
}

/// Reads an AWDIT `test` history, handing its transactions to `sink` (in the order [`read`]
/// turns them into events). They are held until the end of the file: whether there is an
/// initial session, which changes what a read of 0 means, is known only then.
pub(super) fn read_txns(
    input: impl BufRead,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(&FlatTxn) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    for txn in &read_flat(input, file)? {
        flat::check_range(txn, file)?;
        sink(txn)?;
    }
    Ok(())
}

/// The transactions of an AWDIT `test` history, the initial session taken out.
fn read_flat(input: impl BufRead, file: Option<&Arc<Path>>) -> Result<Vec<FlatTxn>, HistoryError> {
    let mut sessions: Vec<Vec<FlatTxn>> = vec![Vec::new()];
    let mut open = false; // a transaction is being filled
    let mut lines = Lines::new(input, file);
    while let Some((line_no, text)) = lines.next_line()? {
        let at = |column| Location::new(file, line_no, column);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if text.starts_with('=') {
            if !sessions.last().unwrap().is_empty() {
                sessions.push(Vec::new());
            }
            open = false;
            continue;
        }
        if text.starts_with('-') {
            open = false;
            continue;
        }
        let parts: Vec<&str> = text.split_whitespace().collect();
        let (op, key, value) = match parts[..] {
            [op @ ("r" | "w"), k, v] => (op, k, v),
            _ => {
                return Err(HistoryError::malformed(
                    at(1),
                    format!(
                        "expected `r KEY VALUE`, `w KEY VALUE`, `---` or `===`, found {text:?}"
                    ),
                ))
            }
        };
        let num = |s: &str, what: &str| -> Result<u64, HistoryError> {
            s.parse::<u64>().map_err(|_| {
                HistoryError::malformed(
                    at(3),
                    format!("the {what} {s:?} is not an unsigned integer"),
                )
            })
        };
        let (k, v) = (num(key, "key")?, num(value, "value")?);
        let session = sessions.last_mut().unwrap();
        if !open {
            session.push(FlatTxn {
                session: 0,
                committed: true,
                mops: Vec::new(),
                line: line_no,
            });
            open = true;
        }
        session
            .last_mut()
            .unwrap()
            .mops
            .push((op == "w", k, Some(v)));
    }
    sessions.retain(|s| !s.is_empty());
    let is_init =
        |s: &Vec<FlatTxn>| s.len() == 1 && s[0].mops.iter().all(|&(w, _, v)| w && v == Some(0));
    let init = sessions.iter().position(is_init);
    let mut txns = Vec::new();
    for (i, session) in sessions.into_iter().enumerate() {
        if Some(i) == init {
            continue;
        }
        for mut txn in session {
            txn.session = i as u64;
            if init.is_some() {
                for m in &mut txn.mops {
                    if !m.0 && m.2 == Some(0) {
                        m.2 = None;
                    }
                }
            }
            if let Some(&(_, k, _)) = txn.mops.iter().find(|&&(w, _, v)| w && v == Some(0)) {
                if init.is_some() {
                    return Err(HistoryError::malformed(
                        Location::new(file, txn.line, 1),
                        format!("a write of 0 to key {k} outside the initial session"),
                    ));
                }
            }
            txns.push(txn);
        }
    }
    Ok(txns)
}

/// Writes `history` in AWDIT's `test` format, the initial session last. Aborted transactions
/// have no place in it and are left out.
pub(super) fn write(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let txns = flat::from_history(history, "awdit")?;
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut index: hashbrown::HashMap<u64, usize> = hashbrown::HashMap::new();
    let mut sessions: Vec<Vec<&flat::FlatTxn>> = Vec::new();
    for t in txns.iter().filter(|t| t.committed) {
        let i = *index.entry(t.session).or_insert_with(|| {
            sessions.push(Vec::new());
            sessions.len() - 1
        });
        sessions[i].push(t);
    }
    let mut keys = BTreeSet::new();
    let mut first_session = true;
    for session in &sessions {
        if !first_session {
            writeln!(out, "=====")?;
        }
        first_session = false;
        let mut first_txn = true;
        for t in session {
            if !first_txn {
                writeln!(out, "-----")?;
            }
            first_txn = false;
            for &(w, k, v) in &t.mops {
                keys.insert(k);
                writeln!(out, "{} {k} {}", if w { 'w' } else { 'r' }, v.unwrap_or(0))?;
            }
        }
    }
    if !keys.is_empty() {
        writeln!(out, "=====")?;
        for k in keys {
            writeln!(out, "w {k} 0")?;
        }
    }
    out.flush()
}
