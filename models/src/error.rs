//! [`ModelError`]: why a check could not run at all.
//!
//! A property that fails is not an error: it is a verdict in the
//! [`CheckOutcome`](crate::CheckOutcome). An error means the request itself was wrong (an unknown
//! spec, a parameter out of range) or the harness could not do what was asked.

/// Why a check (or the Explorer) could not run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No spec has this name.
    #[error("unknown spec `{name}`; the specs are: {known}")]
    UnknownSpec {
        /// The requested name.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// The spec has no bug variant of this name.
    #[error("spec `{spec}` has no bug variant `{bug}`; its variants are: {known}")]
    UnknownBug {
        /// The spec.
        spec: &'static str,
        /// The requested variant.
        bug: String,
        /// The known variants, comma-separated.
        known: String,
    },
    /// The spec does not take this parameter.
    #[error("spec `{spec}` has no parameter `{name}`; it takes: {known}")]
    UnknownParameter {
        /// The spec.
        spec: &'static str,
        /// The requested parameter.
        name: String,
        /// The parameters it takes, comma-separated.
        known: String,
    },
    /// A parameter value is outside its declared range.
    #[error("parameter `{name}` = {value} is outside {min}..={max}")]
    ParameterOutOfRange {
        /// The parameter.
        name: &'static str,
        /// The requested value.
        value: u64,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// The spec has no property of this name.
    #[error("spec `{spec}` has no property `{name}`; its properties are: {known}")]
    UnknownProperty {
        /// The spec.
        spec: &'static str,
        /// The requested property.
        name: String,
        /// The known properties, comma-separated.
        known: String,
    },
    /// Not a network kind.
    #[error("unknown network `{0}`; expected ordered, unordered or duplicating")]
    UnknownNetwork(String),
    /// `--symmetry` for a spec without a symmetry reduction.
    #[error("spec `{0}` has no symmetry to exploit; run it without --symmetry")]
    SymmetryUnsupported(&'static str),
    /// `--symmetry` with BFS, which stateright silently ignores.
    #[error(
        "--symmetry works with the dfs and random strategies only (stateright's BFS ignores it)"
    )]
    SymmetryNeedsDfs,
    /// A random walk without a state or time limit would never end.
    #[error("the random strategy never exhausts the state space: set max states or a time limit")]
    UnboundedRandomSearch,
    /// Zero threads.
    #[error("threads must be at least 1")]
    NoThreads,
    /// The parameters make no sense together.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A deployed run could not be lifted onto its spec.
    #[error("cannot judge the run with its spec's properties: {what}")]
    Lift {
        /// Why.
        what: String,
    },
    /// The spec's code panicked during the search (a bug in the spec or the framework).
    #[error("the model of `{spec}` panicked (the panic message is on stderr): {message}")]
    Panicked {
        /// The spec.
        spec: &'static str,
        /// The panic message.
        message: String,
    },
    /// The Explorer could not bind its address.
    #[error("cannot serve the Explorer on {addr}: {error}")]
    Explorer {
        /// The address.
        addr: String,
        /// The bind error. Part of the message, so not also its `source()`: a chain printer
        /// (`{:#}`) would say it twice.
        error: std::io::Error,
    },
}
