//! `splitbrain validate STORE_DIR`: trace validation of a real run of splitbrain's reference
//! nodes against their model.
//!
//! Every reference node (`splitbrain node NAME`) journals each input its host executes and the
//! effects it produced (`node::journal`). Validation replays each node's inputs through the
//! model's own protocol code — the correct variant, or the one named with `--against` — and
//! compares every effect (sends, timers, choices, the durable write) with what the real node
//! did; it joins the nodes with the router's `messages.jsonl` into one path of the model
//! (drops and duplicates are the model's, kills its crashes, client requests the environment's
//! moves), and checks every property of the node's spec on every state of that path with the
//! spec's own property functions (`splitbrain_models::lift`). What the journals cannot show is
//! bridged by a bounded search and reported (`gap.rs`); a gap no search bridges leaves the
//! verdict unknown.
//!
//! Map of this module, in reading order:
//! - [`validate`] (here): store in, [`Validation`] out; [`ValidateOptions`];
//! - `store.rs`: reading the store (the only I/O);
//! - `messages.rs`, `journal.rs`: the router's and the nodes' journals, parsed (lines in our
//!   own writers' shape by a fast path each, `messages/fast.rs` and `journal/fast.rs`, over
//!   `scan.rs`; anything else by serde);
//! - `join.rs` + `join/`: the replay and the join, step by step (one concept a file), per
//!   node name (`registry.rs`);
//! - `compare.rs`: one handler call's effects against the journaled ones;
//! - `lazy.rs`: the JSON values the fast readers took unvalidated, proven valid;
//! - `gap.rs`: the bounded search that bridges a gap;
//! - `outcome.rs`: [`Validation`] and its parts; `explain.rs`: as text.
//!
//! Verdicts: valid (exit 0), invalid (1: the first divergent step or failing property, with
//! the path up to it), unknown (2: a gap no search bridged), and [`ValidateError`] (3: a
//! missing or malformed file, named with its line).

mod compare;
mod error;
mod explain;
mod gap;
mod join;
mod journal;
mod lazy;
mod messages;
mod outcome;
mod registry;
mod scan;
mod store;

use std::path::Path;

pub use error::ValidateError;
pub use gap::Limits;
pub use outcome::{Divergence, Gap, Mark, PropertyResult, PropertyViolation, Validation};
pub use registry::VALIDATABLE;

/// Where `splitbrain run` writes its validation in the store.
pub const VALIDATION_FILE: &str = "validation.json";

/// How to validate.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// The variant to judge against (`None`: the correct protocol).
    pub against: Option<String>,
    /// The gap search's bounds.
    pub limits: Limits,
    /// Steps of the path shown before the problem (or the end).
    pub path_tail: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            against: None,
            limits: Limits::default(),
            path_tail: 20,
        }
    }
}

/// Whether `dir` holds a run validation can read (a `messages.jsonl` and node journals).
pub fn has_journals(dir: &Path) -> bool {
    dir.join("messages.jsonl").is_file()
        && dir
            .join("data")
            .join("n0")
            .join(crate::node::JOURNAL_FILE)
            .is_file()
}

/// Validates the run stored in `dir` (see the module docs).
pub fn validate(dir: &Path, options: &ValidateOptions) -> Result<Validation, ValidateError> {
    let started = std::time::Instant::now();
    let text = store::load(dir)?;
    let messages = messages::parse(&text.messages, &text.messages_path)?;
    let mut journals = Vec::with_capacity(text.journals.len());
    for (id, path, body) in &text.journals {
        journals.push(join::NodeJournal {
            id: *id,
            file: path.clone(),
            entries: journal::parse(body, path)?,
        });
    }
    let node = journals
        .iter()
        .flat_map(|j| &j.entries)
        .find_map(|e| match &e.input {
            journal::Input::Start(start, _) => Some(start.node.to_string()),
            _ => None,
        })
        .ok_or_else(|| ValidateError::NotValidatable {
            dir: dir.to_path_buf(),
            what: "no node ever started (no `start` line in any journal)".into(),
        })?;
    let settings = join::Settings {
        against: options.against.clone(),
        limits: options.limits,
        tail: options.path_tail,
    };
    let mut validation =
        registry::validate_named(&node, &messages, journals, settings).map_err(|e| match e {
            ValidateError::NotValidatable { what, .. } => ValidateError::NotValidatable {
                dir: dir.to_path_buf(),
                what,
            },
            other => other,
        })?;
    validation.elapsed = started.elapsed();
    Ok(validation)
}
