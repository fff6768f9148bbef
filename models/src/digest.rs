//! [`durable_digest`]: the 128-bit name of a durable value, computed from its `Hash`.
//!
//! The node host journals, at every persist, the digest of the value it wrote; `splitbrain
//! validate` computes the digest of the value the model's code persisted at the same step and
//! compares the two. Both sides call this one function on a value of the same type, so the digest
//! is a function of the value alone, never of how it is laid out on disk, and costs what the
//! value's `Hash` costs — not a JSON serialization of the whole value. A type whose value grows
//! by appends can make that constant: [`Log`](crate::raft::Log) hashes as its length and a
//! digest chained over its entries, kept up to date one entry at a time.
//!
//! Why 128 bits is enough: the value's `Hash` stream is prefix-free for the standard types and
//! derived impls (lengths prefix sequences, strings end in `0xff`, enums write their
//! discriminant), so two different values feed different byte streams, and SipHash-1-3 with
//! 128-bit output maps different streams to equal digests with probability about 2^-128 for
//! inputs not chosen against its (fixed, public) key. A run persists at most millions of values,
//! so the chance that any persist of a divergent node is mistaken for the model's is below
//! 2^-80. The digest is not a MAC: it tells a node's write from the model's, not an adversary's.
//! It is only comparable within one build's types: a store is validated by the splitbrain that
//! recorded it, or by one whose durable types hash the same (a journal of an older format is
//! refused, see the root crate's `validate` module).

use std::hash::Hash;

use siphasher::sip128::{Hasher128, SipHasher13};

/// A durable value's digest (see the [module docs](self)).
pub type Digest = u128;

/// The keys of the digest's SipHash: fixed, so that every process computes the same digest.
const KEYS: (u64, u64) = (0x7370_6c69_7462_7261, 0x696e_2d64_7572_6162);

/// The digest of `value` (see the [module docs](self)).
pub fn durable_digest<T: Hash + ?Sized>(value: &T) -> Digest {
    let mut hasher = SipHasher13::new_with_keys(KEYS.0, KEYS.1);
    value.hash(&mut hasher);
    hasher.finish128().into()
}

/// A digest as the journal writes it: 32 lowercase hex digits.
pub fn digest_text(digest: Digest) -> String {
    format!("{digest:032x}")
}

/// Parses [`digest_text`]'s form; `None` for anything else.
pub fn parse_digest(text: &str) -> Option<Digest> {
    if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Digest::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_a_digest_and_different_ones_do_not() {
        assert_eq!(
            durable_digest(&vec![1u64, 2]),
            durable_digest(&vec![1u64, 2])
        );
        assert_ne!(
            durable_digest(&vec![1u64, 2]),
            durable_digest(&vec![1u64, 2, 0])
        );
        assert_ne!(
            durable_digest(&(vec![1u64], vec![2u64])),
            durable_digest(&(vec![1u64, 2], Vec::<u64>::new())),
            "lengths prefix sequences"
        );
        assert_ne!(durable_digest(&("ab", "c")), durable_digest(&("a", "bc")));
    }

    #[test]
    fn a_digest_reads_back_from_its_text_and_a_64_bit_hash_does_not() {
        let d = durable_digest(&(3u64, Some("n1")));
        assert_eq!(parse_digest(&digest_text(d)), Some(d));
        assert_eq!(digest_text(0xaf), "000000000000000000000000000000af");
        assert_eq!(parse_digest("9e1f04c2d05b7a31"), None);
        assert_eq!(parse_digest("+0000000000000000000000000000000"), None);
    }
}
