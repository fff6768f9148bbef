//! `append-kv`: the string map of Porcupine's kv logs (MIT 6.824's key/value lab), per key.
//!
//! `get` returns the whole string, `put s` replaces it, `append s` concatenates. A key never
//! written reads as `""` (a `nil` result counts as `""` too).
//!
//! Searching orders of appends naively explodes: every order gives a different string, and the
//! memo cannot merge them. [`Spec::simplify`] therefore rewrites the operations with two facts
//! that every linearization must satisfy (so the verdict is unchanged):
//!
//! - **An observed append has a fixed predecessor.** If some get's result parses uniquely as
//!   `p a1 … ak` (a put's value, or nothing, then appended values that each belong to exactly
//!   one append), then in any linearization the append of `ai` happened exactly when the string
//!   was `p a1 … a(i-1)`: strings only grow between puts, and the get saw `ai` right after that
//!   prefix. The append is then legal only in that state.
//! - **An unobserved value taints its string.** If a value appears in no get's result (not even
//!   as a substring), then once it is put or appended, no get can succeed until the next put. No
//!   append placed by a get's unique parse (above) can follow it either: that get would have to
//!   see the tainted string. All such strings behave alike, so they collapse into one state,
//!   `Tainted`. (An append whose value merely occurs in some get is not enough: with repeated
//!   values the get may have seen another operation's copy.)
//!
//! Both are necessary conditions of a valid linearization, and together they turn orders of
//! overwritten appends into a single state (Porcupine's kv c50-bad keys 0 and 9, undecided after
//! 120 s there, take milliseconds here). The differential tests check this spec against a plain
//! reference implementation.

use hashbrown::{HashMap, HashSet};

use super::{Entry, Lifted, Spec, Violation};
use crate::history::{Op, Outcome, Value};

/// An append-kv operation on one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppendOp {
    /// `get` returned this string.
    Get(Box<str>),
    /// `put` of this string.
    Put {
        /// The string.
        value: Box<str>,
        /// No get's result contains it: after it, no get can succeed until the next put.
        taints: bool,
    },
    /// `append` of this string.
    Append {
        /// The string appended.
        value: Box<str>,
        /// No get's result contains it: after it, no get can succeed until the next put.
        taints: bool,
        /// The string it must have been appended to, when a get's unique parse places it.
        after: Option<Box<str>>,
    },
}

/// A key's string, or a string no get can ever observe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppendState {
    /// The string.
    Text(Box<str>),
    /// Contains a value no get observes: no get can succeed until the next put.
    Tainted,
}

/// The append-kv spec (one key's string).
#[derive(Clone, Copy, Debug, Default)]
pub struct AppendKv;

fn text(v: &Value, what: &str) -> Result<Box<str>, String> {
    match v {
        Value::Nil => Ok("".into()),
        Value::Str(s) => Ok(s.clone()),
        other => Err(format!("{what} expects a string, found {other}")),
    }
}

impl Spec for AppendKv {
    type State = AppendState;
    type Op = AppendOp;

    fn init(&self) -> AppendState {
        AppendState::Text("".into())
    }

    fn lift(&self, op: &Op) -> Result<Lifted<AppendOp>, String> {
        let wrap = |o: AppendOp| match op.outcome {
            Outcome::Ok => Lifted::Required(o),
            Outcome::Info => Lifted::Optional(o),
            Outcome::Fail => Lifted::Ignore,
        };
        Ok(match &*op.f {
            "get" if op.outcome == Outcome::Ok => {
                Lifted::Required(AppendOp::Get(text(&op.output, "get")?))
            }
            "get" => Lifted::Ignore,
            "put" => wrap(AppendOp::Put {
                value: text(&op.input, "put")?,
                taints: false,
            }),
            "append" => wrap(AppendOp::Append {
                value: text(&op.input, "append")?,
                taints: false,
                after: None,
            }),
            f => {
                return Err(super::unknown_function(
                    "append-kv",
                    f,
                    &["get", "put", "append"],
                ))
            }
        })
    }

