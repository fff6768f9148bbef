//! Causal consistency (Biswas–Enea): if `t2` reads `x` from `t1` and `t3`, a writer of `x`,
//! happens before `t2` (session order and write-read, transitively), then `t3` commits before
//! `t1`; and happens-before itself is acyclic.
//!
//! AWDIT's algorithm walks happens-before in topological order with vector clocks and, per
//! read, adds an edge from the last writer of the key in every session, O(n·k) edges kept in
//! memory (23 GB at 10^6 events and 1,000 sessions). Here the edges are thinned without
//! losing any consequence:
//!
//! - an edge from a writer that already happens before `t1` is implied by happens-before;
//! - per session `s'` and key `x`, only a writer that entered the past since the previous
//!   read of `x` in `s'` needs an edge (found where a clock entry moved). The writers of the others were
//!   candidates then and already precede `t1_prev`, the writer that read returned; and
//!   `t1_prev` itself, a writer of `x` that happens before `t2`, gets the edge
//!   `t1_prev → t1`. So every instance of the axiom is implied by the edges added.
//! - a session none of whose writers of `x` in `t2`'s past lies outside the past of a
//!   writer of `x` among `t2`'s sources (its session predecessor and the transactions it
//!   reads from, `t1` among them) is skipped before any look-up: its writers happen before
//!   that source, which is handled like any writer of `x` in the past (next point). The test
//!   is one comparison per clock entry against clocks already at hand. On AWDIT's 10^6-event
//!   causal history (1,000 sessions) it leaves 139 of the 313 sessions per read whose clock
//!   entry moved since the previous read of the key, and 44 of the 153 new writers; the
//!   maximality test below removed those anyway, so the edges do not change, and the time
//!   saved (a look-up each, a cache miss) is within the noise of a shared machine.
//! - among the writers left, one that happens before another writer of `x` in `t2`'s past
//!   needs no edge: that writer precedes `t1` (by its own edge, or by happens-before, or by
//!   its own dominator's edge), and happens-before is in the commit order. Only the
//!   happens-before-maximal ones get an edge. Maximality is tested with the writers' clocks,
//!   latest visited first, against at most `DOMINATORS` of them; a writer whose clock was
//!   already freed keeps its edge but cannot rule out another (sound either way: only implied
//!   edges are dropped). On AWDIT's 10^6-event
//!   causal history this halves the edges (35.5 M to 17.4 M); keeping every writer's clock
//!   alive would leave 7.0 M but costs more memory (0.9 GB) than the edges it saves.
//!
//! With few keys (up to [`FRONTIER_KEYS`]) the scan of the sessions is replaced: each
//! transaction keeps, per key, the happens-before-maximal writers of it in its past (its
//! frontier, `causal/frontier.rs`, merged from its sources' at each step), and a read adds an
//! edge from each element of the frontier that is new since the previous read of the key in
//! the session (not in that read's past), is not `t1` and does not happen before `t1`. Every
//! writer of `x` in the past lies at or under a frontier element, and a new writer only under
//! new ones (the past is closed downwards), so this is the maximality thinning done exactly,
//! without a look-up per session; it costs memory per live transaction of the order of its
//! clock. On AWDIT's 10^6-event causal history: 7.0 M edges instead of 17.5 M.
//!
//! The last writer of `x` a session has before a clock entry is read from a counting table
//! (per session position and key) when that fits in 64 MB, else by binary search.
//!
//! Vector clocks are shared (`Rc`) and freed as soon as no unvisited successor and no
//! per-session memory of a previous read needs them; with frontiers that memory is the
//! previous reader's frontier of the key (a few writers), not its clock, so a clock lives
//! only until its readers are visited.

mod frontier;

use std::rc::Rc;
use std::time::Instant;

use hashbrown::HashMap;

use frontier::Frontier;

use super::graph::Edge;
use super::view::{View, INIT};
use crate::checker::transactional::extract::NONE;

/// Why the edges could not all be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Happens-before is cyclic (the caller finds the cycle in the base edges).
    Cyclic,
    /// The deadline passed.
    Deadline,
}

/// Per key: the sessions writing it and, for each, the positions (in the session) of its
/// writers, ascending.
#[derive(Default)]
struct Writers {
    /// Per key: range into `sessions`.
    at: Vec<u32>,
    /// `(session, start in positions)`; the end is the next entry's start.
    sessions: Vec<(u32, u32)>,
    positions: Vec<u32>,
    /// When sessions × positions × keys is small: per session a block of rows, row `p` of
    /// session `s` at `rows[s] + p` holding, per key, how many writers of it the session has
    /// before position `p`. One load instead of a binary search per moved clock entry.
    dense: Option<Dense>,
}

