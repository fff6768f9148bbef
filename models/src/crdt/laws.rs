//! The merge laws of a join semilattice (Shapiro et al. 2011, §2.2, Definition 2.3: merge is
//! the least upper bound, hence commutative, associative and idempotent), checked over given
//! states — every state of a small domain in the unit tests, the replica states of each model
//! state in the `merge laws` property.

use std::fmt::Debug;

/// A law that does not hold, with the states that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawViolation {
    /// `commutative`, `associative` or `idempotent`.
    pub law: &'static str,
    /// The states involved, as `Debug` text.
    pub states: String,
}

/// The first merge law `merge` breaks over `states` (every pair for commutativity, every triple
/// for associativity, every state for idempotence), or `None`.
pub fn merge_law_violation<C: Clone + PartialEq + Debug>(
    states: &[C],
    merge: fn(&mut C, &C),
) -> Option<LawViolation> {
    let merged = |a: &C, b: &C| {
        let mut out = a.clone();
        merge(&mut out, b);
        out
    };
    for a in states {
        if merged(a, a) != *a {
            return Some(LawViolation {
                law: "idempotent",
                states: format!("{a:?}"),
            });
        }
    }
    for a in states {
        for b in states {
            if merged(a, b) != merged(b, a) {
                return Some(LawViolation {
                    law: "commutative",
                    states: format!("{a:?}, {b:?}"),
                });
            }
        }
    }
    for a in states {
        for b in states {
            let ab = merged(a, b);
            for c in states {
                if merged(&ab, c) != merged(a, &merged(b, c)) {
                    return Some(LawViolation {
                        law: "associative",
                        states: format!("{a:?}, {b:?}, {c:?}"),
                    });
                }
            }
        }
    }
    None
}
