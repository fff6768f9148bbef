//! The consistency-model lattice, as data: which model implies which, which anomalies each model
//! forbids, and which anomalies imply which.
//!
//! Ported verbatim from Elle's `src/elle/consistency_model.clj` (`models`,
//! `direct-proscribed-anomalies`, `implied-anomalies`; Adya, Bailis, Cerone, Daudjee et al. as
//! cited there). Models are named by their friendly names; Adya's names (`PL-1`, `PL-2`,
//! `PL-2.99`, `PL-3`, `PL-SI`, `PL-SS`, ...) parse as aliases.
//!
//! The functions at the bottom answer the questions a check asks:
//! - [`prohibited_by`]: which anomalies would make a history fail the requested models;
//! - [`boundary`]: given the anomalies found, `not` (the weakest models ruled out) and `also_not`
//!   (every stronger model ruled out).

use std::collections::BTreeSet;
use std::fmt;

use super::anomaly::Anomaly;
use Anomaly as A;

macro_rules! models {
    ($($variant:ident => $name:literal $([$($alias:literal),*])?,)*) => {
        /// A consistency model of the lattice, by its friendly name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum ConsistencyModel {
            $($variant,)*
        }

        impl ConsistencyModel {
            /// Every model, in the order `--help` lists them.
            pub const ALL: &'static [ConsistencyModel] = &[$(ConsistencyModel::$variant,)*];

            /// The friendly name (`read-committed`).
            pub fn name(self) -> &'static str {
                match self {
                    $(ConsistencyModel::$variant => $name,)*
                }
            }

            /// Other names that parse as this model (`PL-2` for read-committed).
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $(ConsistencyModel::$variant => &[$($($alias),*)?],)*
                }
            }
        }
    };
}

models! {
    ReadUncommitted => "read-uncommitted" ["PL-1"],
    ReadCommitted => "read-committed" ["PL-2"],
    CursorStability => "cursor-stability" ["PL-CS"],
    MonotonicView => "monotonic-view" ["PL-2L"],
    MonotonicSnapshotRead => "monotonic-snapshot-read" ["PL-MSR"],
    MonotonicAtomicView => "monotonic-atomic-view",
    ConsistentView => "consistent-view" ["PL-2+"],
    ForwardConsistentView => "forward-consistent-view" ["PL-FCV"],
    RepeatableRead => "repeatable-read" ["PL-2.99"],
    ReadAtomic => "read-atomic",
    UpdateAtomic => "update-atomic",
    CausalCerone => "causal-cerone",
    Prefix => "prefix",
    ParallelSnapshotIsolation => "parallel-snapshot-isolation",
    SnapshotIsolation => "snapshot-isolation" ["PL-SI"],
    UpdateSerializable => "update-serializable" ["PL-3U"],
    ViewSerializable => "view-serializable",
    Serializable => "serializable" ["PL-3", "conflict-serializable"],
    StrongSessionReadUncommitted => "strong-session-read-uncommitted" ["strong-session-PL-1"],
    StrongSessionReadCommitted => "strong-session-read-committed" ["strong-session-PL-2"],
    StrongReadUncommitted => "strong-read-uncommitted" ["strong-PL-1"],
    StrongReadCommitted => "strong-read-committed" ["strong-PL-2"],
    StrongSessionSnapshotIsolation => "strong-session-snapshot-isolation",
    StrongSnapshotIsolation => "strong-snapshot-isolation",
    StrongSessionSerializable => "strong-session-serializable",
    StrictSerializable => "strict-serializable" ["PL-SS", "strong-serializable"],
    SessionSerializable => "session-serializable",
    OneSr => "1SR",
    Linearizable => "linearizable",
    Sequential => "sequential",
    Causal => "causal",
    Pram => "PRAM",
    WritesFollowReads => "writes-follow-reads",
    MonotonicReads => "monotonic-reads",
    MonotonicWrites => "monotonic-writes",
    ReadYourWrites => "read-your-writes",
}

use ConsistencyModel as M;

