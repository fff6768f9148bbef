//! The flat formats' transactions (Plume, AWDIT `test`; see `history/format/flat.rs`) taken
//! straight into compact form: what the events the flat readers would make lead to (an
//! `invoke` and its completion, numbered as they would be), without making them. A file of
//! 10^6 events is then read without 2 × 10^6 parsed values, and without holding its
//! transactions when the reader streams them (Plume).
//!
//! The invocation's pass comes first (keys interned, writes recorded, each value at most
//! once per key), then the completion's (reads resolved for a committed transaction, unknown
//! for an aborted one), in the same order and with the same checks and messages as
//! [`Extractor::push`] on the events.

use super::{Extractor, Mode, NONE};
use crate::checker::transactional::options::Workload;
use crate::checker::transactional::txn::{KeyId, Mop, MopKind, Txn, READ_NIL, READ_UNKNOWN};
use crate::history::format::FlatTxn;
use crate::history::{HistoryError, Outcome, Value};

/// A micro-op as the flat readers' events show it (`[w k v]`; `[r k v]`, `v` nil for the
/// initial state or an unknown result), for messages.
fn shown(write: bool, key: u64, value: Option<u64>) -> Value {
    let int = |v: u64| Value::Int(v as i64);
    Value::list(vec![
        Value::str(if write { "w" } else { "r" }),
        int(key),
        value.map_or(Value::Nil, int),
    ])
}

impl Extractor {
    /// Takes one transaction of a flat history (keys and values already checked to fit an
    /// `i64`).
    pub fn push_flat(&mut self, txn: &FlatTxn) -> Result<(), HistoryError> {
        let number = self.hist.txns.len();
        let call = self.position;
        self.position += 2;
        let line = txn.line;
        let mode = if txn.committed { Mode::Ok } else { Mode::Fail };
        // The invocation: keys, and the writes recorded as this transaction's.
        for (i, &(write, k, value)) in txn.mops.iter().enumerate() {
            let key = self.flat_key(k, line)?;
            if !write {
                continue;
            }
            let Some(v) = value else {
                return Err(self.error(
                    line,
                    format!(
                        "micro-op {} writes nil to key {k}; expected a value (nil is the \
                         initial state)",
                        i + 1
                    ),
                ));
            };
            let v = Value::Int(v as i64);
            self.rw_register(line, || shown(true, k, value))?;
            self.check_type(&v, line, false)?;
            let atom = self.hist.atoms.intern(&v);
            let mop = || shown(true, k, value).to_string();
            self.record_write(key, atom, number as u32, line, &mop)?;
        }
        // The completion.
        let start = self.hist.mops.len() as u32;
        for &(write, k, value) in &txn.mops {
            let key = self.flat_key(k, line)?;
            let mop = match (write, value) {
                // A write without a value was refused above.
                (true, v) => Mop {
                    kind: MopKind::Write,
                    key,
                    value: self.hist.atoms.intern(&Value::Int(v.unwrap_or(0) as i64)),
                },
                (false, _) if mode != Mode::Ok => Mop {
                    kind: MopKind::Read,
                    key,
                    value: READ_UNKNOWN,
                },
                (false, None) => Mop {
                    kind: MopKind::Read,
                    key,
                    value: READ_NIL,
                },
                (false, Some(v)) => {
                    let v = Value::Int(v as i64);
                    self.rw_register(line, || shown(false, k, value))?;
                    self.check_type(&v, line, false)?;
                    let atom = self.hist.atoms.intern(&v);
                    self.note_read(key, atom);
                    Mop {
                        kind: MopKind::Read,
                        key,
                        value: atom,
                    }
                }
            };
            self.hist.mops.push(mop);
        }
        self.hist.txns.push(Txn {
            process: txn.session,
            outcome: if txn.committed {
                Outcome::Ok
            } else {
                Outcome::Fail
            },
            call,
            ret: call + 1,
            mops: start..self.hist.mops.len() as u32,
            lines: (line, line),
        });
        Ok(())
    }

    /// The id of integer key `k`: small keys from a table indexed by the key, as a hash map
    /// look-up of a [`Value`] per micro-op was a tenth of reading a 10^6-event file.
    fn flat_key(&mut self, k: u64, line: u32) -> Result<KeyId, HistoryError> {
        const SMALL: u64 = 1 << 16;
        if let Some(&id) = self.flat_keys.get(k as usize).filter(|&&id| id != NONE) {
            return Ok(id);
        }
        let id = self.key(&Value::Int(k as i64), line)?;
        if k < SMALL {
            if self.flat_keys.len() <= k as usize {
                self.flat_keys.resize(k as usize + 1, NONE);
            }
            self.flat_keys[k as usize] = id;
        }
        Ok(id)
    }

