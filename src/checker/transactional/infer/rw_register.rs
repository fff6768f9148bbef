//! rw-register version orders: inferred, since a register read shows one version only.
//!
//! Versions are the values written per key, plus the initial `nil`. Inference sources, each
//! added in turn (Elle's `version-graphs`); a source whose edges would make some key's order
//! cyclic is dropped and the cycle reported as `cyclic-versions`:
//!
//! 1. **initial**: `nil` precedes every version.
//! 2. **within-txn** (always on): inside a committed transaction, a write follows every version
//!    the transaction saw of that key before it (its earlier reads and writes). This extends
//!    Elle's writes-follow-reads (`:wfr-keys?`, which relates only the first read and the last
//!    write) to every micro-op, the way list-append's traces order intermediate appends too; it
//!    is what finds the `G0` of maelstrom#56, which Maelstrom's wfr-only inference misses.
//! 3. **process** (`--sequential-keys`): per key, a process's successive transactions see
//!    successive versions: the last version one touched precedes the first the next touched.
//! 4. **realtime** (`--linearizable-keys`): the same across processes whenever one transaction
//!    completed before the other was invoked (per key, a frontier sweep: O(n · concurrency)).
//!
//! Every version edge `a → b` yields ww (writer of `a` → writer of `b`) and rw (each reader of
//! `a` → writer of `b`) edges; `nil → b` edges are kept only for versions nothing else precedes
//! (the others follow `nil` through them). Reads yield wr edges directly.

use hashbrown::HashMap;

use super::{push_edge, DataEdge, OrderCoverage, RW, WR, WW};
use crate::checker::transactional::case::Case;
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::scc;
use crate::checker::transactional::txn::{KeyId, MopKind, TxnHistory, READ_NIL, READ_UNKNOWN};
use crate::history::{Outcome, Value};

/// Where a version edge came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `nil` precedes every version.
    Initial,
    /// Inside this transaction, the later version was written after the earlier one was seen.
    WithinTxn(u32),
    /// Successive transactions of one process (`--sequential-keys`).
    Process(u32, u32),
    /// The first completed before the second was invoked (`--linearizable-keys`).
    Realtime(u32, u32),
}

/// The inferred version graph of every key.
#[derive(Debug, Default)]
pub struct RegisterOrder {
    /// Version nodes: `(key, atom)`, the atom [`READ_NIL`] for the initial state.
    pub nodes: Vec<(KeyId, u32)>,
    index: HashMap<u64, u32>,
    /// Accepted version edges, with the source of each.
    pub edges: HashMap<(u32, u32), Source>,
    /// The sources used, in order.
    pub sources: Vec<&'static str>,
    /// `cyclic-versions` cases.
    pub cyclic: Vec<Case>,
}

impl RegisterOrder {
    /// The node of `(key, value)`, if it is a version.
    pub fn node(&self, key: KeyId, value: u32) -> Option<u32> {
        self.index.get(&pack(key, value)).copied()
    }

    fn intern(&mut self, key: KeyId, value: u32) -> u32 {
        let next = self.nodes.len() as u32;
        let id = *self.index.entry(pack(key, value)).or_insert(next);
        if id == next {
            self.nodes.push((key, value));
        }
        id
    }
}

/// A key's first and last version in a transaction (`None`: it does not touch the key, or only
/// reads it without a known result).
fn touched(history: &TxnHistory, t: u32) -> Vec<(KeyId, u32, u32)> {
    let txn = &history.txns[t as usize];
    let mut out: Vec<(KeyId, u32, u32)> = Vec::new();
    for mop in history.mops_of(txn) {
        let value = match mop.kind {
            MopKind::Read if txn.outcome == Outcome::Ok && mop.value != READ_UNKNOWN => mop.value,
            MopKind::Write => mop.value,
            _ => continue,
        };
        match out.iter_mut().find(|(k, _, _)| *k == mop.key) {
            Some(entry) => {
                // The last version: a write always; a read only if nothing was written since.
                if mop.kind == MopKind::Write || !was_written(history, txn, mop.key) {
                    entry.2 = value;
                }
            }
            None => out.push((mop.key, value, value)),
        }
    }
    out
}

