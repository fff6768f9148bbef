//! The general search: Wing & Gong's backtracking with Lowe's memo (WGL), as in Porcupine, plus
//! reductions that are sound for any deterministic spec.
//!
//! Operations sit in a doubly linked list of invocation and completion nodes in history order.
//! Scanning from the head, every invocation before the first completion is a candidate to
//! linearize next; reaching the completion of an operation not yet linearized means this branch
//! is dead, so the search backtracks. Linearizing an operation unlinks its nodes (dancing links),
//! so undoing is O(1).
//!
//! Reductions on top of Porcupine's algorithm:
//! - **reads first, without branching**: a candidate that leaves the state unchanged and is legal
//!   now is linearized at once. Any valid completion can be rearranged to start with it: it is
//!   minimal in real-time order, and it changes nothing later operations see;
//! - **optional operations** (`info`: may have happened) have no completion node and need not be
//!   linearized: the search succeeds as soon as every required operation is;
//! - **interchangeable optional operations** (identical spec operations) are linearized in
//!   invocation order: swapping two of them never changes legality, and the earlier-invoked one
//!   can stand wherever the later one can;
//! - **optional operations just in time**: an optional operation O applied in state `s` can be
//!   moved past a *required* operation P that follows it whenever P is legal in `s` and either
//!   commutes with O or overwrites O's effect (then O is dropped). Moving O later never breaks
//!   real time (it never returns), and each such move removes one (optional, later required)
//!   pair, so repeating them ends: some linearization, if any exists, has every optional
//!   operation followed by another optional one or by a required one that depends on it. The
//!   search only tries those. An optional operation followed by any operation that overwrites
//!   its effect can simply be left out (that removes one optional operation, so it also ends).
//!   Two optional operations that merely commute may follow each other freely: requiring more
//!   there would loop (two increments). The restriction is part of the memo key, since it makes
//!   the search below a configuration partial;
//! - **exact, compact memo** ([`Memo`]): configurations are keyed by state id and the set of
//!   linearized operations relative to the first required one not yet linearized, hashed
//!   incrementally (Zobrist);
//! - **cached transitions** ([`Transitions`]): each (state, operation) step is computed once.

mod links;

use links::{Links, HEAD, NONE};

use super::memo::Memo;
use super::transitions::Transitions;
use crate::checker::budget::{Budget, Exhausted};
use crate::checker::spec::{Entry, Spec};

/// List nodes the lookahead walks past (see [`Search::viable`]).
const LOOKAHEAD: usize = 64;
/// Steps between polls of the budget.
const POLL_EVERY: u32 = 256;

/// How a search ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchOutcome {
    /// Linearizable: the order (indices into the entries) of one linearization; optional
    /// entries not listed did not happen.
    Linearizable(Vec<usize>),
    /// No linearization exists.
    NotLinearizable,
    /// A limit was hit first.
    Exhausted(Exhausted),
}

/// A search's outcome and effort.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// How it ended.
    pub outcome: SearchOutcome,
    /// Operations applied while branching (a measure of effort).
    pub explored: u64,
    /// The latest completion a configuration stopped at: the completion of the first required
    /// operation it had not linearized (0 if none). Each configuration is a linearization of
    /// the history cut just before that completion, so the first failing prefix ends no
    /// earlier (the witness's search for it starts here).
    pub reached: u64,
    /// For [`SearchOutcome::NotLinearizable`]: the required entries whose completion some
    /// configuration was stuck at (it could not linearize them in time), in index order. Every
    /// dead end of the refutation is one of these, so the other required entries are probably
    /// not needed for the violation: the witness's shrinking tries them first. A guess, not a
    /// proof (weakening the others may still let a linearization through); empty otherwise.
    pub blockers: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Frame {
    op: u32,
    prev_state: u32,
    prev_hi: u32,
    prev_restrict: Restrict,
    forced: bool,
}

/// After an optional operation: which one, and the state it was applied in. The next operation
/// must depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Restrict {
    op: u32,
    before: u32,
}

const UNRESTRICTED: Restrict = Restrict {
    op: NONE,
    before: NONE,
};