/// `a → [b...]`: a history satisfying `a` also satisfies each `b` (Elle's `models` graph).
const IMPLIES: &[(M, &[M])] = &[
    (M::CausalCerone, &[M::ReadAtomic]),
    (M::ConsistentView, &[M::CursorStability, M::MonotonicView]),
    (M::CursorStability, &[M::ReadCommitted]),
    (M::ForwardConsistentView, &[M::ConsistentView]),
    (M::UpdateSerializable, &[M::ForwardConsistentView]),
    (M::MonotonicAtomicView, &[M::ReadCommitted]),
    (M::MonotonicView, &[M::ReadCommitted]),
    (M::MonotonicSnapshotRead, &[M::ReadCommitted]),
    (
        M::ParallelSnapshotIsolation,
        &[M::CausalCerone, M::UpdateAtomic],
    ),
    (M::Prefix, &[M::CausalCerone]),
    (M::ReadAtomic, &[M::MonotonicAtomicView]),
    (M::ReadCommitted, &[M::ReadUncommitted]),
    (
        M::RepeatableRead,
        &[M::CursorStability, M::MonotonicAtomicView],
    ),
    (M::UpdateAtomic, &[M::ReadAtomic]),
    (
        M::Serializable,
        &[
            M::RepeatableRead,
            M::UpdateSerializable,
            M::SnapshotIsolation,
            M::ViewSerializable,
        ],
    ),
    (M::SessionSerializable, &[M::OneSr]),
    (
        M::SnapshotIsolation,
        &[
            M::ForwardConsistentView,
            M::MonotonicAtomicView,
            M::MonotonicSnapshotRead,
            M::ParallelSnapshotIsolation,
            M::Prefix,
        ],
    ),
    (
        M::StrictSerializable,
        &[
            M::Serializable,
            M::Linearizable,
            M::SnapshotIsolation,
            M::StrongSnapshotIsolation,
            M::StrongSessionSerializable,
            M::SessionSerializable,
        ],
    ),
    (M::StrongSessionReadUncommitted, &[M::ReadUncommitted]),
    (
        M::StrongSessionReadCommitted,
        &[M::ReadCommitted, M::StrongSessionReadUncommitted],
    ),
    (M::StrongReadUncommitted, &[M::StrongSessionReadUncommitted]),
    (
        M::StrongReadCommitted,
        &[M::StrongSessionReadCommitted, M::StrongReadUncommitted],
    ),
    (
        M::StrongSessionSerializable,
        &[M::Serializable, M::StrongSessionSnapshotIsolation],
    ),
    (
        M::StrongSessionSnapshotIsolation,
        &[M::SnapshotIsolation, M::StrongSessionReadCommitted],
    ),
    (
        M::StrongSnapshotIsolation,
        &[M::StrongSessionSnapshotIsolation, M::StrongReadCommitted],
    ),
    (M::Linearizable, &[M::Sequential]),
    (M::Sequential, &[M::Causal]),
    (M::Causal, &[M::WritesFollowReads, M::Pram]),
    (
        M::Pram,
        &[M::MonotonicReads, M::MonotonicWrites, M::ReadYourWrites],
    ),
];

/// What each model forbids on top of what the models it implies forbid (Elle's
/// `direct-proscribed-anomalies`; "(incomplete)" there means the list is not a full
/// characterisation of the model).
const PROSCRIBES: &[(M, &[A])] = &[
    (M::CausalCerone, &[A::Internal, A::G1a]),
    (M::CursorStability, &[A::G1, A::GCursor, A::LostUpdate]),
    (M::MonotonicView, &[A::G1, A::GMonotonic]),
    (M::MonotonicSnapshotRead, &[A::G1, A::GMsr]),
    (M::ConsistentView, &[A::G1, A::GSingle]),
    (M::ForwardConsistentView, &[A::G1, A::GDashSib]),
    (M::ParallelSnapshotIsolation, &[A::Internal, A::G1a]),
    (
        M::Serializable,
        &[
            A::G1,
            A::G2,
            A::PredicateReadMiss,
            A::Pl3CycleExists,
            A::Internal,
        ],
    ),
    // cyclic-versions here, not at read-uncommitted as in Elle: the orders that can cycle
    // come from reads (a version read before a write is older than the one written), so a
    // cycle of them is a cycle of wr dependencies — a G1c — which read-uncommitted allows.
    (
        M::ReadCommitted,
        &[A::G1, A::Pl2CycleExists, A::CyclicVersions],
    ),
    // lost-own-write (not in Elle): no execution of the transactions produces it, at any
    // level.
    (
        M::ReadUncommitted,
        &[
            A::G0,
            A::DuplicateElements,
            A::LostOwnWrite,
            A::Pl1CycleExists,
        ],
    ),
    (M::Prefix, &[A::Internal, A::G1a]),
    (
        M::SnapshotIsolation,
        &[
            A::Internal,
            A::G1,
            A::GDashSi,
            A::GNonadjacent,
            A::PlSiCycleExists,
        ],
    ),
    (M::ReadAtomic, &[A::Internal, A::G1a, A::FutureRead]),
    (
        M::RepeatableRead,
        &[A::G1, A::G2Item, A::Pl299CycleExists, A::LostUpdate],
    ),
    (M::UpdateAtomic, &[A::LostUpdate]),
    (
        M::StrictSerializable,
        &[A::G1, A::G1cRealtime, A::G2Realtime, A::PlSsCycleExists],
    ),
    (
        M::StrongSessionReadUncommitted,
        &[A::StrongSessionPl1CycleExists, A::G0Process],
    ),
    (
        M::StrongSessionReadCommitted,
        &[A::StrongSessionPl2CycleExists, A::G1cProcess],
    ),
    (
        M::StrongReadUncommitted,
        &[A::StrongPl1CycleExists, A::G0Realtime],
    ),
    (
        M::StrongReadCommitted,
        &[A::StrongPl2CycleExists, A::G1cRealtime],
    ),
    (
        M::StrongSessionSnapshotIsolation,
        &[
            A::Internal,
            A::G1Process,
            A::GNonadjacentProcess,
            A::StrongSessionSiCycleExists,
        ],
    ),
    (
        M::StrongSnapshotIsolation,
        &[
            A::Internal,
            A::G1Realtime,
            A::GNonadjacentRealtime,
            A::StrongSiCycleExists,
        ],
    ),
    (
        M::StrongSessionSerializable,
        &[
            A::G1Process,
            A::G2Process,
            A::StrongSessionSerializableCycleExists,
        ],
    ),
    (M::UpdateSerializable, &[A::G1, A::GUpdate]),
];

