//! List reads resolved against their key's trace as they arrive: a read that is a prefix of the
//! trace is stored as its length; one that extends the trace extends it (its new elements must
//! be distinct and not yet in it); any other read is kept whole as an odd read (duplicates or
//! an incompatible order). The fingerprint is taken from the parsed values, not the trace, so
//! `verify.rs` can prove a read was resolved right.

use super::{pack, Extractor, EMPTY_FINGERPRINT, NONE};
use crate::checker::transactional::txn::{
    fold_fingerprint, value_fingerprint, AtomId, KeyId, ListRead, OddRead, OddWhy,
};
use crate::history::{HistoryError, Value};

impl Extractor {
    /// Resolves an `ok` list read against the key's trace; returns its index in `reads`.
    pub(super) fn list_read(
        &mut self,
        key: KeyId,
        items: &[Value],
        line: u32,
    ) -> Result<u32, HistoryError> {
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
                let w = self.writes.slot(pack(key, atom));
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
}