fn was_written(
    history: &TxnHistory,
    txn: &crate::checker::transactional::txn::Txn,
    key: KeyId,
) -> bool {
    history
        .mops_of(txn)
        .iter()
        .any(|m| m.kind == MopKind::Write && m.key == key)
}

/// Version edges with their sources.
type VersionEdges = Vec<(u32, u32, Source)>;

/// Infers the version graph. `sequential` and `linearizable` turn on sources 3 and 4.
pub fn order(history: &TxnHistory, sequential: bool, linearizable: bool) -> RegisterOrder {
    let mut order = RegisterOrder::default();
    for key in 0..history.keys.len() as KeyId {
        order.intern(key, READ_NIL);
    }
    for txn in &history.txns {
        for mop in history.mops_of(txn) {
            if mop.kind == MopKind::Write
                || (mop.kind == MopKind::Read && mop.value != READ_UNKNOWN)
            {
                order.intern(mop.key, mop.value);
            }
        }
    }
    order.sources.push("initial");
    let mut candidates: Vec<(&'static str, VersionEdges)> =
        vec![("within-txn", within_txn(history, &mut order))];
    if sequential {
        candidates.push(("sequential-keys", by_process(history, &mut order)));
    }
    if linearizable {
        candidates.push(("linearizable-keys", by_realtime(history, &mut order)));
    }
    for (name, edges) in candidates {
        add_source(history, &mut order, name, edges);
    }
    order
}

/// Source 2: inside each committed transaction, writes follow what it saw before.
fn within_txn(history: &TxnHistory, order: &mut RegisterOrder) -> Vec<(u32, u32, Source)> {
    let mut edges = Vec::new();
    let mut seen: Vec<(KeyId, u32)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        seen.clear();
        for mop in history.mops_of(txn) {
            if mop.kind == MopKind::Write {
                for &(k, v) in &seen {
                    if k == mop.key && v != mop.value && v != READ_NIL {
                        let a = order.intern(k, v);
                        let b = order.intern(k, mop.value);
                        edges.push((a, b, Source::WithinTxn(t as u32)));
                    }
                }
            }
            if mop.value != READ_UNKNOWN && !seen.contains(&(mop.key, mop.value)) {
                seen.push((mop.key, mop.value));
            }
        }
    }
    edges
}

/// Source 3: per process and key, successive transactions see successive versions.
fn by_process(history: &TxnHistory, order: &mut RegisterOrder) -> Vec<(u32, u32, Source)> {
    let mut edges = Vec::new();
    // (process, key) → (last version, its transaction).
    let mut last: HashMap<(u64, KeyId), (u32, u32)> = HashMap::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome == Outcome::Fail {
            continue;
        }
        for (key, first, final_) in touched(history, t as u32) {
            if let Some(&(prev, pt)) = last.get(&(txn.process, key)) {
                if prev != first {
                    let a = order.intern(key, prev);
                    let b = order.intern(key, first);
                    edges.push((a, b, Source::Process(pt, t as u32)));
                }
            }
            // An indeterminate transaction may take effect after its process moved on (or not
            // at all): it follows its predecessor but precedes nothing.
            if txn.outcome == Outcome::Ok {
                last.insert((txn.process, key), (final_, t as u32));
            }
        }
    }
    edges
}

/// Source 4: per key, a transaction completed before another was invoked saw an earlier version.
fn by_realtime(history: &TxnHistory, order: &mut RegisterOrder) -> Vec<(u32, u32, Source)> {
    // Per key, the transactions touching it with their first and last versions.
    let mut per_key: HashMap<KeyId, Vec<(u32, u32, u32)>> = HashMap::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome == Outcome::Fail {
            continue;
        }
        for (key, first, final_) in touched(history, t as u32) {
            per_key
                .entry(key)
                .or_default()
                .push((t as u32, first, final_));
        }
    }
    let mut edges = Vec::new();
    let mut keys: Vec<_> = per_key.into_iter().collect();
    keys.sort_unstable_by_key(|(k, _)| *k);
    for (key, txns) in keys {
        // Events in history order: (position, is_completion, index into txns).
        let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(txns.len() * 2);
        for (i, &(t, _, _)) in txns.iter().enumerate() {
            let txn = &history.txns[t as usize];
            events.push((txn.call, false, i));
            if txn.outcome == Outcome::Ok {
                events.push((txn.ret, true, i));
            }
        }
        events.sort_unstable();
        let mut frontier: Vec<usize> = Vec::new();
        let mut preds: HashMap<usize, Vec<usize>> = HashMap::new();
        for (_, completion, i) in events {
            if completion {
                let before = preds.remove(&i).unwrap_or_default();
                frontier.retain(|f| !before.contains(f));
                frontier.push(i);
            } else {
                let (t, first, _) = txns[i];
                for &p in &frontier {
                    let (pt, _, final_) = txns[p];
                    if final_ != first {
                        let a = order.intern(key, final_);
                        let b = order.intern(key, first);
                        edges.push((a, b, Source::Realtime(pt, t)));
                    }
                }
                preds.insert(i, frontier.clone());
            }
        }
    }
    edges
}

