//! Integration tests: one binary, one module per area.

/// The command line: exit codes, messages, JSON.
mod cli;
/// The Porcupine corpus with its published verdicts.
mod corpus;
/// History formats: parsing, writing, detection, fuzzing.
mod formats;
/// Hand-written valid/invalid cases under `histories/`.
mod histories;