    /// Fixes the workload as rw-register, or checks it is; the micro-op is made only for a
    /// message.
    fn rw_register(&mut self, line: u32, mop: impl FnOnce() -> Value) -> Result<(), HistoryError> {
        match self.hist.workload {
            Some(Workload::RwRegister) => Ok(()),
            _ => self.decide(Workload::RwRegister, line, &mop()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Extractor, Writes};
    use crate::checker::transactional::options::Workload;
    use crate::checker::transactional::txn::{TxnHistory, READ_NIL};
    use crate::history::format::{self, Format};
    use crate::history::Value;

    type Extracted = (TxnHistory, Writes);

    /// `text` read whole (`None`: the flat reader declined) and as events, or the errors.
    fn both(
        text: &str,
        format: Format,
        workload: Option<Workload>,
    ) -> (Result<Option<Extracted>, String>, Result<Extracted, String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        std::fs::write(&path, text).unwrap();
        let path: &Path = &path;
        let mut whole = Extractor::new(workload, Some(path.into()));
        let direct = format::for_each_flat_txn(path, Some(format), &mut |t| whole.push_flat(t))
            .map(|f| f.map(|_| whole.finish()))
            .map_err(|e| e.to_string());
        let mut events = Extractor::new(workload, Some(path.into()));
        let generic = format::for_each_event(path, Some(format), &mut |e| events.push(e))
            .map(|_| events.finish())
            .map_err(|e| e.to_string());
        (direct, generic)
    }

    fn assert_same(a: &Extracted, b: &Extracted) {
        let (ha, hb) = (&a.0, &b.0);
        assert_eq!(ha.workload, hb.workload);
        assert_eq!(ha.txns, hb.txns);
        assert_eq!(ha.mops, hb.mops);
        assert_eq!(ha.keys, hb.keys);
        let values = |h: &TxnHistory| -> Vec<Value> {
            (h.mops.iter())
                .filter(|m| m.value < READ_NIL) // not a special read
                .map(|m| h.atoms.value(m.value))
                .collect()
        };
        assert_eq!(values(ha), values(hb));
        assert_eq!(a.1, b.1);
    }

    const PLUME: &str = "w(3,7,10,1)\nr(4,0,10,1)\nw(4,1,10,1)\nw(3,8,11,-1)\nr(9,5,11,-1)\n\
        r(3,7,11,2)\nr(4,1,11,2)\nw(9,3000000000,11,2)\n\nr(9,3000000000,10,5)\nr(3,7,10,5)\n";

    #[test]
    fn plume_read_whole_matches_the_events_path() {
        for workload in [None, Some(Workload::RwRegister)] {
            let (direct, generic) = both(PLUME, Format::Plume, workload);
            let direct = direct.unwrap().expect("consecutive lines stream");
            let generic = generic.unwrap();
            assert_eq!(direct.0.txns.len(), 4);
            assert_same(&direct, &generic);
        }
    }

    #[test]
    fn plume_with_a_transaction_resumed_later_is_left_to_the_events_path() {
        let text = "w(1,1,0,1)\nw(2,1,1,2)\nr(2,0,0,1)\n";
        let (direct, generic) = both(text, Format::Plume, None);
        assert!(direct.unwrap().is_none());
        assert_eq!(generic.unwrap().0.txns.len(), 2);
    }

    #[test]
    fn awdit_read_whole_matches_the_events_path() {
        let text = "r 0 0\nw 1 5\n---\nr 1 5\n===\nw 0 2\n===\nw 0 0\nw 1 0\n";
        let (direct, generic) = both(text, Format::Awdit, None);
        assert_same(&direct.unwrap().unwrap(), &generic.unwrap());
    }

    #[test]
    fn flat_errors_match_the_events_path() {
        let cases = [
            ("w(1,5,0,1)\nw(1,5,1,2)\n", None),  // a value written twice
            (PLUME, Some(Workload::ListAppend)), // not the workload given
            ("r(1,5,0,1)\n", Some(Workload::ListAppend)),
            ("w(1,9223372036854775808,0,1)\n", None), // above i64
        ];
        for (text, workload) in cases {
            let (direct, generic) = both(text, Format::Plume, workload);
            let (direct, generic) = (direct.unwrap_err(), generic.unwrap_err());
            assert!(direct.contains("/h:"), "names no file and line: {direct}");
            assert_eq!(direct, generic);
        }
    }
}
