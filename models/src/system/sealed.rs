//! [`Sealed`]: a value that carries a digest of itself, computed once, so that hashing it is
//! writing one word.
//!
//! The checker fingerprints every generated state by hashing all of it, although a transition
//! leaves most of a state shared with its parent (`packed.rs`): the timers, random choices and
//! crashed flags, and the durable storage (for Raft, whole logs). Sealed, those shared parts cost
//! one `u64` each per fingerprint instead of a walk over hash tables and logs. (A node state
//! does the same through [`Disk`](super::Disk).) Equality still compares contents.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Deref;

/// `value` with a digest of it (see the [module docs](self)).
#[derive(Clone)]
pub(crate) struct Sealed<T> {
    value: T,
    digest: u64,
}

impl<T: Hash> Sealed<T> {
    pub(crate) fn new(value: T) -> Sealed<T> {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        Sealed {
            digest: hasher.finish(),
            value,
        }
    }
}

impl<T> Deref for Sealed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Sealed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest && self.value == other.value
    }
}

impl<T> Hash for Sealed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.digest);
    }
}
