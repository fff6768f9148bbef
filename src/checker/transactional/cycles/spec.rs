//! [`Spec`]: which cycles a search looks for, as a small automaton over edge kinds.
//!
//! Elle's cycle specs (`base-cycle-anomaly-specs` in `txn.clj`), item forms (our workloads have
//! no predicate reads, so `G-single`, `G-nonadjacent` and `G2` proper never arise):
//!
//! | family | edges | rw edges |
//! |---|---|---|
//! | G0 | ww | none |
//! | G1c | ww, wr; at least one wr | none |
//! | G-single-item | ww, wr, rw | exactly one |
//! | G-nonadjacent-item | ww, wr, rw | at least two, no two adjacent (cyclically) |
//! | G2-item | ww, wr, rw | at least two, some two adjacent |
//!
//! `-process` variants may also use process edges and need at least one; `-realtime` variants
//! may use process and realtime edges and need at least one realtime edge. A search runs from a
//! *seed* edge of the kind the spec needs (wr for G1c, rw for the rw families, the variant's edge
//! for G0 variants) back to the seed's tail, tracking a state (rw count, whether the last edge
//! was rw, whether two rw were adjacent, which required kinds were seen) in a `u8`.
//!
//! The same automaton, without a named family, checks the models' cycle conditions (Elle's
//! `cycle-exists-specs`): any cycle in the model's edge kinds, with rw edges non-adjacent for the
//! snapshot-isolation family.

use super::super::anomaly::Anomaly;
use super::super::infer::{PROCESS, REALTIME, RW, WR, WW};
use super::super::models::ConsistencyModel;

/// How a spec treats rw edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RwRule {
    /// No rw edges (not in `allow`).
    None,
    /// Exactly one (the seed).
    ExactlyOne,
    /// No two adjacent; at least two if `at_least_two`.
    Nonadjacent {
        /// Require two or more.
        at_least_two: bool,
    },
    /// At least two, some two adjacent.
    AdjacentPair,
    /// Anything.
    Any,
}

/// What a search looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The anomaly a cycle found is an instance of (cycle-exists: the model's fallback).
    pub anomaly: Anomaly,
    /// Edge kinds the cycle may use.
    pub allow: u8,
    /// The rw rule.
    pub rw: RwRule,
    /// A wr edge is required.
    pub need_wr: bool,
    /// An edge of this kind (process or realtime) is required; 0: none.
    pub need: u8,
    /// Seed edges have this kind; 0: any allowed kind.
    pub seed: u8,
}

const COUNT: u8 = 0b11;
const LAST_RW: u8 = 1 << 2;
const ADJACENT: u8 = 1 << 3;
const HAVE_WR: u8 = 1 << 4;
const HAVE_NEED: u8 = 1 << 5;

/// Number of distinct states.
pub const STATES: usize = 64;

/// A cycle family, before the process/realtime variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// ww only.
    G0,
    /// ww and wr.
    G1c,
    /// one rw.
    GSingle,
    /// non-adjacent rw.
    GNonadjacent,
    /// adjacent rw.
    G2,
}

/// Plain, `-process` or `-realtime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Data edges only.
    Base,
    /// Process edges allowed, one required.
    Process,
    /// Process and realtime edges allowed, one realtime edge required.
    Realtime,
}

const FAMILIES: [Family; 5] = [
    Family::G0,
    Family::G1c,
    Family::GSingle,
    Family::GNonadjacent,
    Family::G2,
];

/// The anomaly of a family and variant.
pub fn anomaly(family: Family, variant: Variant) -> Anomaly {
    use Anomaly as A;
    match (family, variant) {
        (Family::G0, Variant::Base) => A::G0,
        (Family::G0, Variant::Process) => A::G0Process,
        (Family::G0, Variant::Realtime) => A::G0Realtime,
        (Family::G1c, Variant::Base) => A::G1c,
        (Family::G1c, Variant::Process) => A::G1cProcess,
        (Family::G1c, Variant::Realtime) => A::G1cRealtime,
        (Family::GSingle, Variant::Base) => A::GSingleItem,
        (Family::GSingle, Variant::Process) => A::GSingleItemProcess,
        (Family::GSingle, Variant::Realtime) => A::GSingleItemRealtime,
        (Family::GNonadjacent, Variant::Base) => A::GNonadjacentItem,
        (Family::GNonadjacent, Variant::Process) => A::GNonadjacentItemProcess,
        (Family::GNonadjacent, Variant::Realtime) => A::GNonadjacentItemRealtime,
        (Family::G2, Variant::Base) => A::G2Item,
        (Family::G2, Variant::Process) => A::G2ItemProcess,
        (Family::G2, Variant::Realtime) => A::G2ItemRealtime,
    }
}

