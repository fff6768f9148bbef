//! The history as Biswas and Enea see it: committed transactions in sessions, each external
//! read resolved to the transaction it reads from (the write-read relation, from unique
//! values), each transaction's write set, and, for list-append, the version order the reads
//! reveal. Built in one pass; the read-consistency violations (thin-air, aborted, future,
//! intermediate and internal reads) are found on the way, since with them no commit order
//! can exist at any level.
//!
//! Which transactions count: `ok` ones commit; `info` ones may have committed, and are taken
//! as committed with their reads dropped (their results are unknown). That is exact: a
//! transaction nobody reads from and with no session successor can be placed last in any
//! commit order, and an unknown read can always be given the commit-order-latest write it
//! may see, which adds no happens-before edge. `fail` ones never committed: reading from
//! them is an aborted read.

use hashbrown::HashMap;

use super::pattern::{BadRead, Pattern};
use crate::checker::transactional::extract::{pack, Writes, NONE};
use crate::checker::transactional::options::Workload;
use crate::checker::transactional::txn::{AtomId, KeyId, MopKind, OddWhy, TxnHistory, READ_NIL};
use crate::history::Outcome;

/// The initial transaction: it writes every key's initial value and precedes everything.
pub const INIT: u32 = u32::MAX - 1;

/// One external read: a read of a key the transaction had not written before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtRead {
    /// The key.
    pub key: KeyId,
    /// The transaction it reads from ([`INIT`] for the initial value).
    pub writer: u32,
    /// Index of the read among its transaction's micro-ops.
    pub mop: u32,
}

/// An order between two writers of a key the list reads reveal (list-append only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionEdge {
    /// The earlier writer.
    pub from: u32,
    /// The later one.
    pub to: u32,
    /// The key.
    pub key: KeyId,
    /// The read that shows it ([`NONE`] when `to`'s append is read by nobody and follows the
    /// whole trace).
    pub reader: u32,
    /// That read's micro-op index.
    pub mop: u32,
}

/// The history in Biswas–Enea form.
#[derive(Debug, Default)]
pub struct View {
    /// Per transaction (by [`TxnId`](crate::checker::transactional::TxnId)): committed.
    pub committed: Vec<bool>,
    /// Sessions: committed transactions of each process, in order.
    pub sessions: Vec<Vec<u32>>,
    /// Per transaction: its session (`NONE` when not committed).
    pub session_of: Vec<u32>,
    /// Per transaction: its position in its session.
    pub pos: Vec<u32>,
    /// External reads of all transactions, grouped: those of `t` are
    /// `reads[read_at[t]..read_at[t + 1]]`, in program order.
    pub reads: Vec<ExtRead>,
    /// Offsets into `reads`.
    pub read_at: Vec<u32>,
    /// Keys written, sorted and distinct: those of `t` are `wkeys[write_at[t]..write_at[t+1]]`.
    pub wkeys: Vec<KeyId>,
    /// Offsets into `wkeys`.
    pub write_at: Vec<u32>,
    /// list-append: the version order of each key as reads show it.
    pub versions: Vec<VersionEdge>,
    /// Number of keys.
    pub keys: usize,
}

impl View {
    /// The external reads of `t`.
    pub fn reads_of(&self, t: u32) -> &[ExtRead] {
        &self.reads[self.read_at[t as usize] as usize..self.read_at[t as usize + 1] as usize]
    }

    /// The keys `t` writes, sorted.
    pub fn wkeys_of(&self, t: u32) -> &[KeyId] {
        &self.wkeys[self.write_at[t as usize] as usize..self.write_at[t as usize + 1] as usize]
    }

    /// Number of transactions (committed or not).
    pub fn len(&self) -> usize {
        self.committed.len()
    }
}