/// `a → [b...]`: finding `a` means `b` is present too (Elle's `implied-anomalies`).
const IMPLIED: &[(A, &[A])] = &[
    (A::G0, &[A::G1c, A::G0Process]),
    (A::G0Process, &[A::G1cProcess, A::G0Realtime]),
    (A::G0Realtime, &[A::G1cRealtime]),
    (A::G1a, &[A::G1]),
    (A::G1b, &[A::G1]),
    (A::G1c, &[A::G1, A::G1cProcess]),
    (A::G1cProcess, &[A::G1cRealtime, A::G1Process]),
    (A::G1cRealtime, &[A::G1Realtime]),
    (A::G1, &[A::G1Process]),
    (A::G1Process, &[A::G1Realtime]),
    (
        A::GSingleItem,
        &[A::GSingle, A::GSingleItemProcess, A::GNonadjacentItem],
    ),
    (
        A::GSingleItemProcess,
        &[
            A::GSingleProcess,
            A::GSingleItemRealtime,
            A::GNonadjacentItemProcess,
        ],
    ),
    (
        A::GSingleItemRealtime,
        &[A::GSingleRealtime, A::GNonadjacentItemRealtime],
    ),
    (A::GSingle, &[A::GNonadjacent, A::Gsib, A::GSingleProcess]),
    (
        A::GSingleProcess,
        &[A::GNonadjacentProcess, A::GSingleRealtime],
    ),
    (A::GSingleRealtime, &[A::GNonadjacentRealtime]),
    (
        A::GNonadjacentItem,
        &[A::GNonadjacent, A::G2Item, A::GNonadjacentItemProcess],
    ),
    (
        A::GNonadjacentItemProcess,
        &[
            A::GNonadjacentProcess,
            A::G2ItemProcess,
            A::GNonadjacentItemRealtime,
        ],
    ),
    (
        A::GNonadjacentItemRealtime,
        &[A::G2ItemRealtime, A::GNonadjacentRealtime],
    ),
    (A::GNonadjacent, &[A::G2, A::GNonadjacentProcess]),
    (
        A::GNonadjacentProcess,
        &[A::G2Process, A::GNonadjacentRealtime],
    ),
    (A::GNonadjacentRealtime, &[A::G2Realtime]),
    (A::G2, &[A::G2Process]),
    (A::G2Item, &[A::G2, A::G2ItemProcess]),
    (A::G2ItemProcess, &[A::G2Process, A::G2ItemRealtime]),
    (A::G2ItemRealtime, &[A::G2Realtime]),
    (A::G2Process, &[A::G2Realtime]),
    (A::Gsia, &[A::Gsi]),
    (A::Gsib, &[A::Gsi]),
    (A::IncompatibleOrder, &[A::G1a]),
    (A::FutureRead, &[A::G1c]),
    (A::DirtyUpdate, &[A::G1a]),
    (A::LostUpdate, &[A::WriteSkew, A::G2Item]),
    (A::WriteSkew, &[A::G2]),
];