struct Search<'a, S: Spec> {
    entries: &'a [Entry<S::Op>],
    trans: Transitions<'a, S>,
    /// Invocation and completion nodes of the operations not yet linearized.
    links: Links,
    // Per-operation facts.
    read_only: Vec<bool>,
    zobrist: Vec<u64>,
    /// Previous optional entry with an identical spec operation, or `NONE`.
    previous_twin: Vec<u32>,
    // The current configuration.
    state: u32,
    linearized: Vec<u64>,
    hash: u64,
    required_left: usize,
    /// First entry that is required and not linearized (everything before it that is required
    /// is linearized); kept as a lower bound and advanced lazily.
    base: usize,
    /// One past the highest linearized entry.
    hi: u32,
    optional_linearized: Vec<u32>,
    /// Candidates left after the last greedy pass.
    candidates: Vec<u32>,
    /// Scratch for [`Search::viable`]: operations invoked so far in the walk, and their spec
    /// operations (filled up to the walk's point only when the spec is asked).
    invoked: Vec<u32>,
    before: Vec<&'a S::Op>,
    /// Scratch for [`Search::viable`]: operations the spec judged reachable in this walk.
    judged_reachable: Vec<u32>,
    restrict: Restrict,
    frames: Vec<Frame>,
    memo: Memo,
    key: Vec<u32>,
    explored: u64,
    /// See [`SearchResult::reached`].
    reached: u64,
    /// See [`SearchResult::blockers`]: a bit per entry.
    blocking: Vec<u64>,
    /// Bytes last reported to the budget.
    accounted: usize,
}

/// Searches for a linearization of `entries` (sorted by invocation).
pub fn search<S: Spec>(spec: &S, entries: &[Entry<S::Op>], budget: &Budget) -> SearchResult {
    let mut search = Search::new(spec, entries);
    let outcome = search.run(budget);
    budget.account(search.accounted, 0);
    let blockers = match outcome {
        SearchOutcome::NotLinearizable => search.blockers(),
        _ => Vec::new(),
    };
    SearchResult {
        outcome,
        explored: search.explored,
        reached: search.reached,
        blockers,
    }
}

impl<'a, S: Spec> Search<'a, S> {
    fn new(spec: &'a S, entries: &'a [Entry<S::Op>]) -> Self {
        let n = entries.len();
        let mut search = Search {
            entries,
            trans: Transitions::new(spec, entries),
            links: Links::new(entries),
            read_only: entries.iter().map(|e| spec.is_read_only(&e.op)).collect(),
            zobrist: zobrist_keys(n),
            previous_twin: previous_twins(entries),
            state: 0,
            linearized: vec![0; n.div_ceil(64)],
            hash: 0,
            required_left: entries.iter().filter(|e| !e.optional).count(),
            base: 0,
            hi: 0,
            optional_linearized: Vec::new(),
            candidates: Vec::new(),
            invoked: Vec::new(),
            before: Vec::new(),
            judged_reachable: Vec::new(),
            restrict: UNRESTRICTED,
            frames: Vec::new(),
            memo: Memo::default(),
            key: Vec::new(),
            explored: 0,
            reached: 0,
            blocking: vec![0; n.div_ceil(64)],
            accounted: 0,
        };
        let init = spec.init();
        search.state = search.trans.intern(init);
        search
    }

    fn run(&mut self, budget: &Budget) -> SearchOutcome {
        self.greedy();
        if !self.viable() {
            return SearchOutcome::NotLinearizable;
        }
        let mut entry = self.links.next[HEAD as usize];
        let mut ticks = 0u32;
        loop {
            if self.required_left == 0 {
                return SearchOutcome::Linearizable(
                    self.frames.iter().map(|f| f.op as usize).collect(),
                );
            }
            ticks += 1;
            if ticks == POLL_EVERY {
                ticks = 0;
                let bytes = self.bytes();
                budget.account(self.accounted, bytes);
                self.accounted = bytes;
                if let Err(e) = budget.check() {
                    return SearchOutcome::Exhausted(e);
                }
            }
            if entry == NONE || self.links.node_is_return[entry as usize] {
                // Every candidate of this configuration has been tried.
                let Some(op) = self.pop_branch() else {
                    return SearchOutcome::NotLinearizable;
                };
                entry = self.links.next[self.links.call_node[op as usize] as usize];
                continue;
            }
            let op = self.links.node_op[entry as usize];
            if self.blocked(op) {
                entry = self.links.next[entry as usize];
                continue;
            }
            let Some(next_state) = self.trans.step(self.state, op as usize) else {
                entry = self.links.next[entry as usize];
                continue;
            };
            if !self.depends(op, next_state) {
                entry = self.links.next[entry as usize];
                continue;
            }
            self.explored += 1;
            self.apply(op, next_state, false);
            self.greedy();
            match self.remember() {
                Some(true) if self.viable() => entry = self.links.next[HEAD as usize],
                // Seen before, or dead (and now remembered): try the next candidate.
                Some(_) => {
                    self.pop_branch();
                    entry = self.links.next[entry as usize];
                }
                None => {
                    return SearchOutcome::Exhausted(Exhausted::Memory(u64::from(u32::MAX) * 4))
                }
            }
        }
    }