impl Spec {
    /// The spec of a named cycle type.
    pub fn named(family: Family, variant: Variant) -> Spec {
        let (extra, need) = match variant {
            Variant::Base => (0, 0),
            Variant::Process => (PROCESS, PROCESS),
            Variant::Realtime => (PROCESS | REALTIME, REALTIME),
        };
        let (data, rw, need_wr) = match family {
            Family::G0 => (WW, RwRule::None, false),
            Family::G1c => (WW | WR, RwRule::None, true),
            Family::GSingle => (WW | WR | RW, RwRule::ExactlyOne, false),
            Family::GNonadjacent => (
                WW | WR | RW,
                RwRule::Nonadjacent { at_least_two: true },
                false,
            ),
            Family::G2 => (WW | WR | RW, RwRule::AdjacentPair, false),
        };
        let seed = match family {
            Family::G0 if need != 0 => need,
            Family::G0 => WW,
            Family::G1c => WR,
            _ => RW,
        };
        Spec {
            anomaly: anomaly(family, variant),
            allow: data | extra,
            rw,
            need_wr,
            need,
            seed,
        }
    }

    /// The named searches, most severe first (Elle's order): every family plain, then every
    /// `-process` form, then every `-realtime` form.
    pub fn search_order() -> Vec<Spec> {
        let mut out = Vec::new();
        for variant in [Variant::Base, Variant::Process, Variant::Realtime] {
            for family in FAMILIES {
                out.push(Spec::named(family, variant));
            }
        }
        out
    }

    /// The cycle condition of a model (Elle's `cycle-exists-specs`), if it has one.
    pub fn cycle_exists(model: ConsistencyModel) -> Option<Spec> {
        use Anomaly as A;
        use ConsistencyModel as M;
        let si = RwRule::Nonadjacent {
            at_least_two: false,
        };
        let (anomaly, allow, rw) = match model {
            M::ReadUncommitted => (A::Pl1CycleExists, WW, RwRule::None),
            M::ReadCommitted => (A::Pl2CycleExists, WW | WR, RwRule::None),
            M::SnapshotIsolation => (A::PlSiCycleExists, WW | WR | RW, si),
            M::RepeatableRead => (A::Pl299CycleExists, WW | WR | RW, RwRule::Any),
            M::Serializable => (A::Pl3CycleExists, WW | WR | RW, RwRule::Any),
            M::StrongSessionReadUncommitted => {
                (A::StrongSessionPl1CycleExists, WW | PROCESS, RwRule::None)
            }
            M::StrongSessionReadCommitted => (
                A::StrongSessionPl2CycleExists,
                WW | WR | PROCESS,
                RwRule::None,
            ),
            M::StrongSessionSnapshotIsolation => {
                (A::StrongSessionSiCycleExists, WW | WR | RW | PROCESS, si)
            }
            M::StrongSessionSerializable => (
                A::StrongSessionSerializableCycleExists,
                WW | WR | RW | PROCESS,
                RwRule::Any,
            ),
            M::StrongReadUncommitted => (
                A::StrongPl1CycleExists,
                WW | PROCESS | REALTIME,
                RwRule::None,
            ),
            M::StrongReadCommitted => (
                A::StrongPl2CycleExists,
                WW | WR | PROCESS | REALTIME,
                RwRule::None,
            ),
            M::StrongSnapshotIsolation => (
                A::StrongSiCycleExists,
                WW | WR | RW | PROCESS | REALTIME,
                si,
            ),
            M::StrictSerializable => (
                A::PlSsCycleExists,
                WW | WR | RW | PROCESS | REALTIME,
                RwRule::Any,
            ),
            _ => return None,
        };
        Some(Spec {
            anomaly,
            allow,
            rw,
            need_wr: false,
            need: 0,
            seed: 0,
        })
    }