impl ConsistencyModel {
    /// The model named `name` (friendly name or alias, case-sensitive as Elle's keywords are; a
    /// leading `:` is accepted).
    pub fn from_name(name: &str) -> Option<ConsistencyModel> {
        let name = name.trim();
        let name = name.strip_prefix(':').unwrap_or(name);
        M::ALL
            .iter()
            .copied()
            .find(|m| m.name() == name || m.aliases().contains(&name))
    }

    /// Parses a comma-separated list (`serializable,read-committed`, spaces allowed around the
    /// commas). Unknown names are an error listing every accepted name.
    pub fn parse_list(list: &str) -> Result<Vec<ConsistencyModel>, String> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match ConsistencyModel::from_name(name) {
                Some(m) if !out.contains(&m) => out.push(m),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "unknown consistency model {name:?}; expected one of: {}",
                        ConsistencyModel::accepted_names()
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err(format!(
                "no consistency model given; expected one or more of: {}",
                ConsistencyModel::accepted_names()
            ));
        }
        Ok(out)
    }

    /// Every accepted name, aliases in parentheses: for help texts and error messages.
    pub fn accepted_names() -> String {
        M::ALL
            .iter()
            .map(|m| match m.aliases() {
                [] => m.name().to_string(),
                aliases => format!("{} ({})", m.name(), aliases.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The models this one directly implies.
    pub fn implies(self) -> &'static [ConsistencyModel] {
        IMPLIES
            .iter()
            .find(|(m, _)| *m == self)
            .map_or(&[], |(_, b)| b)
    }

    /// The anomalies this model forbids directly (not counting those of the models it implies).
    pub fn proscribes(self) -> &'static [Anomaly] {
        PROSCRIBES
            .iter()
            .find(|(m, _)| *m == self)
            .map_or(&[], |(_, a)| a)
    }
}

impl Anomaly {
    /// The anomalies this one directly implies (finding a `G0` means a `G1c` is present too).
    pub fn implies(self) -> &'static [Anomaly] {
        IMPLIED
            .iter()
            .find(|(a, _)| *a == self)
            .map_or(&[], |(_, b)| b)
    }
}

impl fmt::Display for ConsistencyModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for ConsistencyModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Everything reachable from `start` along `next`, `start` included.
fn closure<T: Copy + Ord>(
    start: impl IntoIterator<Item = T>,
    next: impl Fn(T) -> Vec<T>,
) -> BTreeSet<T> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<T> = start.into_iter().collect();
    while let Some(x) = todo.pop() {
        if seen.insert(x) {
            todo.extend(next(x));
        }
    }
    seen
}

/// Every model implied by any of `models`, themselves included.
pub fn implied_models(models: &[ConsistencyModel]) -> BTreeSet<ConsistencyModel> {
    closure(models.iter().copied(), |m| m.implies().to_vec())
}

/// Every model that implies any of `models`, themselves included: if those are impossible, so
/// are these.
pub fn implying_models(
    models: impl IntoIterator<Item = ConsistencyModel>,
) -> BTreeSet<ConsistencyModel> {
    closure(models, |m| {
        M::ALL
            .iter()
            .copied()
            .filter(|s| s.implies().contains(&m))
            .collect()
    })
}

/// Every anomaly implied by any of `anomalies`, themselves included.
pub fn implied_anomalies(anomalies: impl IntoIterator<Item = Anomaly>) -> BTreeSet<Anomaly> {
    closure(anomalies, |a| a.implies().to_vec())
}

/// Every anomaly that implies any of `anomalies`, themselves included.
pub fn implying_anomalies(anomalies: impl IntoIterator<Item = Anomaly>) -> BTreeSet<Anomaly> {
    closure(anomalies, |a| {
        Anomaly::ALL
            .iter()
            .copied()
            .filter(|s| s.implies().contains(&a))
            .collect()
    })
}

/// The anomalies whose presence means `models` cannot all hold (Elle's
/// `anomalies-prohibited-by`): what each implied model forbids, and whatever implies those.
pub fn prohibited_by(models: &[ConsistencyModel]) -> BTreeSet<Anomaly> {
    let direct = implied_models(models)
        .into_iter()
        .flat_map(|m| m.proscribes().iter().copied());
    implying_anomalies(direct)
}