/// Adds a source's edges unless they make a key's versions cyclic (then reports the cycles).
fn add_source(
    history: &TxnHistory,
    order: &mut RegisterOrder,
    name: &'static str,
    edges: Vec<(u32, u32, Source)>,
) {
    let nil = |order: &RegisterOrder, n: u32| order.nodes[n as usize].1 == READ_NIL;
    let mut all: Vec<(u32, u32)> = order.edges.keys().copied().collect();
    all.extend(edges.iter().map(|&(a, b, _)| (a, b)));
    let mut cycles: Vec<Vec<u32>> = scc::nontrivial(order.nodes.len(), &all);
    // nil precedes everything: an edge into nil closes a cycle with the initial source.
    for &(a, b, _) in &edges {
        if nil(order, b) && !nil(order, a) {
            cycles.push(vec![b, a]);
        }
    }
    if cycles.is_empty() {
        for (a, b, source) in edges {
            order.edges.entry((a, b)).or_insert(source);
        }
        order.sources.push(name);
        return;
    }
    let mut sources: Vec<String> = order.sources.iter().map(|s| s.to_string()).collect();
    sources.push(name.to_string());
    for mut cycle in cycles {
        cycle.sort_unstable_by_key(|&n| order.nodes[n as usize].1);
        let key = order.nodes[cycle[0] as usize].0;
        order.cyclic.push(Case::CyclicVersions {
            key: history.key(key).clone(),
            versions: cycle
                .iter()
                .map(|&n| version_value(history, order.nodes[n as usize].1))
                .collect(),
            sources: sources.clone(),
        });
    }
}

/// The value of a version atom (`nil` for the initial state).
pub fn version_value(history: &TxnHistory, atom: u32) -> Value {
    if atom == READ_NIL {
        Value::Nil
    } else {
        history.atoms.value(atom)
    }
}

/// The version edges, `nil → b` included for every `b` nothing else precedes, and the source
/// of each.
pub fn version_edges(order: &RegisterOrder) -> Vec<(u32, u32, Source)> {
    let mut preceded = vec![false; order.nodes.len()];
    let mut out: Vec<(u32, u32, Source)> = order
        .edges
        .iter()
        .map(|(&(a, b), &s)| {
            preceded[b as usize] = true;
            (a, b, s)
        })
        .collect();
    let nils: HashMap<KeyId, u32> = order
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| *v == READ_NIL)
        .map(|(n, (k, _))| (*k, n as u32))
        .collect();
    for (n, &(key, value)) in order.nodes.iter().enumerate() {
        if value != READ_NIL && !preceded[n] {
            out.push((nils[&key], n as u32, Source::Initial));
        }
    }
    out.sort_unstable_by_key(|&(a, b, _)| (a, b));
    out
}

/// Writers and readers of each version node.
pub struct Access {
    /// Per node: the transaction that wrote it ([`NONE`]: none).
    pub writer: Vec<u32>,
    /// Per node: the committed transactions that read it, as a range of `reader_list`.
    pub readers: Vec<std::ops::Range<u32>>,
    /// Readers, grouped by node.
    pub reader_list: Vec<u32>,
}

