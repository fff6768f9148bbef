//! The witness as text, for terminals and CI logs.

use std::fmt::Write;

use super::{Scope, Witness};
use crate::history::Op;

/// Most context operations printed.
const CONTEXT_SHOWN: usize = 6;
/// Most prefix steps printed (the last ones, nearest the failure).
const PREFIX_SHOWN: usize = 12;

/// `1 op`, `3 ops`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn where_(op: &Op) -> String {
    match op.source.invoke_index {
        Some(index) => format!("{} (index {index})", op.lines()),
        None => op.lines(),
    }
}

impl Witness {
    /// Renders the witness, each line starting with `indent`.
    pub fn to_text(&self, indent: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{indent}cannot linearize: {}   [{}]",
            self.op,
            where_(&self.op)
        );
        if let Some(reason) = &self.reason {
            let _ = writeln!(out, "{indent}  because: {reason}");
        }
        let width = self
            .minimal
            .iter()
            .map(|op| op.lines().len())
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "{indent}minimal failing sub-history ({}{}):",
            plural(self.minimal.len(), "op"),
            if self.minimal_proven && self.minimal.len() == 1 {
                "; weakening it makes the history linearizable"
            } else if self.minimal_proven {
                "; weakening any one of them makes it linearizable"
            } else {
                "; shrinking stopped early, may not be minimal"
            }
        );
        for op in &self.minimal {
            let _ = writeln!(out, "{indent}  {:<width$}  {op}", op.lines());
        }
        if !self.context.is_empty() {
            let _ = writeln!(
                out,
                "{indent}given that these may have taken effect any time after they began (or \
                 never):"
            );
            let shown = &self.context[..self.context.len().min(CONTEXT_SHOWN)];
            let width = shown.iter().map(|op| op.lines().len()).max().unwrap_or(0);
            for op in shown {
                let _ = writeln!(out, "{indent}  {:<width$}  {op}", op.lines());
            }
            if self.context.len() > shown.len() {
                let _ = writeln!(
                    out,
                    "{indent}  … {} more (all in --json)",
                    self.context.len() - shown.len()
                );
            }
        }
        let scope = match self.scope {
            Scope::History => "",
            Scope::MinimalSubHistory => " of the minimal sub-history",
        };
        if self.prefix.is_empty() {
            let _ = writeln!(out, "{indent}linearizable prefix{scope}: empty");
        } else {
            let _ = writeln!(
                out,
                "{indent}linearizable prefix{scope} ({}), state after each:",
                plural(self.prefix.len(), "op")
            );
            let skip = self.prefix.len().saturating_sub(PREFIX_SHOWN);
            if skip > 0 {
                let _ = writeln!(out, "{indent}  … {skip} earlier steps");
            }
            for step in &self.prefix[skip..] {
                let _ = writeln!(
                    out,
                    "{indent}  {:<40} ⇒ {}",
                    step.op.to_string(),
                    step.state
                );
            }
        }
        let _ = write!(
            out,
            "{indent}candidate states where the minimal sub-history fails ({}):",
            self.candidates_total
        );
        for candidate in &self.candidates {
            let _ = write!(out, "\n{indent}  {}", candidate.state);
            if !candidate.applied.is_empty() {
                let applied: Vec<String> =
                    candidate.applied.iter().map(|op| op.to_string()).collect();
                let _ = write!(out, "   (after in-flight {})", applied.join(", "));
            }
        }
        if self.candidates_total > self.candidates.len() {
            let _ = write!(
                out,
                "\n{indent}  … {} more",
                self.candidates_total - self.candidates.len()
            );
        }
        out.push('\n');
        out
    }
}