    fn step(&self, state: &AppendState, op: &AppendOp) -> Option<AppendState> {
        use AppendState::{Tainted, Text};
        match (state, op) {
            (Text(s), AppendOp::Get(g)) => (s == g).then(|| state.clone()),
            (Tainted, AppendOp::Get(_)) => None,
            (_, AppendOp::Put { value, taints }) => Some(if *taints {
                Tainted
            } else {
                Text(value.clone())
            }),
            (
                Text(s),
                AppendOp::Append {
                    value,
                    taints,
                    after,
                },
            ) => {
                if after.as_ref().is_some_and(|a| a != s) {
                    return None;
                }
                Some(if *taints {
                    Tainted
                } else {
                    Text(format!("{s}{value}").into())
                })
            }
            // A get places this append: that get would have to see the tainted string.
            (Tainted, AppendOp::Append { after: Some(_), .. }) => None,
            (Tainted, AppendOp::Append { after: None, .. }) => Some(Tainted),
        }
    }

    fn is_read_only(&self, op: &AppendOp) -> bool {
        matches!(op, AppendOp::Get(_))
    }

    /// Appends only lengthen the string, so a get can only see an extension of the current
    /// string, unless a put that could precede it starts a string it extends.
    fn reachable(&self, state: &AppendState, op: &AppendOp, before: &[&AppendOp]) -> bool {
        let AppendOp::Get(seen) = op else { return true };
        let extends = matches!(state, AppendState::Text(s) if seen.starts_with(&**s));
        extends
            || before
                .iter()
                .any(|b| matches!(b, AppendOp::Put { value, .. } if seen.starts_with(&**value)))
    }

    fn state_heap_bytes(&self, state: &AppendState) -> usize {
        match state {
            AppendState::Text(s) => s.len(),
            AppendState::Tainted => 0,
        }
    }

    fn describe_state(&self, state: &AppendState) -> String {
        match state {
            AppendState::Text(s) => format!("{s:?}"),
            AppendState::Tainted => "(a string no get observes)".into(),
        }
    }

    fn simplify(&self, mut entries: Vec<Entry<AppendOp>>) -> Vec<Entry<AppendOp>> {
        let facts = taints_and_predecessors(&entries);
        for (e, fact) in entries.iter_mut().zip(facts) {
            let Some((unseen, placed)) = fact else {
                continue;
            };
            match &mut e.op {
                AppendOp::Put { taints, .. } => *taints = unseen,
                AppendOp::Append { taints, after, .. } => {
                    *taints = unseen;
                    *after = placed;
                }
                AppendOp::Get(_) => {}
            }
        }
        entries
    }

    /// A get must return a string that some sequence of puts and appends can build: at least,
    /// a non-empty result must be a put's value or end with some append's value.
    fn precheck(&self, entries: &[Entry<AppendOp>]) -> Option<Violation> {
        for (i, e) in entries.iter().enumerate() {
            let AppendOp::Get(s) = &e.op else { continue };
            if s.is_empty() || e.optional {
                continue;
            }
            let explained = entries.iter().any(|w| match &w.op {
                AppendOp::Put { value, .. } => s.ends_with(&**value) && w.call < e.ret,
                AppendOp::Append { value, .. } => {
                    !value.is_empty() && s.ends_with(&**value) && w.call < e.ret
                }
                AppendOp::Get(_) => false,
            });
            if !explained {
                return Some(Violation {
                    entries: vec![i],
                    reason: format!(
                        "get returned {s:?}, which no put or append invoked before it returned \
                         could have produced"
                    ),
                });
            }
        }
        None
    }
}

/// For each entry (`None` for gets): whether its value is unseen (it taints), and for an
/// append the string a get's unique parse places it after.
#[allow(clippy::type_complexity)]
fn taints_and_predecessors(entries: &[Entry<AppendOp>]) -> Vec<Option<(bool, Option<Box<str>>)>> {
    // Every fact depends on the distinct results of gets only: a history's gets repeat the
    // same strings many times, and the witness simplifies many sub-histories.
    let mut distinct: HashSet<&str> = HashSet::new();
    let gets: Vec<&str> = entries
        .iter()
        .filter(|e| !e.optional)
        .filter_map(|e| match &e.op {
            AppendOp::Get(g) => Some(&**g),
            _ => None,
        })
        .filter(|g| distinct.insert(g))
        .collect();
    let longest = not_prefixes(&gets);
    let unseen = |v: &str| !v.is_empty() && !longest.iter().any(|g| g.contains(v));
    let afters = predecessors(entries, &gets);
    entries
        .iter()
        .map(|e| match &e.op {
            AppendOp::Put { value, .. } => Some((unseen(value), None)),
            AppendOp::Append { value, .. } => Some((unseen(value), afters.get(&**value).cloned())),
            AppendOp::Get(_) => None,
        })
        .collect()
}

