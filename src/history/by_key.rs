//! [`Paired`]: a history's operations with what the checker asks of all of them first, their
//! grouping by key and the functions they use, gathered while pairing.
//!
//! A large history's operations do not fit in cache: after reading, every pass over them costs a
//! read of a few hundred megabytes on one thread while the other cores wait. Grouping each
//! operation as it is paired costs one hash of its key while it is still in cache, on the thread
//! that pairs while the parser threads work.

use hashbrown::{HashMap, HashSet};
use std::sync::Arc;

use super::{Op, Value};

/// The operations of each key, in order of the key's first appearance.
///
/// Noted as one group number per operation, written in order; the groups' lists are built at
/// the end in one counting pass, so grouping a large history does not push into a thousand
/// growing vectors at random while it is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyGroups {
    index: HashMap<Option<Value>, usize>,
    /// The key of each group.
    keys: Vec<Option<Value>>,
    /// The group of each operation, in order.
    of_op: Vec<usize>,
}

impl KeyGroups {
    /// Groups `ops` in one pass.
    pub fn of(ops: &[Op]) -> KeyGroups {
        let mut groups = KeyGroups::default();
        for op in ops {
            groups.push(&op.key);
        }
        groups
    }

    /// Adds the next operation (the first is operation 0), on `key`.
    pub fn push(&mut self, key: &Option<Value>) {
        // Runs of operations on one key are common (single-object histories, Jepsen's
        // independent keys one after another): no hashing for them.
        let group = match self.of_op.last() {
            Some(&last) if self.keys[last] == *key => last,
            _ => match self.index.get(key) {
                Some(&group) => group,
                None => {
                    let group = self.keys.len();
                    self.index.insert(key.clone(), group);
                    self.keys.push(key.clone());
                    group
                }
            },
        };
        self.of_op.push(group);
    }

    /// Whether any operation names a key.
    pub fn keyed(&self) -> bool {
        self.keys.iter().any(Option::is_some)
    }

    /// The groups: each key with the indices of its operations, in history order.
    pub fn into_groups(self) -> Vec<(Option<Value>, Vec<usize>)> {
        self.into_groups_and_index().0
    }

    /// [`KeyGroups::into_groups`], and the group of each operation (an index into the groups).
    pub fn into_groups_and_index(self) -> (Groups, Vec<usize>) {
        let mut sizes = vec![0usize; self.keys.len()];
        for &group in &self.of_op {
            sizes[group] += 1;
        }
        let mut groups: Vec<(Option<Value>, Vec<usize>)> = self
            .keys
            .into_iter()
            .zip(sizes)
            .map(|(key, size)| (key, Vec::with_capacity(size)))
            .collect();
        for (op, &group) in self.of_op.iter().enumerate() {
            groups[group].1.push(op);
        }
        (groups, self.of_op)
    }
}

/// Each key with the indices of its operations, in history order (see
/// [`KeyGroups::into_groups`]).
pub type Groups = Vec<(Option<Value>, Vec<usize>)>;

/// Names compared one by one before the set is asked.
const FEW: usize = 8;

/// The distinct function names of some operations, in order of first use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Functions {
    seen: HashSet<Arc<str>>,
    names: Vec<Arc<str>>,
}

impl Functions {
    /// The functions `ops` use, in one pass.
    pub fn of(ops: &[Op]) -> Functions {
        let mut functions = Functions::default();
        for op in ops {
            functions.push(&op.f);
        }
        functions
    }

    /// Notes a use of `f`.
    pub fn push(&mut self, f: &Arc<str>) {
        // A history uses a handful of functions: comparing with each is cheaper than hashing,
        // and cloning (an atomic increment on an allocation the parser threads share) happens
        // only for a new name.
        let known = if self.names.len() <= FEW {
            self.names
                .iter()
                .any(|name| Arc::ptr_eq(name, f) || **name == **f)
        } else {
            self.seen.contains(&**f)
        };
        if !known {
            self.seen.insert(f.clone());
            self.names.push(f.clone());
        }
    }

    /// Whether `name` is used.
    pub fn contains(&self, name: &str) -> bool {
        self.seen.contains(name)
    }

    /// The names, in order of first use.
    pub fn names(&self) -> &[Arc<str>] {
        &self.names
    }
}

/// A history's operations (see [`crate::history::pair`]), grouped by key, with the functions
/// they use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Paired {
    /// The operations, in invocation order.
    pub ops: Vec<Op>,
    /// The operations of each key.
    pub keys: KeyGroups,
    /// The functions the operations use.
    pub functions: Functions,
}

impl Paired {
    /// Groups operations paired elsewhere.
    pub fn new(ops: Vec<Op>) -> Paired {
        Paired {
            keys: KeyGroups::of(&ops),
            functions: Functions::of(&ops),
            ops,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{pair, Event, EventKind, Pairer};

    fn ops() -> Vec<Op> {
        let mut events = Vec::new();
        for (p, key, f) in [(0, "x", "read"), (1, "y", "write"), (2, "x", "write")] {
            events.push(Event::new(p, EventKind::Invoke, f, Value::Nil).with_key(key.into()));
            events.push(Event::new(p, EventKind::Ok, f, Value::Int(1)).with_key(key.into()));
        }
        pair(events, None).unwrap()
    }

    #[test]
    fn keys_are_grouped_in_order_of_first_appearance() {
        let groups = KeyGroups::of(&ops()).into_groups();
        assert_eq!(
            groups,
            vec![(Some("x".into()), vec![0, 2]), (Some("y".into()), vec![1])]
        );
    }

    #[test]
    fn functions_are_listed_once_in_order_of_first_use() {
        let functions = Functions::of(&ops());
        let names: Vec<&str> = functions.names().iter().map(|f| &**f).collect();
        assert_eq!(names, ["read", "write"]);
        assert!(functions.contains("write") && !functions.contains("cas"));
    }

    #[test]
    fn grouping_while_pairing_equals_grouping_after() {
        let mut events = Vec::new();
        for (p, key) in [(0, "a"), (1, "a"), (2, "b"), (0, "a"), (1, "c"), (2, "b")] {
            events.push(Event::new(p, EventKind::Invoke, "write", Value::Nil).with_key(key.into()));
            events.push(Event::new(p, EventKind::Ok, "write", Value::Nil).with_key(key.into()));
        }
        events.push(Event::new(3, EventKind::Invoke, "read", Value::Nil));
        let mut pairer = Pairer::grouping(None);
        for event in events.clone() {
            pairer.push(event).unwrap();
        }
        let paired = pairer.finish_grouped();
        assert_eq!(paired, Paired::new(pair(events, None).unwrap()));
        let groups = paired.keys.into_groups();
        let sizes: Vec<usize> = groups.iter().map(|(_, ops)| ops.len()).collect();
        assert_eq!(sizes, [3, 2, 1, 1]);
        assert_eq!(groups[3].0, None);
    }

    #[test]
    fn an_unkeyed_history_is_not_keyed() {
        let events = vec![
            Event::new(0, EventKind::Invoke, "read", Value::Nil),
            Event::new(0, EventKind::Ok, "read", Value::Int(1)),
        ];
        let unkeyed = pair(events, None).unwrap();
        assert!(!KeyGroups::of(&unkeyed).keyed());
        assert!(KeyGroups::of(&ops()).keyed());
    }
}
