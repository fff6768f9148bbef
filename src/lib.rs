//! splitbrain: a Jepsen-style verification harness.
//!
//! Map of the crate, in reading order:
//! - [`history`]: events, operations and the history formats (native JSON lines, Jepsen EDN,
//!   Porcupine logs);
//! - [`checker`]: verdicts, sequential specs and the linearizability engine;
//! - [`generate`]: seeded synthetic histories for benchmarks and tests;
//! - [`node`]: `splitbrain node NAME`: a models-crate protocol as a real Maelstrom node;
//! - [`runner`]: `splitbrain run`: real nodes under faults, recorded and checked, on one run
//!   skeleton with pluggable backends;
//! - [`shim`]: `splitbrain shim`: a Maelstrom-protocol program on a real network;
//! - [`validate`]: `splitbrain validate`: a reference node run's journals replayed through its
//!   model and judged by its spec's properties;
//! - [`report`]: self-contained HTML reports;
//! - [`units`]: durations and sizes, parsed and printed;
//! - `cli` (in the binary): one file per verb.
//!
//! Dependencies flow one way: `cli → runner → checker → history`.

pub mod checker;
pub mod generate;
pub mod history;
pub mod node;
pub mod report;
pub mod runner;
pub mod shim;
pub mod units;
pub mod validate;
