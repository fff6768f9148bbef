//! [`Sealed`]: a value that carries a digest of itself, computed once, so that hashing it is
//! writing one word.
//!
//! The checker fingerprints every generated state by hashing all of it, although a transition
//! leaves most of a state shared with its parent (`packed.rs`): the timers, random choices and
//! crashed flags, the durable storage (for Raft, whole logs) and the clients' history. Sealed, those shared parts cost
//! one `u64` each per fingerprint instead of a walk over hash tables and logs. (A node state
//! does the same through [`Disk`](super::Disk).) Equality still compares contents.

use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// `value` with a digest of it (see the [module docs](self)).
#[derive(Clone)]
pub(crate) struct Sealed<T> {
    value: T,
    digest: u64,
}

/// A digest of `value`: aHash with fixed keys, as stateright's fingerprints (a digest stands in
/// for its value in a state's fingerprint, so it must be as good a 64-bit hash; SipHash took a
/// sixth of a Paxos search's time computing these).
pub(crate) fn digest<T: Hash + ?Sized>(value: &T) -> u64 {
    ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    )
    .hash_one(value)
}

impl<T: Hash> Sealed<T> {
    pub(crate) fn new(value: T) -> Sealed<T> {
        Sealed {
            digest: digest(&value),
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

impl<T: Eq> Eq for Sealed<T> {}

impl<T> Hash for Sealed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.digest);
    }
}