/// Indexes who wrote and who read each version.
pub fn access(history: &TxnHistory, order: &RegisterOrder, writes: &Writes) -> Access {
    let n = order.nodes.len();
    let writer = order
        .nodes
        .iter()
        .map(|&(k, v)| writes.get(&pack(k, v)).map_or(NONE, |w| w.writer))
        .collect();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (t, txn) in history.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        for mop in history.mops_of(txn) {
            if mop.kind == MopKind::Read && mop.value != READ_UNKNOWN {
                if let Some(node) = order.node(mop.key, mop.value) {
                    pairs.push((node, t as u32));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut readers = vec![0..0; n];
    let mut start = 0;
    while start < pairs.len() {
        let node = pairs[start].0;
        let end = start + pairs[start..].iter().take_while(|p| p.0 == node).count();
        readers[node as usize] = start as u32..end as u32;
        start = end;
    }
    Access {
        writer,
        readers,
        reader_list: pairs.into_iter().map(|(_, t)| t).collect(),
    }
}

/// The ww, wr and rw edges of the history.
pub fn edges(history: &TxnHistory, order: &RegisterOrder, access: &Access) -> Vec<DataEdge> {
    let mut edges = Vec::new();
    for node in 0..order.nodes.len() {
        let w = access.writer[node];
        if w == NONE {
            continue;
        }
        for &r in &access.reader_list
            [access.readers[node].start as usize..access.readers[node].end as usize]
        {
            push_edge(history, &mut edges, w, r, WR);
        }
    }
    for (a, b, _) in version_edges(order) {
        let wb = access.writer[b as usize];
        if wb == NONE {
            continue;
        }
        let wa = access.writer[a as usize];
        if wa != NONE {
            push_edge(history, &mut edges, wa, wb, WW);
        }
        let range = &access.readers[a as usize];
        for &r in &access.reader_list[range.start as usize..range.end as usize] {
            push_edge(history, &mut edges, r, wb, RW);
        }
    }
    edges
}

/// Whether every key's versions (of transactions that may have committed) form one chain.
pub fn coverage(history: &TxnHistory, order: &RegisterOrder, access: &Access) -> OrderCoverage {
    let mut coverage = OrderCoverage {
        total: true,
        ..OrderCoverage::default()
    };
    let n = order.nodes.len();
    let edges = version_edges(order);
    let mut out_edges: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut indegree = vec![0u32; n];
    for &(a, b, _) in &edges {
        out_edges[a as usize].push(b);
        indegree[b as usize] += 1;
    }
    // An indeterminate transaction happened for sure once any of its writes was read.
    let mut observed = vec![false; history.txns.len()];
    for (node, &w) in access.writer.iter().enumerate() {
        if w != NONE && !access.readers[node].is_empty() {
            observed[w as usize] = true;
        }
    }
    // A version counts if its writer committed, or is indeterminate but surely happened.
    let counts = |node: usize| -> bool {
        let (_, value) = order.nodes[node];
        if value == READ_NIL {
            return true;
        }
        let w = access.writer[node];
        if w == NONE {
            return false;
        }
        match history.txns[w as usize].outcome {
            Outcome::Ok => true,
            Outcome::Info => observed[w as usize],
            Outcome::Fail => false,
        }
    };
    // One Kahn order of all versions (edges never cross keys), then each key's subsequence:
    // the versions that count must follow each other directly.
    let mut ready: Vec<u32> = (0..n as u32)
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    let mut by_key: Vec<Vec<u32>> = vec![Vec::new(); history.keys.len()];
    while let Some(v) = ready.pop() {
        by_key[order.nodes[v as usize].0 as usize].push(v);
        for &b in &out_edges[v as usize] {
            indegree[b as usize] -= 1;
            if indegree[b as usize] == 0 {
                ready.push(b);
            }
        }
    }
    for (key, topo) in by_key.iter().enumerate() {
        let counted: Vec<u32> = topo
            .iter()
            .copied()
            .filter(|&v| counts(v as usize))
            .collect();
        let chain = counted
            .windows(2)
            .all(|w| out_edges[w[0] as usize].contains(&w[1]));
        let garbage = topo
            .iter()
            .any(|&v| order.nodes[v as usize].1 != READ_NIL && access.writer[v as usize] == NONE);
        if !chain || garbage {
            let name = history.key(key as KeyId);
            coverage.gap(|| format!("key {name}: the inferred version order is partial"));
        }
    }
    coverage
}