    /// Whether `op` (leading to `after`) may follow the optional operation just applied: it must
    /// be optional too, or illegal without it, or neither commute with it nor overwrite its
    /// effect.
    fn depends(&mut self, op: u32, after: u32) -> bool {
        let Restrict {
            op: optional,
            before,
        } = self.restrict;
        if optional == NONE {
            return true;
        }
        let Some(without) = self.trans.step(before, op as usize) else {
            return true;
        };
        if without == after {
            // `op` overwrites the optional operation's effect: that one can be left out.
            return false;
        }
        if self.entries[op as usize].optional {
            // Two optional operations may commute freely (see the module docs).
            return true;
        }
        self.trans.step(without, optional as usize) != Some(after)
    }

    /// Linearizes, without branching, every candidate that is read-only and legal now. Leaves
    /// the remaining candidates in `self.candidates`.
    fn greedy(&mut self) {
        let mut p = HEAD;
        self.candidates.clear();
        loop {
            let node = self.links.next[p as usize];
            if node == NONE {
                return;
            }
            if self.links.node_is_return[node as usize] {
                let stuck = self.links.node_op[node as usize] as usize;
                self.reached = self.reached.max(self.entries[stuck].ret);
                self.blocking[stuck / 64] |= 1 << (stuck % 64);
                return;
            }
            let op = self.links.node_op[node as usize];
            if self.read_only[op as usize] && !self.entries[op as usize].optional {
                if let Some(same) = self.trans.step(self.state, op as usize) {
                    debug_assert_eq!(same, self.state, "read-only operation changed the state");
                    self.apply(op, same, true);
                    continue; // `p` now links to the node after `op`.
                }
            }
            self.candidates.push(op);
            p = node;
        }
    }

    /// After [`Search::greedy`]: whether every read-only operation completing within the next
    /// [`LOOKAHEAD`] nodes can still become legal (the spec's lookahead). Only the operations
    /// invoked before a completion, which are exactly the invocation nodes ahead of its node in
    /// the list, can still be linearized before it: the spec judges whether any of them can
    /// bring the state to one where the operation is legal.
    fn viable(&mut self) -> bool {
        let entries = self.entries;
        self.invoked.clear();
        self.before.clear();
        self.judged_reachable.clear();
        let mut node = self.links.next[HEAD as usize];
        let mut seen = 0;
        while node != NONE && seen < LOOKAHEAD {
            seen += 1;
            let op = self.links.node_op[node as usize];
            let is_return = self.links.node_is_return[node as usize];
            node = self.links.next[node as usize];
            if !is_return {
                self.invoked.push(op);
                continue;
            }
            if !self.read_only[op as usize] || self.trans.step(self.state, op as usize).is_some() {
                continue;
            }
            // An identical operation completing earlier in this walk was judged reachable with
            // fewer operations before it (the list only grows along the walk, and trading one
            // identical operation for the other leaves it the same): so is this one. Skipping
            // the spec's judgement is sound in any case, as `true` only forgoes a pruning.
            let spec_op = &entries[op as usize].op;
            if self
                .judged_reachable
                .iter()
                .any(|&r| entries[r as usize].op == *spec_op)
            {
                continue;
            }
            // The operations handed to the spec are those invoked so far but `op` itself (whose
            // invocation was walked past): swapped to the end of the list kept for the whole
            // walk and left out, then swapped back (the spec takes them as a set), rather than
            // the list rebuilt or shifted for every such read.
            // Most walks judge nothing: the spec's list is caught up with the walk only when
            // it is asked.
            for &b in &self.invoked[self.before.len()..] {
                self.before.push(&entries[b as usize].op);
            }
            let own = self.invoked.iter().position(|&b| b == op);
            let last = self.before.len().wrapping_sub(1);
            if let Some(at) = own {
                self.before.swap(at, last);
            }
            let handed = &self.before[..self.before.len() - usize::from(own.is_some())];
            let reachable = self.trans.spec().reachable(
                self.trans.state_value(self.state),
                &entries[op as usize].op,
                handed,
            );
            if let Some(at) = own {
                self.before.swap(at, last);
            }
            if !reachable {
                let stuck = op as usize;
                self.blocking[stuck / 64] |= 1 << (stuck % 64);
                return false;
            }
            self.judged_reachable.push(op);
        }
        true
    }

