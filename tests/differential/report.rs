//! A disagreement between the engine and the reference, printed so it can be replayed: the seed,
//! the history as native JSON lines (as generated, and shrunk), what differs, and the exact
//! commands that reproduce it.

use std::fmt;
use std::path::PathBuf;

use splitbrain::history::{Event, Op, NEVER};

use super::compare::model;
use super::shrink::shrink;
use crate::generate::Family;
use crate::jsonl::write_events;

/// One history on which the engine and the reference disagree.
pub struct Disagreement {
    /// The test that found it (its path, for `cargo test ... --exact`).
    pub test: &'static str,
    /// The generator family.
    pub family: Family,
    /// The seed that generates the history.
    pub seed: u64,
    /// Whether the engine ran with its polynomial paths.
    pub fast_paths: bool,
    /// The history.
    pub events: Vec<Event>,
    /// The history's operations.
    pub ops: Vec<Op>,
    /// Both verdicts.
    pub verdicts: String,
    /// What differs.
    pub problem: String,
}

impl Disagreement {
    /// Whether the engine and the reference differ on a verdict (or the engine failed), rather
    /// than only on a witness.
    pub fn is_about_verdicts(&self) -> bool {
        self.problem
            .lines()
            .any(|line| !line.starts_with("witness") && !line.starts_with(' '))
    }

    /// `SEED`, `SEED (fast paths off)`, with `[witness]` when only the witness is wrong.
    pub fn label(&self) -> String {
        let paths = if self.fast_paths {
            ""
        } else {
            " (fast paths off)"
        };
        let witness = if self.is_about_verdicts() {
            ""
        } else {
            " [witness]"
        };
        format!("{}{paths}{witness}", self.seed)
    }

    /// Where the history is saved: `target/tmp/differential/FAMILY-seed-SEED[.min].jsonl`.
    fn path(&self, shrunk: bool) -> PathBuf {
        let suffix = if shrunk { ".min" } else { "" };
        let name = format!("{}-seed-{}{suffix}.jsonl", self.family.name(), self.seed);
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("differential")
            .join(name)
    }

    /// Prints the disagreement and saves the history, as generated and shrunk, ready to copy
    /// into `histories/regressions/` (a failure to write is only reported).
    pub fn report(&self) {
        let shrunk = shrink(self.family.spec(), &self.ops, self.fast_paths);
        eprintln!("{self}");
        eprintln!("--- shrunk (saved as {}) ---", self.path(true).display());
        eprint!("{}", write_events(&shrunk));
        eprintln!(
            "splitbrain check --model {} {}\n",
            model(self.family.spec()),
            self.path(true).display()
        );
        for (path, events) in [(self.path(false), &self.events), (self.path(true), &shrunk)] {
            let written = std::fs::create_dir_all(path.parent().expect("has a parent"))
                .and_then(|()| std::fs::write(&path, write_events(events)));
            if let Err(error) = written {
                eprintln!("could not save {}: {error}", path.display());
            }
        }
    }
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paths = if self.fast_paths { "on" } else { "off" };
        let name = self.family.name();
        writeln!(
            f,
            "=== DISAGREEMENT: {name} seed {} (fast paths {paths}) ===",
            self.seed
        )?;
        writeln!(f, "{}", self.verdicts)?;
        writeln!(f, "{}", self.problem)?;
        writeln!(
            f,
            "--- history (native JSON lines; saved as {}) ---",
            self.path(false).display()
        )?;
        write!(f, "{}", write_events(&self.events))?;
        writeln!(f, "--- operations [call, ret] ---")?;
        for op in &self.ops {
            let ret = if op.ret == NEVER {
                "∞".to_string()
            } else {
                op.ret.to_string()
            };
            writeln!(f, "{op} [{}, {ret}]", op.call)?;
        }
        writeln!(f, "--- reproduce ---")?;
        writeln!(
            f,
            "SPLITBRAIN_DIFF_SEED={} SPLITBRAIN_DIFF_CASES=1 cargo test --test integration {} -- --exact",
            self.seed, self.test
        )
    }
}
