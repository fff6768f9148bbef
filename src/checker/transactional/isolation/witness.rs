//! What a violation is ([`Pattern`], [`Violation`]) and how it reads in words, in the style of
//! the cycle explanations: a legend naming the transactions (`T1 = [...] (lines 3–4, process
//! 0)`), one sentence per step, then the contradiction.

use super::graph::{Edge, Kind};
use super::pattern::{BadRead, Pattern};
use super::view::{View, INIT};
use crate::checker::transactional::anomalies::read_value;
use crate::checker::transactional::explain::text::{short, txn_label, txn_ops};
use crate::checker::transactional::extract::NONE;
use crate::checker::transactional::txn::{KeyId, TxnHistory};
use crate::checker::transactional::TxnId;

/// Why no commit order exists: a bad read, or a cycle of forced orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The shape.
    pub pattern: Pattern,
    /// The read, for read-consistency violations.
    pub read: Option<BadRead>,
    /// The cycle, `cycle[i].to == cycle[i + 1].from`.
    pub cycle: Vec<Edge>,
    /// For the causal steps of the cycle (by index): how `from` happens before `via`, as a
    /// path of session-order and write-read steps (`from` first, `via` last).
    pub paths: Vec<(usize, Vec<u32>)>,
}

impl Violation {
    /// A read-consistency violation.
    pub fn read(bad: BadRead) -> Self {
        Violation {
            pattern: bad.pattern,
            read: Some(bad),
            cycle: Vec::new(),
            paths: Vec::new(),
        }
    }

    /// A cycle, its pattern named from the edges the axiom forced.
    pub fn cycle(view: &View, cycle: Vec<Edge>) -> Self {
        let rules: Vec<Rule> = (cycle.iter())
            .filter(|e| e.kind == Kind::Co)
            .map(|e| rule(view, e))
            .collect();
        // A step whose reader read the key from both of its ends: two reads of one key.
        let repeat = |e: &Edge| {
            let reads = view.reads_of(e.via);
            let from = |w| reads.iter().any(|r| r.key == e.tag && r.writer == w);
            from(e.from) && from(e.to)
        };
        let pattern = if rules.is_empty() {
            Pattern::CausalityCycle
        } else if cycle.iter().filter(|e| e.kind == Kind::Co).all(repeat) {
            Pattern::NonRepeatableRead
        } else if rules.contains(&Rule::Causal) {
            Pattern::CausalViolation
        } else if rules
            .iter()
            .any(|r| matches!(r, Rule::FracturedWr | Rule::FracturedSo))
        {
            Pattern::FracturedRead
        } else {
            Pattern::NonMonotonicRead
        };
        let paths = (cycle.iter().enumerate())
            .filter(|(_, e)| e.kind == Kind::Co && rule(view, e) == Rule::Causal)
            .filter_map(|(i, e)| happens_before_path(view, e.from, e.via).map(|p| (i, p)))
            .collect();
        Violation {
            pattern,
            read: None,
            cycle,
            paths,
        }
    }

    /// The transactions it names, cycle first.
    pub fn txns(&self) -> Vec<TxnId> {
        let mut out: Vec<TxnId> = Vec::new();
        let mut add = |t: u32| {
            if t != INIT && t != NONE && !out.contains(&t) {
                out.push(t);
            }
        };
        if let Some(r) = self.read {
            add(r.txn);
            r.writer.into_iter().for_each(&mut add);
        }
        self.cycle.iter().for_each(|e| add(e.from));
        self.cycle.iter().for_each(|e| add(e.via));
        self.paths.iter().flat_map(|(_, p)| p).for_each(|&t| add(t));
        out
    }
}

