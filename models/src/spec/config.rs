//! [`SpecConfig`]: the resolved parameters a spec is built from; [`NetworkKind`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ModelError;

/// The network semantics of a check (stateright's `Network` choices).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkKind {
    /// FIFO per (sender, receiver) pair, no loss, no duplication.
    Ordered,
    /// Any order, each message delivered at most once.
    Unordered,
    /// Any order, and a message once sent may be delivered any number of times.
    Duplicating,
}

impl NetworkKind {
    /// Every kind, for help texts.
    pub const ALL: [NetworkKind; 3] = [
        NetworkKind::Ordered,
        NetworkKind::Unordered,
        NetworkKind::Duplicating,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            NetworkKind::Ordered => "ordered",
            NetworkKind::Unordered => "unordered",
            NetworkKind::Duplicating => "duplicating",
        }
    }
}

impl fmt::Display for NetworkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NetworkKind {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<NetworkKind, ModelError> {
        NetworkKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| ModelError::UnknownNetwork(s.to_owned()))
    }
}

/// Validated parameters: every parameter the spec declares, set or defaulted, within range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecConfig {
    values: BTreeMap<&'static str, u64>,
    bug: Option<&'static str>,
}

impl SpecConfig {
    /// A config from resolved values (the checker validates them first).
    pub fn new(values: BTreeMap<&'static str, u64>, bug: Option<&'static str>) -> SpecConfig {
        SpecConfig { values, bug }
    }

    /// The value of the declared parameter `name`. Panics if the spec did not declare it: that
    /// is a bug in the spec, not in the request.
    pub fn get(&self, name: &str) -> u64 {
        *self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared by this spec"))
    }

    /// [`SpecConfig::get`] as a `usize`.
    pub fn count(&self, name: &str) -> usize {
        self.get(name) as usize
    }

    /// The bug variant, if any.
    pub fn bug(&self) -> Option<&'static str> {
        self.bug
    }

    /// Every parameter with its value.
    pub fn values(&self) -> &BTreeMap<&'static str, u64> {
        &self.values
    }
}
