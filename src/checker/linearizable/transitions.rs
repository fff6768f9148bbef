//! [`Transitions`]: interned states and a cache of `step` results.
//!
//! The search works on state ids (`u32`). Each new state is interned once; while the table stays
//! small, every (state, operation) transition is computed once and then read from a dense array
//! (Knossos' `model.memo` idea), so a register's search never clones or compares values in its
//! inner loop.

use hashbrown::HashMap;

use crate::checker::spec::{Entry, Spec};

const UNKNOWN: u32 = u32::MAX;
const ILLEGAL: u32 = u32::MAX - 1;
/// Most cached transitions (entries of 4 bytes).
const TABLE_LIMIT: usize = 1 << 22;

/// Interned states and cached transitions for one key's operations.
pub struct Transitions<'a, S: Spec> {
    spec: &'a S,
    entries: &'a [Entry<S::Op>],
    states: Vec<S::State>,
    ids: HashMap<S::State, u32>,
    table: Vec<u32>,
    rows: usize,
    /// Heap bytes the interned states hold (each is stored twice: list and map).
    state_bytes: usize,
}

impl<'a, S: Spec> Transitions<'a, S> {
    /// An empty cache over `entries`.
    pub fn new(spec: &'a S, entries: &'a [Entry<S::Op>]) -> Self {
        Transitions {
            spec,
            entries,
            states: Vec::new(),
            ids: HashMap::new(),
            table: Vec::new(),
            rows: 0,
            state_bytes: 0,
        }
    }

    /// The id of `state`, interning it if new.
    pub fn intern(&mut self, state: S::State) -> u32 {
        if let Some(&id) = self.ids.get(&state) {
            return id;
        }
        let id = self.states.len() as u32;
        self.state_bytes += 2 * self.spec.state_heap_bytes(&state);
        self.states.push(state.clone());
        self.ids.insert(state, id);
        let n = self.entries.len();
        if self.rows == id as usize && (self.rows + 1) * n <= TABLE_LIMIT {
            self.table.resize((self.rows + 1) * n, UNKNOWN);
            self.rows += 1;
        }
        id
    }

    /// The spec.
    pub fn spec(&self) -> &'a S {
        self.spec
    }

    /// The state with id `id`.
    pub fn state_value(&self, id: u32) -> &S::State {
        &self.states[id as usize]
    }

    /// The state after entry `op` from state `state`, or `None` if illegal.
    pub fn step(&mut self, state: u32, op: usize) -> Option<u32> {
        let slot = (state as usize) < self.rows;
        let index = state as usize * self.entries.len() + op;
        if slot {
            match self.table[index] {
                UNKNOWN => {}
                ILLEGAL => return None,
                next => return Some(next),
            }
        }
        let next = self
            .spec
            .step(&self.states[state as usize], &self.entries[op].op)
            .map(|s| self.intern(s));
        if slot {
            self.table[index] = next.unwrap_or(ILLEGAL);
        }
        next
    }

    /// Approximate heap bytes in use.
    pub fn bytes(&self) -> usize {
        self.table.capacity() * 4
            + (self.states.capacity() + self.ids.capacity()) * (std::mem::size_of::<S::State>() + 8)
            + self.state_bytes
    }
}
