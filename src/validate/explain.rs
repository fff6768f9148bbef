//! A [`Validation`] as text: the verdict, the first divergent step with the model's and the
//! node's effects side by side and the path up to it, the gaps, the properties.

use std::fmt;

use super::Validation;
use crate::checker::Verdict;

/// Text lines are cut here (message bodies can be long; `--json` has them whole).
const WIDTH: usize = 240;

fn cut(line: &str) -> String {
    if line.chars().count() <= WIDTH {
        return line.to_string();
    }
    let mut s: String = line.chars().take(WIDTH).collect();
    s.push('…');
    s
}

impl fmt::Display for Validation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let against = self.against.as_deref().unwrap_or("correct");
        writeln!(
            f,
            "{}: {} ({} nodes{}) against the {against} model: {} journal entries and {} \
             router events joined into {} steps in {:.1} ms",
            self.verdict,
            self.node,
            self.nodes,
            self.ran
                .as_deref()
                .map(|b| format!(", running --bug {b}"))
                .unwrap_or_default(),
            self.journal_entries,
            self.router_events,
            self.steps,
            self.elapsed.as_secs_f64() * 1e3
        )?;
        if let Some(d) = &self.divergence {
            writeln!(
                f,
                "  first divergent step {}: {} {} ({}:{})",
                d.step,
                d.node,
                d.input,
                d.journal.display(),
                d.line
            )?;
            writeln!(f, "    {}", cut(&d.what))?;
            writeln!(f, "    expected (the model):")?;
            if d.expected.is_empty() {
                writeln!(f, "      (nothing)")?;
            }
            for e in &d.expected {
                writeln!(f, "      {}", cut(e))?;
            }
            writeln!(f, "    actual (the node):")?;
            if d.actual.is_empty() {
                writeln!(f, "      (nothing)")?;
            }
            for a in &d.actual {
                writeln!(f, "      {}", cut(a))?;
            }
        }
        if let Some(v) = &self.violation {
            writeln!(
                f,
                "  `{}` fails at step {}{}: {}",
                v.property,
                v.step,
                v.key.map(|k| format!(" (key {k})")).unwrap_or_default(),
                v.input
            )?;
            writeln!(f, "    {} [{}]", v.description, v.source)?;
        }
        for reason in &self.unknown {
            writeln!(f, "  unknown: {}", cut(reason))?;
        }
        for g in &self.gaps {
            let how = if g.bridged {
                format!("bridged by: {}", g.bridge.join("; "))
            } else {
                "not bridged".into()
            };
            writeln!(
                f,
                "  gap at step {} ({} line {}): {}; {how} ({} states searched)",
                g.step,
                g.node,
                g.line,
                cut(&g.what),
                g.explored
            )?;
        }
        if self.verdict != Verdict::Valid || !self.path.is_empty() && self.divergence.is_some() {
            let label = if self.divergence.is_some() || self.violation.is_some() {
                "path up to it"
            } else {
                "end of the path"
            };
            writeln!(
                f,
                "  {label} ({} of {} steps):",
                self.path.len(),
                self.path.len() + self.path_omitted
            )?;
            for step in &self.path {
                writeln!(f, "  {}", cut(step))?;
            }
        }
        writeln!(f, "  properties of {} on every state:", self.spec)?;
        for p in &self.properties {
            let at = p.step.map(|s| format!(" (step {s})")).unwrap_or_default();
            writeln!(f, "    {:<26} {:<9} {}{at}", p.name, p.kind, p.outcome)?;
        }
        Ok(())
    }
}
