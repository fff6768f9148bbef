//! [`NetOptions`]: the router's standing network behaviour (the nemesis adds faults on top):
//! latency and its distribution, loss, duplication, reordering.

use std::time::Duration;

/// How message latency is distributed around its mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LatencyDist {
    /// Always the mean.
    #[default]
    Constant,
    /// Uniform in 0 .. 2 × mean.
    Uniform,
    /// Exponential with the given mean.
    Exponential,
}

impl LatencyDist {
    /// Every distribution.
    pub const ALL: [LatencyDist; 3] = [
        LatencyDist::Constant,
        LatencyDist::Uniform,
        LatencyDist::Exponential,
    ];

    /// Its name in `--latency-dist`.
    pub fn name(self) -> &'static str {
        match self {
            LatencyDist::Constant => "constant",
            LatencyDist::Uniform => "uniform",
            LatencyDist::Exponential => "exponential",
        }
    }

    /// The distribution named `name`.
    pub fn from_name(name: &str) -> Option<LatencyDist> {
        LatencyDist::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// The network's standing behaviour (the nemesis adds faults on top).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct NetOptions {
    /// Mean latency of node↔node and node↔service messages.
    pub latency: Duration,
    /// Its distribution.
    pub latency_dist: LatencyDist,
    /// Probability that a node↔node message is lost.
    pub loss: f64,
    /// Probability that a node↔node message is delivered twice.
    pub duplicate: f64,
    /// Probability that a node↔node message is held back (delivered after later ones).
    pub reorder: f64,
}