/// The counting table of [`Writers::dense`].
struct Dense {
    rows: Vec<u32>,
    counts: Vec<u32>,
    keys: usize,
}

/// How many maximal writers (the latest visited) a candidate is tested against: the test
/// costs candidates × dominators per read, quadratic in the sessions when unbounded (where
/// happens-before is sparse, as in histories generated at read committed).
const DOMINATORS: usize = 8;

/// Entries (sessions' positions × keys) up to which the counting table is built: 64 MB.
const DENSE_MAX: usize = 16 << 20;

impl Writers {
    /// `dense_max`: the largest counting table built (entries); [`DENSE_MAX`] but in tests.
    fn new(view: &View, dense_max: usize) -> Writers {
        let mut triples: Vec<(u32, u32, u32)> = Vec::new();
        for (s, session) in view.sessions.iter().enumerate() {
            for (p, &t) in session.iter().enumerate() {
                for &k in view.wkeys_of(t) {
                    triples.push((k, s as u32, p as u32));
                }
            }
        }
        triples.sort_unstable();
        let mut at = vec![0u32; view.keys + 1];
        let mut sessions = Vec::new();
        let mut positions = Vec::with_capacity(triples.len());
        let mut prev: Option<(u32, u32)> = None;
        for &(k, s, p) in &triples {
            if prev != Some((k, s)) {
                sessions.push((s, positions.len() as u32));
                at[k as usize + 1] += 1;
                prev = Some((k, s));
            }
            positions.push(p);
        }
        sessions.push((NONE, positions.len() as u32));
        for i in 0..view.keys {
            at[i + 1] += at[i];
        }
        let rows_total: usize = view.sessions.iter().map(|s| s.len() + 1).sum();
        let dense = (rows_total.saturating_mul(view.keys) <= dense_max).then(|| {
            let keys = view.keys;
            let mut rows = Vec::with_capacity(view.sessions.len());
            let mut counts = vec![0u32; rows_total * keys];
            let mut row = 0usize;
            for session in &view.sessions {
                rows.push(row as u32);
                for &t in session {
                    let (here, next) = counts.split_at_mut((row + 1) * keys);
                    next[..keys].copy_from_slice(&here[row * keys..]);
                    for &k in view.wkeys_of(t) {
                        next[k as usize] += 1;
                    }
                    row += 1;
                }
                row += 1;
            }
            Dense { rows, counts, keys }
        });
        Writers {
            at,
            sessions,
            positions,
            dense,
        }
    }

    /// How many of the writers of `key` in entry `i` (session `s`) sit before position `now`.
    fn count_before(&self, i: usize, s: u32, key: u32, now: u32) -> u32 {
        match &self.dense {
            Some(d) => d.counts[(d.rows[s as usize] + now) as usize * d.keys + key as usize],
            None => self.entry(i).1.partition_point(|&p| p < now) as u32,
        }
    }

    /// The entries (indices) of the sessions writing `key`.
    fn of(&self, key: u32) -> std::ops::Range<usize> {
        self.at[key as usize] as usize..self.at[key as usize + 1] as usize
    }

    /// Entry `i`: its session and the positions of its writers of the key.
    fn entry(&self, i: usize) -> (u32, &[u32]) {
        let (s, a) = self.sessions[i];
        let b = self.sessions[i + 1].1;
        (s, &self.positions[a as usize..b as usize])
    }
}

/// What a session remembers of its previous read of a key: what it read, and what was in
/// its past then.
struct Previous {
    past: Past,
    writer: u32,
}

/// The past of a session's previous read of a key, as far as the next read of it needs it.
enum Past {
    /// The reader's clock (the per-session scan).
    Clock(Rc<[u32]>),
    /// The reader's frontier of the key: of the next reader's frontier elements, exactly
    /// those in it were in the previous reader's past (an element of the new frontier in the
    /// old past lies under an element of the old frontier, which is in the new past, so it
    /// is that element: it is maximal). Shared with the frontiers, a few writers; a clock
    /// here kept a 4-byte entry per session alive per session and key, for good: most of
    /// the memory on histories of thousands of sessions.
    Front(Rc<[frontier::Writer]>),
}

/// Keys up to which the frontiers are kept ([`frontier`]); past it, the per-session scan.
const FRONTIER_KEYS: usize = 64;

