//! [`Db`]: a simulated database as the clients see it, one concurrency-control scheme a file.
//!
//! Map of this module, in reading order:
//! - [`Db`], [`Conflict`], [`new`] (here): the interface and the constructor per [`SimDb`];
//! - `brat.rs`: no concurrency control at all, aborts not rolled back;
//! - `read_committed.rs`: long write locks (no waiting: a conflict aborts), reads of the latest
//!   committed version;
//! - `snapshot.rs`: the multiversion store and snapshot transactions shared by the next three;
//! - `prefix.rs`: snapshot reads, commits without any conflict check;
//! - `si.rs`: snapshot isolation, first committer wins;
//! - `ssi.rs`: snapshot reads, update transactions validated on what they read and wrote.
//!
//! Every transaction runs in a client *slot* (`0..concurrency`), which has at most one
//! transaction at a time; keys are dense indices that grow as keys are retired and replaced.

mod brat;
mod prefix;
mod read_committed;
mod si;
mod snapshot;
mod ssi;

use super::datum::Datum;
use super::SimDb;

/// The database refused a write or a commit: the transaction must abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Conflict;

/// A database executing transactions one step at a time, for many clients at once.
///
/// Life cycle per slot: `begin`, then `read`/`write` in any order, then `commit` or `abort`.
/// After a `write` or `commit` returned [`Conflict`], the caller calls `abort`.
pub(super) trait Db<D: Datum> {
    /// Starts a transaction in `slot`.
    fn begin(&mut self, slot: usize);
    /// What the transaction in `slot` sees for `key`.
    fn read(&mut self, slot: usize, key: usize) -> D;
    /// Writes `element` to `key` (appends it, or sets the register to it).
    fn write(&mut self, slot: usize, key: usize, element: i64) -> Result<(), Conflict>;
    /// Tries to commit the transaction in `slot`; on [`Conflict`] nothing was installed.
    fn commit(&mut self, slot: usize) -> Result<(), Conflict>;
    /// Ends the transaction in `slot` without committing it.
    fn abort(&mut self, slot: usize);
}

/// A fresh database of kind `db` for `slots` clients.
pub(super) fn new<D: Datum + 'static>(db: SimDb, slots: usize) -> Box<dyn Db<D>> {
    match db {
        SimDb::Brat => Box::new(brat::Brat::default()),
        SimDb::ReadCommitted => Box::new(read_committed::ReadCommitted::new(slots)),
        SimDb::Prefix => Box::new(prefix::new(slots)),
        SimDb::Si => Box::new(si::new(slots)),
        SimDb::Ssi => Box::new(ssi::new(slots)),
    }
}

/// `items[index]`, growing `items` with defaults as needed (keys appear as they are created).
fn slot_of<T: Default>(items: &mut Vec<T>, index: usize) -> &mut T {
    if index >= items.len() {
        items.resize_with(index + 1, T::default);
    }
    &mut items[index]
}
