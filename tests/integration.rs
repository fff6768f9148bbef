//! Integration tests: one binary, one module per area.
//!
//! - `jsonl`: native JSON lines for printing and replaying histories in tests;
//! - `reference`: the brute-force reference checker and its hand-built cases;
//! - `generate`: seeded random histories per model;
//! - `differential`: the engine against the reference on random histories.

mod differential;
mod generate;
mod jsonl;
mod reference;