    /// Undoes the last branching step and the greedy reads after it; returns the operation
    /// branched on, or `None` when there is none left (the search is over).
    fn pop_branch(&mut self) -> Option<u32> {
        while let Some(frame) = self.frames.pop() {
            self.undo(frame);
            if !frame.forced {
                return Some(frame.op);
            }
        }
        None
    }

    fn blocked(&self, op: u32) -> bool {
        let twin = self.previous_twin[op as usize];
        twin != NONE && !self.is_linearized(twin as usize)
    }

    fn is_linearized(&self, op: usize) -> bool {
        self.linearized[op / 64] & (1 << (op % 64)) != 0
    }

    fn apply(&mut self, op: u32, next_state: u32, forced: bool) {
        self.frames.push(Frame {
            op,
            prev_state: self.state,
            prev_hi: self.hi,
            prev_restrict: self.restrict,
            forced,
        });
        let i = op as usize;
        // A read applied right after an optional operation depends on it (it was not legal
        // before, or greedy would have taken it earlier): the restriction is met.
        self.restrict = if self.entries[i].optional && !forced {
            Restrict {
                op,
                before: self.state,
            }
        } else {
            UNRESTRICTED
        };
        self.linearized[i / 64] |= 1 << (i % 64);
        self.hash ^= self.zobrist[i];
        self.state = next_state;
        self.hi = self.hi.max(op + 1);
        if self.entries[i].optional {
            self.optional_linearized.push(op);
        } else {
            self.required_left -= 1;
        }
        self.links.lift(i);
    }

    fn undo(&mut self, frame: Frame) {
        let i = frame.op as usize;
        self.links.unlift(i);
        self.linearized[i / 64] &= !(1 << (i % 64));
        self.hash ^= self.zobrist[i];
        self.state = frame.prev_state;
        self.hi = frame.prev_hi;
        self.restrict = frame.prev_restrict;
        if self.entries[i].optional {
            self.optional_linearized.pop();
        } else {
            self.required_left += 1;
            self.base = self.base.min(i);
        }
    }

    /// Records the current configuration in the memo; `Some(false)` if it was already there.
    fn remember(&mut self) -> Option<bool> {
        let n = self.entries.len();
        while self.base < n && (self.entries[self.base].optional || self.is_linearized(self.base)) {
            self.base += 1;
        }
        let base = self.base;
        self.key.clear();
        self.key.push(self.state);
        self.key.push(base as u32);
        let below = self.key.len();
        for &op in &self.optional_linearized {
            if (op as usize) < base {
                self.key.push(op);
            }
        }
        self.key[below..].sort_unstable();
        self.key.push(NONE); // separates the list from the rest
        self.key.push(self.restrict.op);
        self.key.push(self.restrict.before);
        let hi = self.hi as usize;
        if hi > base {
            for w in base / 64..=(hi - 1) / 64 {
                let mut word = self.linearized[w];
                if w == base / 64 {
                    word &= !0u64 << (base % 64);
                }
                self.key.push(word as u32);
                self.key.push((word >> 32) as u32);
            }
        }
        let hash = self.hash ^ u64::from(self.state).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.memo.insert(hash, &self.key)
    }

    fn bytes(&self) -> usize {
        self.memo.bytes() + self.trans.bytes()
    }

    /// The entries of [`SearchResult::blockers`].
    fn blockers(&self) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| self.blocking[i / 64] & (1 << (i % 64)) != 0)
            .collect()
    }
}

/// Fixed pseudo-random keys (splitmix64), so runs are reproducible.
fn zobrist_keys(n: usize) -> Vec<u64> {
    let mut x: u64 = 0x5EED_0F5B_1B7A_1AA5;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

fn previous_twins<O: Eq + std::hash::Hash>(entries: &[Entry<O>]) -> Vec<u32> {
    let mut last: hashbrown::HashMap<&O, u32> = hashbrown::HashMap::new();
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if !e.optional {
                return NONE;
            }
            last.insert(&e.op, i as u32).unwrap_or(NONE)
        })
        .collect()
}