    /// The kind to seed a search with from an edge of kinds `kinds` (0: the edge cannot seed).
    pub fn seed_kind(&self, kinds: u8) -> u8 {
        let k = if self.seed == 0 {
            kinds & self.allow
        } else {
            kinds & self.seed
        };
        k & k.wrapping_neg()
    }

    /// Whether finding this cycle needs the non-adjacency product graph.
    pub fn nonadjacent(&self) -> bool {
        matches!(self.rw, RwRule::Nonadjacent { .. })
    }

    /// The state after taking an edge of (single) kind `kind` in state `state`, if allowed.
    pub fn step(&self, state: u8, kind: u8) -> Option<u8> {
        if kind & self.allow == 0 {
            return None;
        }
        let mut s = state;
        if kind == RW {
            let count = s & COUNT;
            let last = s & LAST_RW != 0;
            match self.rw {
                RwRule::None => return None,
                RwRule::ExactlyOne if count >= 1 => return None,
                RwRule::Nonadjacent { .. } if last => return None,
                _ => {}
            }
            if last {
                s |= ADJACENT;
            }
            s = (s & !COUNT) | (count + 1).min(2);
            s |= LAST_RW;
        } else {
            s &= !LAST_RW;
        }
        if kind == WR {
            s |= HAVE_WR;
        }
        if kind & self.need != 0 {
            s |= HAVE_NEED;
        }
        Some(s)
    }

    /// Whether the last edge taken into `state` was rw.
    pub fn last_rw(state: u8) -> bool {
        state & LAST_RW != 0
    }

    /// Whether a closed walk ending in `state` satisfies the spec; `seed_rw`: the seed edge (the
    /// walk's first, following its last) is rw.
    pub fn accepts(&self, state: u8, seed_rw: bool) -> bool {
        let count = state & COUNT;
        let adjacent = state & ADJACENT != 0 || (state & LAST_RW != 0 && seed_rw);
        if self.need != 0 && state & HAVE_NEED == 0 {
            return false;
        }
        if self.need_wr && state & HAVE_WR == 0 {
            return false;
        }
        match self.rw {
            RwRule::None | RwRule::Any => true,
            RwRule::ExactlyOne => count == 1,
            RwRule::Nonadjacent { at_least_two } => !adjacent && (!at_least_two || count >= 2),
            RwRule::AdjacentPair => count >= 2 && adjacent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(spec: &Spec, kinds: &[u8]) -> bool {
        let mut s = 0;
        for &k in kinds {
            match spec.step(s, k) {
                Some(n) => s = n,
                None => return false,
            }
        }
        spec.accepts(s, kinds[0] == RW)
    }

    #[test]
    fn automata_accept_exactly_their_families() {
        let g0 = Spec::named(Family::G0, Variant::Base);
        let g1c = Spec::named(Family::G1c, Variant::Base);
        let single = Spec::named(Family::GSingle, Variant::Base);
        let nonadj = Spec::named(Family::GNonadjacent, Variant::Base);
        let g2 = Spec::named(Family::G2, Variant::Base);
        assert!(walk(&g0, &[WW, WW]) && !walk(&g0, &[WW, WR]));
        assert!(walk(&g1c, &[WR, WW]) && !walk(&g1c, &[WW, WW]));
        assert!(walk(&single, &[RW, WW]) && !walk(&single, &[RW, RW]));
        assert!(walk(&nonadj, &[RW, WR, RW, WR]) && !walk(&nonadj, &[RW, WR, WR, RW]));
        assert!(!walk(&nonadj, &[RW, WR]));
        assert!(walk(&g2, &[RW, RW]) && walk(&g2, &[RW, WR, WR, RW]));
        assert!(!walk(&g2, &[RW, WR, RW, WR]));
        let g0p = Spec::named(Family::G0, Variant::Process);
        assert!(walk(&g0p, &[PROCESS, WW]) && !walk(&g0p, &[WW, WW]));
        let g0r = Spec::named(Family::G0, Variant::Realtime);
        assert!(walk(&g0r, &[REALTIME, PROCESS, WW]) && !walk(&g0r, &[PROCESS, WW]));
    }
}