/// A shortest path from `a` to `b` in session order ∪ write-read, both included.
fn happens_before_path(view: &View, a: u32, b: u32) -> Option<Vec<u32>> {
    let n = view.len();
    let mut readers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for t in 0..n as u32 {
        for r in view.reads_of(t) {
            if r.writer != INIT && readers[r.writer as usize].last() != Some(&t) {
                readers[r.writer as usize].push(t);
            }
        }
    }
    let mut parent = vec![NONE; n];
    let mut queue = std::collections::VecDeque::from([a]);
    parent[a as usize] = a;
    while let Some(t) = queue.pop_front() {
        if t == b {
            let mut path = vec![b];
            let mut at = b;
            while at != a {
                at = parent[at as usize];
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        let s = view.session_of[t as usize];
        let next = view.sessions[s as usize].get(view.pos[t as usize] as usize + 1);
        for &u in next.into_iter().chain(&readers[t as usize]) {
            if parent[u as usize] == NONE {
                parent[u as usize] = t;
                queue.push_back(u);
            }
        }
    }
    None
}

/// Which premise of the axioms forced a commit-order edge `from → to` (`via` reads the key
/// from `to`; `from` wrote it too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// `via` read from `from` before that read (read committed).
    NonMonotonic,
    /// `via` read from `from`, not before (read atomic).
    FracturedWr,
    /// `from` precedes `via` in its session (read atomic).
    FracturedSo,
    /// `from` happens before `via` through others (causal).
    Causal,
}

fn rule(view: &View, e: &Edge) -> Rule {
    let reads = view.reads_of(e.via);
    let first_from = reads.iter().position(|r| r.writer == e.from);
    let last_to = (reads.iter()).rposition(|r| r.key == e.tag && r.writer == e.to);
    match (first_from, last_to) {
        (Some(a), Some(b)) if a < b => Rule::NonMonotonic,
        (Some(_), _) => Rule::FracturedWr,
        _ if view.session_of[e.from as usize] == view.session_of[e.via as usize]
            && view.pos[e.from as usize] < view.pos[e.via as usize] =>
        {
            Rule::FracturedSo
        }
        _ => Rule::Causal,
    }
}

/// The violation in words: a headline, a legend, one line per step, the contradiction.
pub fn lines(history: &TxnHistory, view: &View, v: &Violation) -> Vec<String> {
    let txns = v.txns();
    let name = |t: u32| -> String {
        if t == INIT {
            "the initial state".to_string()
        } else {
            format!(
                "T{}",
                txns.iter().position(|&x| x == t).map_or(0, |i| i + 1)
            )
        }
    };
    let mut out = Vec::new();
    let key = |k: KeyId| history.key(k).to_string();
    let read_text = |t: u32, mop: u32| {
        let m = &history.mops_of(&history.txns[t as usize])[mop as usize];
        format!(
            "key {} = {}",
            history.key(m.key),
            short(&read_value(history, m))
        )
    };
    if let Some(r) = v.read {
        let (a, w) = (name(r.txn), r.writer.map(name).unwrap_or_default());
        let what = read_text(r.txn, r.mop);
        out.push(match v.pattern {
            Pattern::ThinAirRead => format!("{a} read {what}, which no transaction wrote"),
            Pattern::AbortedRead => format!("{a} read {what}, written by {w}, which failed"),
            Pattern::FutureRead => format!("{a} read {what}, which it writes only later"),
            Pattern::NotMyOwnWrite => {
                format!("{a} read {what}, which is not its own last write of the key before it")
            }
            Pattern::IntermediateRead => format!(
                "{a} read {what}, written by {w}, which wrote key {} again afterwards",
                key(r.key)
            ),
            _ => format!("{a} read {what}, which no order of the appends to it explains"),
        });
    }
    for &t in &txns {
        out.push(format!(
            "{} = {} ({})",
            name(t),
            txn_ops(history, t),
            txn_label(history, t)
        ));
    }
    for (i, e) in v.cycle.iter().enumerate() {
        let (a, b, c) = (name(e.from), name(e.to), name(e.via));
        let k = if e.tag == NONE {
            String::new()
        } else {
            key(e.tag)
        };
        let sentence = match e.kind {
            Kind::So => {
                let p = history.txns[e.from as usize].process;
                format!("process {p} ran {a} before {b}")
            }
            Kind::Init => format!("{a} precedes every transaction, {b} included"),
            Kind::Wr => {
                let r = view
                    .reads_of(e.to)
                    .iter()
                    .find(|r| r.writer == e.from && r.key == e.tag);
                let what = r.map_or(format!("key {k}"), |r| read_text(e.to, r.mop));
                format!("{b} read {what}, written by {a}")
            }
            Kind::Version if e.via == NONE => format!(
                "{a}'s append to key {k} ends every read of it, and {b}'s append to it shows in \
                 no read, so it came later"
            ),
            Kind::Version => format!(
                "{c} read {}, which shows {a}'s append right before {b}'s",
                read_text(e.via, history_read_mop(history, e.via, e.tag))
            ),
            Kind::Co => {
                let target = if e.to == INIT {
                    format!("the initial value of key {k}")
                } else {
                    format!("key {k} from {b}")
                };
                match rule(view, e) {
                    Rule::NonMonotonic => format!(
                        "{c} read from {a} and afterwards read {target}; {a} also wrote key \
                         {k}, so read committed puts {a}'s write before the one {c} read"
                    ),
                    Rule::FracturedWr => format!(
                        "{c} read from {a} and read {target}; {a} also wrote key {k}, so read \
                         atomic puts {a}'s write before the one {c} read"
                    ),
                    Rule::FracturedSo => format!(
                        "{a} came before {c} in process {} and wrote key {k}, yet {c} read \
                         {target}, so {a}'s write must come before the one {c} read",
                        history.txns[e.via as usize].process
                    ),
                    Rule::Causal => {
                        let path = (v.paths.iter())
                            .find(|(j, _)| *j == i)
                            .map(|(_, p)| {
                                let names: Vec<String> = p.iter().map(|&t| name(t)).collect();
                                format!(" ({}, by session order and write-read)", names.join(" → "))
                            })
                            .unwrap_or_default();
                        format!(
                            "{a} wrote key {k} and happens before {c}{path}, which read \
                             {target}, so causal consistency puts {a}'s write before the one \
                             {c} read"
                        )
                    }
                }
            }
        };
        out.push(format!("- {sentence}; {a} < {b}"));
    }
    if !v.cycle.is_empty() {
        let mut names: Vec<String> = v.cycle.iter().map(|e| name(e.from)).collect();
        names.push(name(v.cycle[0].from));
        out.push(format!(
            "so {}: a cycle, and no commit order exists",
            names.join(" < ")
        ));
    }
    out
}

/// The micro-op index of `t`'s last known read of `key`.
fn history_read_mop(history: &TxnHistory, t: u32, key: KeyId) -> u32 {
    (history.mops_of(&history.txns[t as usize]).iter())
        .rposition(|m| m.key == key && m.is_known_read())
        .unwrap_or(0) as u32
}