/// The models ruled out by the presence of `anomalies` (Elle's `anomalies->impossible-models`).
pub fn impossible_models(
    anomalies: impl IntoIterator<Item = Anomaly>,
) -> BTreeSet<ConsistencyModel> {
    let present = implied_anomalies(anomalies);
    let direct = M::ALL
        .iter()
        .copied()
        .filter(|m| m.proscribes().iter().any(|a| present.contains(a)));
    implying_models(direct)
}

/// The subset of `models` that implies none of the others: the weakest ones.
pub fn weakest(models: &BTreeSet<ConsistencyModel>) -> BTreeSet<ConsistencyModel> {
    models
        .iter()
        .copied()
        .filter(|&m| {
            let below = implied_models(&[m]);
            !models.iter().any(|&o| o != m && below.contains(&o))
        })
        .collect()
}

/// `not`: the weakest models the anomalies rule out; `also_not`: the other (stronger) models they
/// rule out (Elle's `boundary`).
pub fn boundary(
    anomalies: impl IntoIterator<Item = Anomaly>,
) -> (BTreeSet<ConsistencyModel>, BTreeSet<ConsistencyModel>) {
    boundary_of(impossible_models(anomalies))
}

/// `not` and `also_not` of a set of models known impossible.
pub fn boundary_of(
    impossible: BTreeSet<ConsistencyModel>,
) -> (BTreeSet<ConsistencyModel>, BTreeSet<ConsistencyModel>) {
    let not = weakest(&impossible);
    let also_not = impossible.difference(&not).copied().collect();
    (not, also_not)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not(anomalies: &[Anomaly]) -> Vec<&'static str> {
        boundary(anomalies.iter().copied())
            .0
            .into_iter()
            .map(|m| m.name())
            .collect()
    }

    #[test]
    fn boundaries_match_elles_test_expectations() {
        assert_eq!(not(&[A::G0]), ["read-uncommitted"]);
        assert_eq!(not(&[A::G1a]), ["read-committed"]);
        assert_eq!(not(&[A::G1c]), ["read-committed"]);
        assert_eq!(
            not(&[A::GSingleItem]),
            ["consistent-view", "repeatable-read"]
        );
        assert_eq!(not(&[A::G2Item]), ["repeatable-read"]);
        assert_eq!(
            not(&[A::GNonadjacentItem]),
            ["repeatable-read", "snapshot-isolation"]
        );
        assert_eq!(
            not(&[A::LostUpdate, A::G2Item]),
            ["cursor-stability", "update-atomic"]
        );
        assert_eq!(
            not(&[A::GSingleItemRealtime]),
            ["strong-snapshot-isolation"]
        );
        assert_eq!(
            not(&[A::GSingleItemProcess]),
            ["strong-session-snapshot-isolation"]
        );
        assert_eq!(not(&[A::Internal]), ["read-atomic"]);
        assert_eq!(not(&[A::IncompatibleOrder]), ["read-committed"]);
        assert!(not(&[]).is_empty());
    }

    #[test]
    fn strict_serializable_prohibits_realtime_cycles_but_serializable_does_not() {
        let strict = prohibited_by(&[M::StrictSerializable]);
        let serializable = prohibited_by(&[M::Serializable]);
        assert!(strict.contains(&A::G2ItemRealtime) && strict.contains(&A::G0));
        assert!(!serializable.contains(&A::G2ItemRealtime));
        assert!(serializable.contains(&A::G2Item) && serializable.contains(&A::G1a));
        assert!(!prohibited_by(&[M::ReadUncommitted]).contains(&A::G1a));
        assert!(prohibited_by(&[M::ReadUncommitted]).contains(&A::G0));
    }

    #[test]
    fn adya_names_are_aliases_and_lists_accept_spaces() {
        assert_eq!(ConsistencyModel::from_name("PL-2"), Some(M::ReadCommitted));
        assert_eq!(
            ConsistencyModel::from_name("PL-SS"),
            Some(M::StrictSerializable)
        );
        assert_eq!(
            ConsistencyModel::parse_list("serializable, PL-2.99").unwrap(),
            [M::Serializable, M::RepeatableRead]
        );
        let err = ConsistencyModel::parse_list("serializable,bogus").unwrap_err();
        assert!(
            err.contains("\"bogus\"") && err.contains("read-committed (PL-2)"),
            "{err}"
        );
    }

    #[test]
    fn the_lattice_is_acyclic() {
        for m in M::ALL {
            let below: Vec<_> = m
                .implies()
                .iter()
                .flat_map(|b| implied_models(&[*b]))
                .collect();
            assert!(!below.contains(m), "{m} implies itself");
        }
    }
}
