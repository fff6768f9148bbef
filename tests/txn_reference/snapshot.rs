//! Snapshot isolation by start and commit points.
//!
//! Every committed transaction gets a commit point, in a total order, and a start point no later
//! than its commit: its *snapshot* is the state after the commits before its start. Its reads
//! return the snapshot plus its own earlier writes; its writes are installed at its commit.
//! First committer wins: no two committed transactions that overlap (each started before the
//! other committed) write a common key. Strong snapshot isolation also respects real time: a
//! transaction that completed before another was invoked committed before the other started.
//!
//! An execution is a commit order plus, per transaction, how many commits precede its start
//! (`0..=` its own position). Depth-first over the commit order; a transaction may be placed
//! next when some start keeps first-committer-wins, real time and its reads. (Which start does
//! not matter to anyone else: the constraints between two transactions involve the later one's
//! start and the earlier one's commit.) `info` transactions may be left out (never committed);
//! `fail`ed ones are.

use super::txns::{Status, Txn, Txns};
use super::view::{apply, reads_match};
use super::{Budget, OutOfBudget};

/// Whether some snapshot-isolated execution explains every `ok` read; `strong` adds real time.
pub fn snapshot_isolated(
    txns: &Txns,
    strong: bool,
    budget: &mut Budget,
) -> Result<bool, OutOfBudget> {
    let mut search = Search {
        txns,
        strong,
        order: Vec::new(),
        states: vec![vec![Vec::new(); txns.keys]],
        budget,
    };
    search.run()
}

struct Search<'a, 'b> {
    txns: &'a Txns,
    strong: bool,
    /// Committed so far, in commit order: (transaction, commits before its start).
    order: Vec<(usize, usize)>,
    /// `states[i]`: the state after the first `i` commits.
    states: Vec<Vec<Vec<usize>>>,
    budget: &'b mut Budget,
}

impl Search<'_, '_> {
    fn placed(&self, t: usize) -> bool {
        self.order.iter().any(|&(p, _)| p == t)
    }

    fn run(&mut self) -> Result<bool, OutOfBudget> {
        let all = &self.txns.txns;
        if (0..all.len()).all(|t| self.placed(t) || all[t].status != Status::Ok) {
            return Ok(true);
        }
        for (t, txn) in all.iter().enumerate() {
            if txn.status == Status::Fail || self.placed(t) {
                continue;
            }
            let Some(earliest) = self.earliest_start(t, txn) else {
                continue;
            };
            // A transaction's start matters to nobody else (first-committer-wins and real time
            // against later transactions involve *their* starts and this commit), so one start
            // that works is enough.
            self.budget.spend()?;
            let start = (earliest..=self.order.len()).find(|&start| {
                !self.conflicts(txn, start)
                    && reads_match(self.txns.kind, txn, |k| &self.states[start][k])
            });
            let Some(start) = start else {
                continue;
            };
            let next = apply(&self.states[self.order.len()], txn);
            self.order.push((t, start));
            self.states.push(next);
            let found = self.run()?;
            self.order.pop();
            self.states.pop();
            if found {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The fewest commits that can precede `txn`'s start, or `None` when it cannot commit next.
    fn earliest_start(&self, t: usize, txn: &Txn) -> Option<usize> {
        if !self.strong {
            return Some(0);
        }
        let all = &self.txns.txns;
        // Committed already, yet invoked after `txn` completed: `txn` should have come first.
        if self.order.iter().any(|&(a, _)| txn.precedes(&all[a])) {
            return None;
        }
        // Still to commit, yet completed before `txn` was invoked: it must commit first.
        let waiting = all.iter().enumerate().any(|(b, other)| {
            b != t && other.status == Status::Ok && !self.placed(b) && other.precedes(txn)
        });
        if waiting {
            return None;
        }
        // Every commit that completed before `txn` was invoked precedes its start.
        Some(
            self.order
                .iter()
                .enumerate()
                .filter(|(_, &(a, _))| all[a].precedes(txn))
                .map(|(position, _)| position + 1)
                .max()
                .unwrap_or(0),
        )
    }

    /// Whether `txn`, starting after `start` commits and committing next, overlaps a committed
    /// transaction that wrote a key it writes.
    fn conflicts(&self, txn: &Txn, start: usize) -> bool {
        let all = &self.txns.txns;
        self.order[start..]
            .iter()
            .any(|&(a, _)| (0..self.txns.keys).any(|k| txn.writes(k) && all[a].writes(k)))
    }
}
