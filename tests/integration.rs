//! Integration tests: one binary, one module per area.

/// The command line: exit codes, messages, JSON.
mod cli;
/// The Porcupine corpus with its published verdicts.
mod corpus;
/// The engine against the brute-force reference on seeded random histories.
mod differential;
/// History formats: parsing, writing, detection, fuzzing.
mod formats;
/// Seeded random histories per model, for the differential tests.
mod generate;
/// Hand-written valid/invalid cases under `histories/`.
mod histories;
/// The complete read-committed / read-atomic / causal checks against a brute-force reference.
mod isolation_differential;
/// Native JSON lines for printing and replaying histories in the differential tests.
mod jsonl;
/// The kafka checker: hand-written histories, an independent cross-check, the command line.
mod kafka;
/// `splitbrain model`: the model checker's command line.
mod model_cli;
/// `splitbrain run --net netns`: real etcd in network namespaces (root only).
mod netns;
/// The brute-force reference checker and its hand-built cases.
mod reference;
/// Reports: `splitbrain report`, the run's report.html, headless Chromium.
mod report;
/// `splitbrain run` with real node processes.
mod runner;
/// `splitbrain run --net ssh`: real etcd on sshd "hosts" in namespaces (root only).
mod ssh;
/// Transactional checking: Elle's cases, hand-written histories, the command line.
mod transactional;
/// The transactional checker against the brute-force reference, on 10^4 seeded histories.
mod txn_differential;
/// `splitbrain gen` for transactions: conventions, shapes, formats, command line.
mod txn_generate;
/// The brute-force reference for transactional consistency, its cases and self-checks.
mod txn_reference;
/// Unix manners: a closed stdout ends quietly; an error says each cause once.
mod unix;
/// `splitbrain validate`: reference node runs replayed through their models.
mod validate;

use std::process::{Command, Output};

/// `splitbrain ARGS...` run from the repository root, to completion.
fn splitbrain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run splitbrain")
}

/// The exit code of a process that exited (not killed by a signal).
fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}
