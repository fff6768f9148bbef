//! A tiny cache of recent `f` names, so reading an event does not allocate for its function.
//!
//! Histories use a handful of functions (`read`, `write`, `cas`, ...), so a few slots searched
//! linearly beat a hash map: one comparison of a short string per event in the common case.

use std::sync::Arc;

/// How many distinct names the cache keeps.
const SLOTS: usize = 8;

/// Recent names, most recently added first; evicts round robin.
#[derive(Debug, Default)]
pub(super) struct Interner {
    names: Vec<Arc<str>>,
    next: usize,
}

impl Interner {
    /// The shared copy of `name`.
    pub(super) fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(found) = self.names.iter().find(|n| &***n == name) {
            return found.clone();
        }
        let name: Arc<str> = name.into();
        if self.names.len() < SLOTS {
            self.names.push(name.clone());
        } else {
            self.names[self.next] = name.clone();
            self.next = (self.next + 1) % SLOTS;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_share_one_allocation() {
        let mut interner = Interner::default();
        let a = interner.get("write");
        let b = interner.get("write");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn many_distinct_names_still_come_back_equal() {
        let mut interner = Interner::default();
        for i in 0..100 {
            assert_eq!(&*interner.get(&format!("f{i}")), format!("f{i}"));
        }
        assert_eq!(&*interner.get("f99"), "f99");
    }
}