/// Builds the view, or returns the first read-consistency violation.
pub fn build(history: &TxnHistory, writes: &Writes) -> Result<View, BadRead> {
    let n = history.txns.len();
    let mut view = View {
        committed: history
            .txns
            .iter()
            .map(|t| t.outcome != Outcome::Fail)
            .collect(),
        session_of: vec![NONE; n],
        pos: vec![NONE; n],
        read_at: Vec::with_capacity(n + 1),
        write_at: Vec::with_capacity(n + 1),
        keys: history.keys.len(),
        ..View::default()
    };
    let mut session_ids: HashMap<u64, u32> = HashMap::new();
    // Write sets, and which transactions write some key twice (only their reads can be
    // intermediate reads): made here, in one sequential pass, so that resolving a read below
    // costs no random load of its writer's transaction and micro-ops (on AWDIT's 10^6-event
    // files that load was most of the time after parsing).
    let mut twice = vec![0u64; n.div_ceil(64)];
    let mut wk: Vec<KeyId> = Vec::new();
    view.write_at.push(0);
    for (t, txn) in history.txns.iter().enumerate() {
        if view.committed[t] {
            wk.clear();
            wk.extend(
                (history.mops_of(txn).iter())
                    .filter(|m| m.kind.is_write())
                    .map(|m| m.key),
            );
            let writes = wk.len();
            wk.sort_unstable();
            wk.dedup();
            if wk.len() < writes {
                twice[t / 64] |= 1 << (t % 64);
            }
            view.wkeys.extend_from_slice(&wk);
        }
        view.write_at.push(view.wkeys.len() as u32);
    }
    let writes_twice = |t: u32| twice[t as usize / 64] & (1 << (t % 64)) != 0;
    for (t, txn) in history.txns.iter().enumerate() {
        if !view.committed[t] {
            continue;
        }
        let next = session_ids.len() as u32;
        let s = *session_ids.entry(txn.process).or_insert(next);
        if s as usize == view.sessions.len() {
            view.sessions.push(Vec::new());
        }
        view.session_of[t] = s;
        view.pos[t] = view.sessions[s as usize].len() as u32;
        view.sessions[s as usize].push(t as u32);
    }
    let list = history.workload == Some(Workload::ListAppend);
    // Per key, the first trace position whose element is unusable (never written, or written
    // by a failed transaction): list reads as long as that are aborted or thin-air reads.
    let bad_from: Vec<u32> = if list {
        first_bad_positions(history, writes)
    } else {
        Vec::new()
    };
    // Per key, where the key's trace first breaks into a block that is not one writer's
    // appends, all of them, in its order: reads longer than that fit no commit order.
    let broken_from: Vec<u32> = if list {
        (0..history.keys.len())
            .map(|k| {
                let trace = &history.traces[k];
                broken_block(history, writes, k as KeyId, trace).map_or(u32::MAX, |p| p as u32)
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut ext = ExtTraces::new(history.keys.len());
    let mut own: Vec<(KeyId, u32)> = Vec::new(); // register: key → own last value
    let mut own_list: Vec<(KeyId, AtomId)> = Vec::new(); // list: own appends, in order
    view.read_at.push(0);
    for (t, txn) in history.txns.iter().enumerate() {
        let t32 = t as u32;
        if txn.outcome == Outcome::Ok {
            own.clear();
            own_list.clear();
            for (i, m) in history.mops_of(txn).iter().enumerate() {
                let read = |writer| ExtRead {
                    key: m.key,
                    writer,
                    mop: i as u32,
                };
                let fail = |pattern, writer| BadRead::new(pattern, t32, i as u32, m.key, writer);
                match m.kind {
                    MopKind::Write => match own.iter_mut().find(|(k, _)| *k == m.key) {
                        Some(slot) => slot.1 = m.value,
                        None => own.push((m.key, m.value)),
                    },
                    MopKind::Append => own_list.push((m.key, m.value)),
                    MopKind::Read if !m.is_known_read() => {}
                    MopKind::Read if list => {
                        let r = &history.reads[m.value as usize];
                        let elements = history.list_elements(m.key, r);
                        let prefix = r.odd.is_none();
                        if r.odd
                            .is_some_and(|o| history.odd[o as usize].why == OddWhy::Duplicates)
                        {
                            return Err(fail(Pattern::IncompatibleOrder, None));
                        }
                        let mine: Vec<AtomId> = (own_list.iter())
                            .filter(|(k, _)| *k == m.key)
                            .map(|(_, a)| *a)
                            .collect();
                        if !elements.ends_with(&mine) {
                            return Err(fail(Pattern::NotMyOwnWrite, None));
                        }
                        let outside = &elements[..elements.len() - mine.len()];
                        let writer =
                            |e: AtomId| writes.get(&pack(m.key, e)).map_or(NONE, |w| w.writer);
                        let bad = if prefix {
                            let b = bad_from[m.key as usize];
                            (outside.len() as u32 > b).then(|| outside[b as usize])
                        } else {
                            outside.iter().copied().find(|&e| {
                                let w = writer(e);
                                w == NONE || history.txns[w as usize].outcome == Outcome::Fail
                            })
                        };
                        if let Some(e) = bad {
                            return Err(match writer(e) {
                                NONE => fail(Pattern::ThinAirRead, None),
                                w => fail(Pattern::AbortedRead, Some(w)),
                            });
                        }
                        // Future reads: an element this transaction appends later.
                        let later = history.mops_of(txn)[i + 1..]
                            .iter()
                            .filter(|l| l.kind == MopKind::Append && l.key == m.key);
                        for l in later {
                            if outside.contains(&l.value) {
                                return Err(fail(Pattern::FutureRead, Some(t32)));
                            }
                        }
                        if !ext.merge(history, m.key, outside, prefix, (t32, i as u32)) {
                            return Err(fail(Pattern::IncompatibleOrder, None));
                        }
                        let Some(&last) = outside.last() else {
                            view.reads.push(read(INIT));
                            continue;
                        };
                        let w = writer(last);
                        if w == t32 {
                            return Err(fail(Pattern::NotMyOwnWrite, Some(w)));
                        }
                        // The read must show all of its writer's appends to the key, in
                        // order, at its end.
                        let theirs = (history.mops_of(&history.txns[w as usize]).iter())
                            .filter(|a| a.kind == MopKind::Append && a.key == m.key)
                            .map(|a| a.value);
                        let n = theirs.clone().count();
                        if n > outside.len()
                            || !theirs.eq(outside[outside.len() - n..].iter().copied())
                        {
                            return Err(fail(Pattern::IntermediateRead, Some(w)));
                        }
                        // Each writer's appends, all of them and in the order it made them,
                        // side by side: its commit installs them at once.
                        let broken = if prefix {
                            outside.len() as u32 > broken_from[m.key as usize]
                        } else {
                            broken_block(history, writes, m.key, outside).is_some()
                        };
                        if broken {
                            return Err(fail(Pattern::IncompatibleOrder, None));
                        }
                        view.reads.push(read(w));
                    }
                    MopKind::Read => {
                        if let Some(&(_, mine)) = own.iter().find(|(k, _)| *k == m.key) {
                            if m.value != mine {
                                return Err(fail(Pattern::NotMyOwnWrite, Some(t32)));
                            }
                            continue;
                        }
                        if m.value == READ_NIL {
                            view.reads.push(read(INIT));
                            continue;
                        }
                        let w = writes.get(&pack(m.key, m.value)).map_or(NONE, |w| w.writer);
                        if w == NONE {
                            return Err(fail(Pattern::ThinAirRead, None));
                        }
                        if w == t32 {
                            return Err(fail(Pattern::FutureRead, Some(w)));
                        }
                        if !view.committed[w as usize] {
                            return Err(fail(Pattern::AbortedRead, Some(w)));
                        }
                        // A writer writing each key once wrote this value last.
                        if writes_twice(w) && last_write(history, w, m.key) != Some(m.value) {
                            return Err(fail(Pattern::IntermediateRead, Some(w)));
                        }
                        view.reads.push(read(w));
                    }
                }
            }
        }
        view.read_at.push(view.reads.len() as u32);
    }
    if list {
        version_edges(history, writes, &ext, &mut view);
    }
    Ok(view)
}

/// The value `t`'s last write (append) to `key` wrote.
fn last_write(history: &TxnHistory, t: u32, key: KeyId) -> Option<AtomId> {
    let txn = &history.txns[t as usize];
    (history.mops_of(txn).iter().rev())
        .find(|m| m.kind.is_write() && m.key == key)
        .map(|m| m.value)
}

/// Where `elements` (a list of `key`, writers known) first stops being a run of blocks, each
/// one writer's appends to `key`, complete and in the writer's program order: the start of
/// the first block that is not (`None`: every block is whole and in order). An element no
/// usable transaction wrote ends the walk there (such reads fail as thin-air or aborted).
fn broken_block(
    history: &TxnHistory,
    writes: &Writes,
    key: KeyId,
    elements: &[AtomId],
) -> Option<usize> {
    let mut p = 0;
    while p < elements.len() {
        let w = writes
            .get(&pack(key, elements[p]))
            .map_or(NONE, |w| w.writer);
        if w == NONE {
            return Some(p);
        }
        let theirs = (history.mops_of(&history.txns[w as usize]).iter())
            .filter(|a| a.kind == MopKind::Append && a.key == key)
            .map(|a| a.value);
        let n = theirs.clone().count();
        if p + n > elements.len() || !theirs.eq(elements[p..p + n].iter().copied()) {
            return Some(p);
        }
        p += n;
    }
    None
}

fn first_bad_positions(history: &TxnHistory, writes: &Writes) -> Vec<u32> {
    (history.traces.iter().enumerate())
        .map(|(k, trace)| {
            (trace.iter())
                .position(|&e| {
                    writes.get(&pack(k as KeyId, e)).is_none_or(|w| {
                        w.writer == NONE || history.txns[w.writer as usize].outcome == Outcome::Fail
                    })
                })
                .map_or(u32::MAX, |p| p as u32)
        })
        .collect()
}

/// list-append, per key: the longest external part of a read (what it saw besides its own
/// appends), which every other external part must be a prefix of; it is the key's version
/// order as far as reads show it.
struct ExtTraces {
    /// Per key: the longest external part, as a prefix length of the key's trace when it is
    /// one (the common case, no copy), else its elements.
    longest: Vec<Ext>,
    /// Per key: the read that showed it.
    shown_by: Vec<(u32, u32)>,
}

enum Ext {
    Prefix(u32),
    Own(Vec<AtomId>),
}

impl ExtTraces {
    fn new(keys: usize) -> Self {
        ExtTraces {
            longest: (0..keys).map(|_| Ext::Prefix(0)).collect(),
            shown_by: vec![(NONE, NONE); keys],
        }
    }

    fn elements<'a>(&'a self, history: &'a TxnHistory, key: KeyId) -> &'a [AtomId] {
        match &self.longest[key as usize] {
            Ext::Prefix(n) => &history.traces[key as usize][..*n as usize],
            Ext::Own(v) => v,
        }
    }

    /// Adds one external part; false when it is incompatible with those seen.
    fn merge(
        &mut self,
        history: &TxnHistory,
        key: KeyId,
        part: &[AtomId],
        prefix: bool,
        read: (u32, u32),
    ) -> bool {
        if let (Ext::Prefix(n), true) = (&self.longest[key as usize], prefix) {
            if part.len() as u32 > *n {
                self.longest[key as usize] = Ext::Prefix(part.len() as u32);
                self.shown_by[key as usize] = read;
            }
            return true;
        }
        let current = self.elements(history, key);
        if part.len() > current.len() {
            if !part.starts_with(current) {
                return false;
            }
            self.longest[key as usize] = if prefix {
                Ext::Prefix(part.len() as u32)
            } else {
                Ext::Own(part.to_vec())
            };
            self.shown_by[key as usize] = read;
            true
        } else {
            current.starts_with(part)
        }
    }
}

/// list-append: consecutive elements of each key's version order (the longest external part)
/// order their writers; committed appends no read shows follow all of it.
fn version_edges(history: &TxnHistory, writes: &Writes, ext: &ExtTraces, view: &mut View) {
    for k in 0..history.keys.len() as KeyId {
        let (reader, mop) = ext.shown_by[k as usize];
        let order = ext.elements(history, k);
        let writer = |e: AtomId| writes.get(&pack(k, e)).map_or(NONE, |w| w.writer);
        for pair in order.windows(2) {
            let (a, b) = (writer(pair[0]), writer(pair[1]));
            if a != b && a != NONE && b != NONE {
                view.versions.push(VersionEdge {
                    from: a,
                    to: b,
                    key: k,
                    reader,
                    mop,
                });
            }
        }
    }
    // Appends no read shows follow the whole order of their key.
    for (t, txn) in history.txns.iter().enumerate() {
        if !view.committed[t] {
            continue;
        }
        for m in history
            .mops_of(txn)
            .iter()
            .filter(|m| m.kind == MopKind::Append)
        {
            let order = ext.elements(history, m.key);
            let Some(&last) = order.last() else { continue };
            let shown = match &ext.longest[m.key as usize] {
                Ext::Prefix(n) => writes
                    .get(&pack(m.key, m.value))
                    .is_some_and(|w| w.pos != NONE && w.pos < *n),
                Ext::Own(v) => v.contains(&m.value),
            };
            let from = writes.get(&pack(m.key, last)).map_or(NONE, |w| w.writer);
            if !shown && from != t as u32 && from != NONE {
                view.versions.push(VersionEdge {
                    from,
                    to: t as u32,
                    key: m.key,
                    reader: NONE,
                    mop: NONE,
                });
            }
        }
    }
}
