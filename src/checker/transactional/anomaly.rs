//! [`Anomaly`]: every anomaly name the transactional checker knows, as a flat registry.
//!
//! The names are Elle's (`jepsen-io/elle`, `src/elle/txn.clj` and `consistency_model.clj`), so a
//! result reads the same as Elle's `:anomaly-types`. Some names exist only as nodes of the
//! implication lattice (`G1`, `GSIa`, `G-cursor`, ...): no detector produces them, but models are
//! defined in terms of them (see `models.rs`). Elle spells the SI anomalies both `GSIb` and
//! `G-SIb`; both spellings are kept, verbatim, because the lattice uses both.
//!
//! One addition of ours: `garbage-read` (a read of a value no transaction ever wrote), which
//! Elle does not detect. It makes a verdict `unknown` rather than `invalid`: the database may
//! have invented the value, or the history may lack a write or start from a non-nil state,
//! and the history cannot tell which.

use std::fmt;

macro_rules! anomalies {
    ($($variant:ident => $name:literal,)*) => {
        /// An anomaly type, named as Elle names it (`G-single-item-realtime`, `lost-update`, ...).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Anomaly {
            $($variant,)*
        }

        impl Anomaly {
            /// Every anomaly type.
            pub const ALL: &'static [Anomaly] = &[$(Anomaly::$variant,)*];

            /// The name, as Elle prints it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Anomaly::$variant => $name,)*
                }
            }
        }
    };
}

anomalies! {
    // Cycle anomalies: eight families, each in a plain, a -process and a -realtime form.
    G0 => "G0",
    G0Process => "G0-process",
    G0Realtime => "G0-realtime",
    G1c => "G1c",
    G1cProcess => "G1c-process",
    G1cRealtime => "G1c-realtime",
    GSingleItem => "G-single-item",
    GSingleItemProcess => "G-single-item-process",
    GSingleItemRealtime => "G-single-item-realtime",
    GSingle => "G-single",
    GSingleProcess => "G-single-process",
    GSingleRealtime => "G-single-realtime",
    GNonadjacentItem => "G-nonadjacent-item",
    GNonadjacentItemProcess => "G-nonadjacent-item-process",
    GNonadjacentItemRealtime => "G-nonadjacent-item-realtime",
    GNonadjacent => "G-nonadjacent",
    GNonadjacentProcess => "G-nonadjacent-process",
    GNonadjacentRealtime => "G-nonadjacent-realtime",
    G2Item => "G2-item",
    G2ItemProcess => "G2-item-process",
    G2ItemRealtime => "G2-item-realtime",
    G2 => "G2",
    G2Process => "G2-process",
    G2Realtime => "G2-realtime",
    // Non-cycle anomalies found by the detectors.
    G1a => "G1a",
    G1b => "G1b",
    Internal => "internal",
    LostOwnWrite => "lost-own-write",
    FutureRead => "future-read",
    DirtyUpdate => "dirty-update",
    DuplicateElements => "duplicate-elements",
    IncompatibleOrder => "incompatible-order",
    LostUpdate => "lost-update",
    CyclicVersions => "cyclic-versions",
    GarbageRead => "garbage-read",
    // Lattice nodes no detector produces.
    G1 => "G1",
    G1Process => "G1-process",
    G1Realtime => "G1-realtime",
    Gsia => "GSIa",
    Gsib => "GSIb",
    Gsi => "GSI",
    GDashSi => "G-SI",
    GDashSib => "G-SIb",
    GCursor => "G-cursor",
    GMonotonic => "G-monotonic",
    GMsr => "G-MSR",
    GUpdate => "G-update",
    WriteSkew => "write-skew",
    PredicateReadMiss => "predicate-read-miss",
    // A cycle exists in the subgraph a model forbids cycles in, but no specific cycle was named
    // (only reported when the named search could not finish; see `cycles.rs`).
    Pl1CycleExists => "PL-1-cycle-exists",
    Pl2CycleExists => "PL-2-cycle-exists",
    PlSiCycleExists => "PL-SI-cycle-exists",
    Pl299CycleExists => "PL-2.99-cycle-exists",
    Pl3CycleExists => "PL-3-cycle-exists",
    StrongSessionPl1CycleExists => "strong-session-PL-1-cycle-exists",
    StrongSessionPl2CycleExists => "strong-session-PL-2-cycle-exists",
    StrongSessionSiCycleExists => "strong-session-snapshot-isolation-cycle-exists",
    StrongSessionSerializableCycleExists => "strong-session-serializable-cycle-exists",
    StrongPl1CycleExists => "strong-PL-1-cycle-exists",
    StrongPl2CycleExists => "strong-PL-2-cycle-exists",
    StrongSiCycleExists => "strong-snapshot-isolation-cycle-exists",
    PlSsCycleExists => "PL-SS-cycle-exists",
    // The search for named cycles hit its work limit before it could say whether one exists.
    CycleSearchIncomplete => "cycle-search-incomplete",
}

impl Anomaly {
    /// The anomaly named `name` (Elle's spelling; a leading `:` is accepted).
    pub fn from_name(name: &str) -> Option<Anomaly> {
        let name = name.strip_prefix(':').unwrap_or(name);
        Anomaly::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether this anomaly makes a verdict `unknown` rather than `invalid` (when nothing
    /// prohibited was found).
    pub fn is_unknown_cause(self) -> bool {
        matches!(self, Anomaly::CycleSearchIncomplete | Anomaly::GarbageRead)
    }

    /// Whether this is one of the `*-cycle-exists` fallbacks.
    pub fn is_cycle_exists(self) -> bool {
        self.name().ends_with("-cycle-exists")
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Anomaly {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for a in Anomaly::ALL {
            assert_eq!(Anomaly::from_name(a.name()), Some(*a));
        }
        assert_eq!(Anomaly::from_name(":G1c"), Some(Anomaly::G1c));
        assert_eq!(Anomaly::from_name("G9"), None);
    }
}
