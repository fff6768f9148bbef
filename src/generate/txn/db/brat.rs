//! `brat`: no concurrency control whatsoever (history.sim's idea).
//!
//! Every write goes straight to the one shared state and stays there, even when its transaction
//! aborts; every read sees that state as it is at that moment. Commits always succeed (aborts
//! come only from clients and crashes). So other transactions read aborted writes (G1a) and
//! intermediate ones (G1b), writers interleave (G0, G1c), a transaction can read another's write
//! over its own (internal inconsistency), and reads need not repeat. What it cannot do is lose
//! an element of a list: every append lands on the current list, so all reads of a key are
//! prefixes of one sequence.

use super::{slot_of, Conflict, Datum, Db};

/// The brat database: one state, no transactions.
#[derive(Debug, Default)]
pub(super) struct Brat<D> {
    state: Vec<D>,
}

impl<D: Datum> Db<D> for Brat<D> {
    fn begin(&mut self, _slot: usize) {}

    fn read(&mut self, _slot: usize, key: usize) -> D {
        self.state.get(key).cloned().unwrap_or_default()
    }

    fn write(&mut self, _slot: usize, key: usize, element: i64) -> Result<(), Conflict> {
        let value = slot_of(&mut self.state, key);
        *value = value.write(element);
        Ok(())
    }

    fn commit(&mut self, _slot: usize) -> Result<(), Conflict> {
        Ok(())
    }

    fn abort(&mut self, _slot: usize) {}
}
