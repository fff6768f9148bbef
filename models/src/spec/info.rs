//! Catalog metadata: [`SpecInfo`] and its parts, and [`SpecProperty`], a property definition.

use std::fmt;

use serde::Serialize;

use super::{NetworkKind, Spec};
use crate::system::{System, SystemState};

/// Everything `splitbrain model list` shows about a spec.
#[derive(Clone, Debug, Serialize)]
pub struct SpecInfo {
    /// The name on the command line.
    pub name: &'static str,
    /// One sentence.
    pub description: &'static str,
    /// Size parameters and bounds, with defaults.
    pub parameters: Vec<ParameterInfo>,
    /// The default network semantics.
    pub network: NetworkKind,
    /// The properties checked.
    pub properties: Vec<PropertyInfo>,
    /// The bug variants.
    pub bugs: Vec<BugInfo>,
    /// Whether `--symmetry` applies.
    pub symmetry: bool,
}

impl SpecInfo {
    /// The metadata of `S`.
    pub fn of<S: Spec>() -> SpecInfo {
        SpecInfo {
            name: S::NAME,
            description: S::DESCRIPTION,
            parameters: S::parameters(),
            network: S::default_network(),
            properties: S::properties().into_iter().map(|p| p.info).collect(),
            bugs: S::bugs(),
            symmetry: S::symmetry().is_some(),
        }
    }

    /// The parameter named `name`.
    pub fn parameter(&self, name: &str) -> Option<&ParameterInfo> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The bug variant named `name`.
    pub fn bug(&self, name: &str) -> Option<&BugInfo> {
        self.bugs.iter().find(|b| b.name == name)
    }
}

/// A size parameter or bound: `servers`, `clients`, `crashes`, `partitions`, or spec-specific
/// (`rounds`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParameterInfo {
    /// The name (`--servers`, or `--bound rounds=2` on the command line).
    pub name: &'static str,
    /// What it bounds.
    pub description: &'static str,
    /// The value used when the request does not set it.
    pub default: u64,
    /// The smallest accepted value.
    pub min: u64,
    /// The largest accepted value.
    pub max: u64,
}

impl ParameterInfo {
    /// A parameter.
    pub const fn new(
        name: &'static str,
        description: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> ParameterInfo {
        ParameterInfo {
            name,
            description,
            default,
            min,
            max,
        }
    }

    /// `crashes`: how many node crashes (each followed by a possible recovery from durable
    /// state) a path may contain. Clients never crash.
    pub const fn crashes(default: u64) -> ParameterInfo {
        ParameterInfo::new(
            "crashes",
            "node crashes per path (a crashed node may recover from its durable state)",
            default,
            0,
            8,
        )
    }

    /// `partitions`: how many network partitions (nodes split in two sides; messages between
    /// the sides are lost until the partition heals) a path may contain.
    pub const fn partitions(default: u64) -> ParameterInfo {
        ParameterInfo::new(
            "partitions",
            "network partitions per path (messages across the cut are lost until it heals)",
            default,
            0,
            8,
        )
    }
}

/// `always` (a safety invariant: must hold in every reachable state) or `sometimes` (a
/// reachability check: must hold in some reachable state, so a pass is not vacuous).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyKind {
    /// Holds in every reachable state.
    Always,
    /// Holds in at least one reachable state.
    Sometimes,
}

impl fmt::Display for PropertyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PropertyKind::Always => "always",
            PropertyKind::Sometimes => "sometimes",
        })
    }
}

/// A property as the catalog lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyInfo {
    /// The name (`agreement`).
    pub name: &'static str,
    /// `always` or `sometimes`.
    pub kind: PropertyKind,
    /// What it states, in one sentence.
    pub description: &'static str,
    /// Where it is defined: paper and section.
    pub source: &'static str,
}

/// A bug variant: a deliberate mistake that must make `violates` fail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BugInfo {
    /// The name (`--bug ignore-promise`).
    pub name: &'static str,
    /// What the variant gets wrong.
    pub description: &'static str,
    /// The property it must violate.
    pub violates: &'static str,
    /// Bounds the variant needs to show its mistake, used where the request leaves them unset
    /// (`ack-before-sync` needs a crash; the spec's own defaults have none).
    pub defaults: &'static [(&'static str, u64)],
}

/// A property definition: its catalog entry and the condition checked on each state.
pub struct SpecProperty<S: Spec> {
    /// Name, kind, description, source.
    pub info: PropertyInfo,
    /// The condition. It may read only what the state hashes (node states, network, history).
    pub condition: fn(&System<S>, &SystemState<S>) -> bool,
}

impl<S: Spec> SpecProperty<S> {
    /// An `always` property.
    pub fn always(
        name: &'static str,
        description: &'static str,
        source: &'static str,
        condition: fn(&System<S>, &SystemState<S>) -> bool,
    ) -> SpecProperty<S> {
        SpecProperty {
            info: PropertyInfo {
                name,
                kind: PropertyKind::Always,
                description,
                source,
            },
            condition,
        }
    }

    /// A `sometimes` property.
    pub fn sometimes(
        name: &'static str,
        description: &'static str,
        source: &'static str,
        condition: fn(&System<S>, &SystemState<S>) -> bool,
    ) -> SpecProperty<S> {
        SpecProperty {
            info: PropertyInfo {
                name,
                kind: PropertyKind::Sometimes,
                description,
                source,
            },
            condition,
        }
    }
}

impl<S: Spec> Clone for SpecProperty<S> {
    fn clone(&self) -> Self {
        SpecProperty {
            info: self.info.clone(),
            condition: self.condition,
        }
    }
}
