//! [`Spec`]: what a specification provides, and the metadata the catalog lists.
//!
//! A spec is a protocol (its [`Protocol`] node type, usually an enum over the roles: servers,
//! clients, services), a way to build a system of such nodes from size parameters, its
//! properties, and its bug variants. The framework does the rest: the stateright model with
//! faults ([`System`]), the client history, the checker run, the counterexample.
//!
//! Map:
//! - [`Spec`] (here): the trait;
//! - [`SpecConfig`] (`config.rs`): resolved parameters handed to [`Spec::new`];
//! - [`SpecInfo`], [`ParameterInfo`], [`PropertyInfo`], [`BugInfo`], [`SpecProperty`]
//!   (`info.rs`): the catalog entries and property definitions.
//!
//! `spec` and [`system`](crate::system) import each other, and that is the one import cycle the
//! crate keeps on purpose: it is the trait-and-hook shape. [`System<S: Spec>`](System) is
//! generic over the trait and calls its hooks; the hooks ([`Spec::within_boundary`],
//! [`Spec::symmetry`], every [`SpecProperty`] condition) are handed the system and its state to
//! read. Cutting it would mean hooks that see an erased system, or the trait moved into
//! `system`, where a spec author would no longer find it first.

// import-cycles: allow system

mod config;
mod info;

pub use config::{NetworkKind, SpecConfig};
pub use info::{BugInfo, ParameterInfo, PropertyInfo, PropertyKind, SpecInfo, SpecProperty};

use crate::history::{Observed, SequentialSpecKind};
use crate::protocol::Protocol;
use crate::system::{Representative, System, SystemState, Topology};
use crate::ModelError;

/// A model-checkable specification. See the [module docs](self) and `models/README.md` ("Adding
/// a spec").
pub trait Spec: Sized + Send + Sync + 'static {
    /// The node type: every actor of the system (nodes first, then clients) is one of these.
    type Node: Protocol;

    /// The name on the command line (`paxos-register`).
    const NAME: &'static str;
    /// One sentence for `splitbrain model list`.
    const DESCRIPTION: &'static str;

    /// The size parameters and bounds this spec accepts, with defaults small enough that the
    /// default configuration is checked in seconds. Use the conventional names `servers`,
    /// `clients`, `crashes`, `partitions` where they apply (see [`ParameterInfo`]).
    fn parameters() -> Vec<ParameterInfo>;

    /// The named bug variants.
    fn bugs() -> Vec<BugInfo> {
        Vec::new()
    }

    /// The properties, each with its name, kind, description and source. At least one
    /// `sometimes` property, so that a pass is never vacuous.
    fn properties() -> Vec<SpecProperty<Self>>;

    /// The network semantics used unless the request names another.
    fn default_network() -> NetworkKind {
        NetworkKind::Unordered
    }

    /// Builds the spec from validated parameters (every declared parameter is present, within
    /// its range) and an optional bug variant (one of [`Spec::bugs`]).
    fn new(config: &SpecConfig) -> Result<Self, ModelError>;

    /// How many nodes and clients the system has.
    fn topology(&self) -> Topology;

    /// The nodes `n0…`, then the clients `c0…`, in that order ([`Topology::len`] of them).
    fn nodes(&self) -> Vec<Self::Node>;

    /// What `msg` means for the client history (a request sent by a client invokes an
    /// operation; a reply received by a client completes one). Default: nothing.
    fn observe(&self, msg: &<Self::Node as Protocol>::Msg) -> Observed {
        let _ = msg;
        Observed::Nothing
    }

    /// The sequential specification client histories are checked against, if the spec has a
    /// `linearizable` property (see [`crate::system::linearizable`]).
    fn sequential_spec(&self) -> Option<SequentialSpecKind> {
        None
    }

    /// Whether properties read the client history, which must then be part of the model state.
    /// Default: when the spec checks linearizability. When `false`, the history is left out of
    /// the state (fewer states, and client symmetry stays exploitable) and rebuilt only for
    /// counterexamples.
    fn history_in_state(&self) -> bool {
        self.sequential_spec().is_some()
    }

    /// A state constraint (TLC's CONSTRAINT): states outside it are not explored. Bound
    /// protocol counters here (terms, ballots, log length), never by search depth.
    fn within_boundary(&self, system: &System<Self>, state: &SystemState<Self>) -> bool {
        let _ = (system, state);
        true
    }

    /// A canonical representative of a state's symmetry class, for `--symmetry` (DFS and random
    /// walks only). `None` when the spec has no symmetry to exploit.
    fn symmetry() -> Option<Representative<Self>> {
        None
    }
}