/// Appends the edges causal consistency forces (thinned as the module says).
pub fn edges(view: &View, out: &mut Vec<Edge>, deadline: Option<Instant>) -> Result<(), Stop> {
    edges_by(view, out, deadline, view.keys <= FRONTIER_KEYS)
}

/// [`edges`], from the frontiers or by the per-session scan.
fn edges_by(
    view: &View,
    out: &mut Vec<Edge>,
    deadline: Option<Instant>,
    frontiers: bool,
) -> Result<(), Stop> {
    let n = view.len();
    let k = view.sessions.len();
    let writers = if frontiers {
        Writers::default()
    } else {
        Writers::new(view, DENSE_MAX)
    };
    // Topological order of session order ∪ write-read (Kahn, depth first).
    let mut indeg = vec![0u32; n];
    let mut uses = vec![0u32; n]; // how many successors will read this clock
    let mut readers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for t in 0..n as u32 {
        if !view.committed[t as usize] {
            continue;
        }
        if view.pos[t as usize] > 0 {
            indeg[t as usize] += 1;
            let prev = view.sessions[view.session_of[t as usize] as usize]
                [view.pos[t as usize] as usize - 1];
            uses[prev as usize] += 1;
        }
        for r in view.reads_of(t) {
            if r.writer != INIT {
                indeg[t as usize] += 1;
                uses[r.writer as usize] += 1;
                readers[r.writer as usize].push(t);
            }
        }
    }
    let mut ready: Vec<u32> = (view.sessions.iter())
        .map(|s| s[0])
        .filter(|&t| indeg[t as usize] == 0)
        .collect();
    let mut clocks: Vec<Option<Rc<[u32]>>> = vec![None; n];
    let mut previous: HashMap<(u32, u32), Previous> = HashMap::new();
    let zero: Rc<[u32]> = vec![0u32; k].into();
    let mut stamp = vec![NONE; n];
    let mut done = 0usize;
    let mut changed: Vec<(u32, u32, u32)> = Vec::new();
    let mut candidates: Vec<(u32, u32, u32, u32)> = Vec::new(); // (visited, writer, session, pos)
    let mut maximal: Vec<u32> = Vec::new();
    let mut visited = vec![NONE; n];
    let mut sources: Vec<u32> = Vec::new(); // t2's session predecessor and the writers it reads
    let mut covering: Vec<Rc<[u32]>> = Vec::new();
    let mut fronts: Vec<Option<Rc<Frontier>>> = vec![None; if frontiers { n } else { 0 }];
    let mut scratch = frontier::Scratch::default();
    while let Some(t2) = ready.pop() {
        done += 1;
        if done % 4096 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Stop::Deadline);
        }
        visited[t2 as usize] = done as u32;
        let s2 = view.session_of[t2 as usize];
        let p2 = view.pos[t2 as usize];
        // The clock of t2's strict past.
        // Made in place in its shared form (one allocation and copy of k entries, not two).
        let mut clock: Rc<[u32]> = if p2 > 0 {
            let prev = view.sessions[s2 as usize][p2 as usize - 1];
            Rc::from(clocks[prev as usize].as_deref().expect("visited"))
        } else {
            Rc::from(&zero[..])
        };
        let fresh = Rc::get_mut(&mut clock).expect("not shared yet");
        fresh[s2 as usize] = p2;
        sources.clear();
        if p2 > 0 {
            sources.push(view.sessions[s2 as usize][p2 as usize - 1]);
        }
        for r in view.reads_of(t2) {
            let w = r.writer;
            if w == INIT || stamp[w as usize] == t2 {
                continue;
            }
            stamp[w as usize] = t2;
            sources.push(w);
            let ws = view.session_of[w as usize] as usize;
            if fresh[ws] > view.pos[w as usize] {
                // Already in the past, with its own past (closed downwards): nothing to join.
                continue;
            }
            let wc = clocks[w as usize].as_deref().expect("visited");
            for (a, b) in fresh.iter_mut().zip(wc) {
                *a = (*a).max(*b);
            }
            fresh[ws] = fresh[ws].max(view.pos[w as usize] + 1);
        }
        let front =
            frontiers.then(|| Frontier::merge(view, t2, &sources, &clocks, &fronts, &mut scratch));
        // The forced edges, per read.
        for r in view.reads_of(t2) {
            let (x, t1) = (r.key, r.writer);
            let prev = previous.get(&(s2, x));
            let before: &[u32] = match prev.map(|p| &p.past) {
                Some(Past::Clock(c)) => c,
                _ => &zero,
            };
            let old_front: &[frontier::Writer] = match prev.map(|p| &p.past) {
                Some(Past::Front(f)) => f,
                _ => &[],
            };
            let t1_clock = (t1 != INIT).then(|| clocks[t1 as usize].as_deref().expect("visited"));
            let precedes_t1 = |s: u32, p: u32| t1_clock.is_some_and(|c| c[s as usize] > p);
            if let Some(front) = &front {
                // Every new maximal writer of `x` but t1 and those before it (both sets
                // sorted by session, one writer each).
                let mut old_at = 0;
                for w in front.of(x) {
                    while old_at < old_front.len() && old_front[old_at].session < w.session {
                        old_at += 1;
                    }
                    let old = old_front.get(old_at).is_some_and(|o| o.txn == w.txn);
                    if w.txn != t1 && !old && !precedes_t1(w.session, w.pos) {
                        out.push(Edge::co(w.txn, t1, t2, x));
                    }
                }
            } else {
                // The writers of `x` among t2's sources (t1 always): a session whose writers in
                // t2's past all lie in such a source's past needs no look-up, as each of them
                // happens before a writer of `x` in t2's past.
                covering.clear();
                covering.extend(
                    (sources.iter())
                        .filter(|&&j| view.wkeys_of(j).binary_search(&x).is_ok())
                        .map(|&j| clocks[j as usize].clone().expect("a source is alive")),
                );
                changed.clear();
                for i in writers.of(x) {
                    let s = writers.sessions[i].0;
                    let now = clock[s as usize];
                    if now != before[s as usize] && !covering.iter().any(|c| c[s as usize] >= now) {
                        changed.push((s, writers.count_before(i, s, x, now), i as u32));
                    }
                }
                candidates.clear();
                for &(s, count, i) in &changed {
                    if count == 0 {
                        continue;
                    }
                    let (_, positions) = writers.entry(i as usize);
                    let p = positions[count as usize - 1];
                    if p < before[s as usize] {
                        // Already in the past at the previous read of the key: implied.
                        continue;
                    }
                    let w = view.sessions[s as usize][p as usize];
                    if w != t1 && !precedes_t1(s, p) {
                        candidates.push((visited[w as usize], w, s, p));
                    }
                }
                // Keep the happens-before-maximal candidates: one that happens before another
                // writer of `x` in the past is implied by that writer's edge (or its own
                // maximal successor's). Latest visited first, so a candidate's possible
                // dominators come before it; a dominator whose clock is already freed cannot
                // be consulted, and what it would have dominated keeps its edge.
                if candidates.len() > 1 {
                    candidates.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
                }
                maximal.clear();
                for &(_, w, s, p) in &candidates {
                    let dominated = maximal.iter().any(|&m: &u32| {
                        clocks[m as usize]
                            .as_deref()
                            .is_some_and(|c| c[s as usize] > p)
                    });
                    if dominated {
                        continue;
                    }
                    out.push(Edge::co(w, t1, t2, x));
                    if clocks[w as usize].is_some() && maximal.len() < DOMINATORS {
                        maximal.push(w);
                    }
                }
            }
            if let Some(p) = prev {
                let w = p.writer;
                if w != t1 && w != INIT {
                    let (s, pw) = (view.session_of[w as usize], view.pos[w as usize]);
                    if !precedes_t1(s, pw) {
                        out.push(Edge::co(w, t1, t2, x));
                    }
                }
            }
            let past = match &front {
                Some(front) => Past::Front(front.set(x).clone()),
                None => Past::Clock(clock.clone()),
            };
            previous.insert((s2, x), Previous { past, writer: t1 });
        }
        covering.clear();
        // Release the clocks no one will read again; keep t2's if someone will.
        let mut release = |w: u32, clocks: &mut Vec<Option<Rc<[u32]>>>| {
            uses[w as usize] -= 1;
            if uses[w as usize] == 0 {
                clocks[w as usize] = None;
                if frontiers {
                    fronts[w as usize] = None;
                }
            }
        };
        if p2 > 0 {
            release(view.sessions[s2 as usize][p2 as usize - 1], &mut clocks);
        }
        for r in view.reads_of(t2) {
            if r.writer != INIT {
                release(r.writer, &mut clocks);
            }
        }
        if uses[t2 as usize] > 0 {
            clocks[t2 as usize] = Some(clock);
            if let Some(front) = front {
                fronts[t2 as usize] = Some(Rc::new(front));
            }
        }
        // Successors.
        let mut free = |t: u32, ready: &mut Vec<u32>| {
            indeg[t as usize] -= 1;
            if indeg[t as usize] == 0 {
                ready.push(t);
            }
        };
        for &t in &readers[t2 as usize] {
            free(t, &mut ready);
        }
        if let Some(&next) = view.sessions[s2 as usize].get(p2 as usize + 1) {
            free(next, &mut ready);
        }
    }
    let committed = view.committed.iter().filter(|&&c| c).count();
    if done < committed {
        return Err(Stop::Cyclic);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::view::ExtRead;
    use super::*;

    /// Three sessions of different lengths writing keys 0..4 in a fixed irregular pattern.
    fn view() -> View {
        let lengths = [7usize, 1, 12];
        let mut view = View {
            keys: 4,
            ..View::default()
        };
        view.write_at.push(0);
        let mut t = 0u32;
        for (s, &len) in lengths.iter().enumerate() {
            let mut session = Vec::new();
            for p in 0..len {
                for k in 0..4u32 {
                    if (p as u32 * 7 + k * 3 + s as u32) % 5 < 2 {
                        view.wkeys.push(k);
                    }
                }
                view.write_at.push(view.wkeys.len() as u32);
                session.push(t);
                t += 1;
            }
            view.sessions.push(session);
        }
        view
    }

    /// A random history in Biswas–Enea form: sessions of transactions writing and reading
    /// random keys, each read from a random writer of its key (any, so happens-before may be
    /// cyclic) or the initial state.
    fn random_view(seed: u64) -> View {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (sessions, per) = (rng.gen_range(2..6usize), rng.gen_range(1..7usize));
        let keys = rng.gen_range(1..4usize);
        let n = sessions * per;
        let mut view = View {
            keys,
            committed: vec![true; n],
            ..View::default()
        };
        let writes: Vec<Vec<u32>> = (0..n)
            .map(|_| (0..keys as u32).filter(|_| rng.gen_bool(0.4)).collect())
            .collect();
        view.read_at.push(0);
        view.write_at.push(0);
        for t in 0..n as u32 {
            let (s, p) = (t as usize / per, t as usize % per);
            if p == 0 {
                view.sessions.push(Vec::new());
            }
            view.sessions[s].push(t);
            view.session_of.push(s as u32);
            view.pos.push(p as u32);
            for key in 0..keys as u32 {
                let from: Vec<u32> = (0..n as u32)
                    .filter(|&w| w != t && writes[w as usize].contains(&key))
                    .collect();
                if writes[t as usize].contains(&key) || !rng.gen_bool(0.5) {
                    continue;
                }
                let writer = match from.len() {
                    0 => INIT,
                    len if rng.gen_bool(0.8) => from[rng.gen_range(0..len)],
                    _ => INIT,
                };
                view.reads.push(ExtRead {
                    key,
                    writer,
                    mop: 0,
                });
            }
            view.wkeys.extend_from_slice(&writes[t as usize]);
            view.read_at.push(view.reads.len() as u32);
            view.write_at.push(view.wkeys.len() as u32);
        }
        view
    }

    #[test]
    fn frontiers_and_the_session_scan_agree_on_random_histories() {
        use super::super::graph;
        let (mut compared, mut invalid) = (0, 0);
        for seed in 0..3000 {
            let view = random_view(seed);
            let verdict = |frontiers| {
                let mut edges = Vec::new();
                graph::base_edges(&view, &mut edges);
                match edges_by(&view, &mut edges, None, frontiers) {
                    Err(stop) => stop == Stop::Cyclic,
                    Ok(()) => graph::find_cycle(&view, &edges).is_some(),
                }
            };
            let by_frontier = verdict(true);
            assert_eq!(by_frontier, verdict(false), "seed {seed}");
            compared += 1;
            invalid += u32::from(by_frontier);
        }
        assert!(
            invalid > 100 && invalid < compared - 100,
            "{invalid} of {compared} invalid"
        );
    }

    #[test]
    fn counting_table_agrees_with_binary_search() {
        let view = view();
        let dense = Writers::new(&view, DENSE_MAX);
        let sparse = Writers::new(&view, 0);
        assert!(dense.dense.is_some() && sparse.dense.is_none());
        let mut compared = 0;
        for key in 0..view.keys as u32 {
            for i in sparse.of(key) {
                let (s, positions) = sparse.entry(i);
                assert!(!positions.is_empty());
                for now in 0..=view.sessions[s as usize].len() as u32 {
                    let expected = positions.iter().filter(|&&p| p < now).count() as u32;
                    assert_eq!(sparse.count_before(i, s, key, now), expected);
                    assert_eq!(dense.count_before(i, s, key, now), expected);
                    compared += 1;
                }
            }
        }
        assert!(compared > 50, "only {compared} comparisons");
    }
}