/// The strings of `gets` that are not a prefix of another one: a value occurs in some get iff it
/// occurs in one of these (strings only grow between puts, so most gets are prefixes of later
/// ones).
fn not_prefixes<'a>(gets: &[&'a str]) -> Vec<&'a str> {
    let mut sorted = gets.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    // A string that prefixes another sorts just before the strings it prefixes.
    let mut kept: Vec<&str> = sorted
        .windows(2)
        .filter(|pair| !pair[1].starts_with(pair[0]))
        .map(|pair| pair[0])
        .collect();
    kept.extend(sorted.last());
    kept
}

/// For appended values that belong to exactly one append and appear in a get's unique parse,
/// the string they were appended to.
fn predecessors(entries: &[Entry<AppendOp>], gets: &[&str]) -> HashMap<Box<str>, Box<str>> {
    let mut appends: HashMap<&str, usize> = HashMap::new();
    let mut puts: HashSet<&str> = HashSet::new();
    for e in entries {
        match &e.op {
            AppendOp::Append { value, .. } if !value.is_empty() => {
                *appends.entry(&**value).or_default() += 1;
            }
            AppendOp::Put { value, .. } => {
                puts.insert(&**value);
            }
            _ => {}
        }
    }
    let lengths: Vec<usize> = {
        let mut l: Vec<usize> = appends.keys().map(|v| v.len()).collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    let mut out: HashMap<Box<str>, Box<str>> = HashMap::new();
    for g in gets {
        let Some(tokens) = unique_parse(g, &puts, &appends, &lengths) else {
            continue;
        };
        for (start, end) in tokens {
            let value = &g[start..end];
            if appends.get(value) == Some(&1) {
                out.entry(value.into()).or_insert_with(|| g[..start].into());
            }
        }
    }
    out
}

/// Splits `g` into a put's value (or nothing) followed by appended values, if there is exactly
/// one way to; returns the byte ranges of the appended values.
fn unique_parse(
    g: &str,
    puts: &HashSet<&str>,
    appends: &HashMap<&str, usize>,
    lengths: &[usize],
) -> Option<Vec<(usize, usize)>> {
    let n = g.len();
    // ways[i]: number of parses (capped at 2) of g[i..] into appended values.
    let mut ways = vec![0u8; n + 1];
    let mut choice = vec![0usize; n + 1];
    ways[n] = 1;
    for i in (0..n).rev() {
        for &len in lengths {
            let Some(piece) = g.get(i..i + len) else {
                continue;
            };
            if appends.contains_key(piece) && ways[i + len] > 0 {
                ways[i] = (ways[i] + ways[i + len]).min(2);
                choice[i] = i + len;
            }
        }
    }
    // Starts: after a put's value that prefixes g, or at 0 (no put since the start).
    let mut starts = Vec::new();
    if ways[0] > 0 {
        starts.push(0);
    }
    for p in puts {
        if !p.is_empty() && g.starts_with(p) && ways[p.len()] > 0 {
            starts.push(p.len());
        }
    }
    let total: u32 = starts.iter().map(|&s| u32::from(ways[s])).sum();
    if total != 1 {
        return None;
    }
    let mut i = starts[0];
    let mut tokens = Vec::new();
    while i < n {
        tokens.push((i, choice[i]));
        i = choice[i];
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> HashSet<&'static str> {
        items
            .iter()
            .map(|s| -> &'static str { Box::leak(s.to_string().into_boxed_str()) })
            .collect()
    }

    #[test]
    fn a_unique_parse_gives_each_appended_value_its_predecessor() {
        let appends: HashMap<&str, usize> = [("ab", 1), ("c", 1)].into_iter().collect();
        let puts = set(&["P"]);
        let tokens = unique_parse("Pabc", &puts, &appends, &[1, 2]).unwrap();
        assert_eq!(tokens, vec![(1, 3), (3, 4)]);
    }

    #[test]
    fn an_ambiguous_parse_gives_nothing() {
        let appends: HashMap<&str, usize> = [("a", 1), ("b", 1), ("ab", 1)].into_iter().collect();
        assert!(unique_parse("ab", &set(&[]), &appends, &[1, 2]).is_none());
    }
}
