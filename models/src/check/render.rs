//! Text rendering: outcomes, traces, and the field-level diff of actor states. (One action as
//! one line, for the Explorer, is `System`'s own: `system/describe.rs`.)
//!
//! Actor states are rendered with their `Debug` implementation; a change is reported per
//! top-level field when both sides are structs (`n1.promised: None → Some(1.n0)`), through
//! single-field tuple wrappers such as a role enum (`Server(ServerState { … })`), and as a whole
//! value otherwise.

use std::fmt::{self, Write as _};

use super::{CheckOutcome, PropertyStatus, Step, StepEvent, Trace};

/// The fields that differ between two `Debug` renderings: `(field, before, after)`.
pub(crate) fn field_changes(before: &str, after: &str) -> Vec<(String, String, String)> {
    if let (Some(old), Some(new)) = (struct_fields(before), struct_fields(after)) {
        if old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| a.0 == b.0) {
            return old
                .into_iter()
                .zip(new)
                .filter(|(a, b)| a.1 != b.1)
                .map(|((name, a), (_, b))| (name.to_owned(), a.to_owned(), b.to_owned()))
                .collect();
        }
    }
    vec![(String::new(), before.to_owned(), after.to_owned())]
}

/// `Name { a: 1, b: Some(2) }` → `[("a", "1"), ("b", "Some(2)")]`, looking through
/// single-field tuple wrappers (`Server(State { … })`).
fn struct_fields(debug: &str) -> Option<Vec<(&str, &str)>> {
    let mut s = debug.trim();
    while let Some(inner) = single_tuple_field(s) {
        s = inner;
    }
    let open = s.find('{')?;
    if !is_path(s[..open].trim()) || !s.ends_with('}') {
        return None;
    }
    let body = s[open + 1..s.len() - 1].trim();
    if body.is_empty() {
        return Some(Vec::new());
    }
    split_top_level(body, ',')
        .into_iter()
        .map(|field| {
            let field = field.trim();
            let colon = field.find(": ")?;
            Some((&field[..colon], field[colon + 2..].trim()))
        })
        .collect()
}

/// `Name(inner)` → `inner` when the parentheses hold exactly one field.
fn single_tuple_field(s: &str) -> Option<&str> {
    let open = s.find('(')?;
    if !is_path(&s[..open]) || !s.ends_with(')') {
        return None;
    }
    let inner = &s[open + 1..s.len() - 1];
    let parts = split_top_level(inner, ',');
    (parts.len() == 1 && balanced(inner)).then_some(inner)
}

fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for c in s.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_string
}

/// Splits at `separator` outside brackets and strings.
fn split_top_level(s: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for StepEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepEvent::Start => f.write_str("start"),
            StepEvent::Deliver { from, to, msg } => write!(f, "{to} receives {msg} from {from}"),
            StepEvent::Drop { from, to, msg } => {
                write!(f, "the network loses {msg} from {from} to {to}")
            }
            StepEvent::Timer { node, timer } => write!(f, "{node}: timer {timer} fires"),
            StepEvent::Choice { node, pick } => write!(f, "{node}: the environment picks {pick}"),
            StepEvent::Crash { node } => {
                write!(f, "{node} crashes (volatile state and timers lost)")
            }
            StepEvent::Recover { node } => write!(f, "{node} recovers from its durable state"),
            StepEvent::Partition { side, other } => {
                let names = |nodes: &[crate::protocol::NodeId]| {
                    nodes
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                write!(
                    f,
                    "the network partitions: {} | {}",
                    names(side),
                    names(other)
                )
            }
            StepEvent::Heal { lost } => {
                write!(f, "the partition heals ({lost} messages across it lost)")
            }
            StepEvent::Tick { now } => write!(f, "time passes: t = {now}"),
            StepEvent::Local { node, what } => write!(f, "{node}: {what}"),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>3}. {}", self.number, self.event)?;
        for change in &self.changes {
            let target = if change.field.is_empty() {
                change.node.to_string()
            } else {
                format!("{}.{}", change.node, change.field)
            };
            writeln!(f, "       {target}: {} → {}", change.before, change.after)?;
        }
        // Group identical messages from one sender: "n0 sends Prepare{..} to n1, n2".
        let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
        for sent in &self.sent {
            let (from, msg) = (sent.from.to_string(), sent.msg.clone());
            match groups.iter_mut().find(|g| g.0 == from && g.1 == msg) {
                Some(group) => group.2.push(sent.to.to_string()),
                None => groups.push((from, msg, vec![sent.to.to_string()])),
            }
        }
        for (from, msg, to) in groups {
            writeln!(f, "       {from} sends {msg} to {}", to.join(", "))?;
        }
        for event in &self.history {
            writeln!(f, "       history: {event}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            write!(f, "{step}")?;
        }
        if !self.history.is_empty() {
            writeln!(f, "  client history:")?;
            for event in &self.history {
                writeln!(f, "    {event}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spec {}", self.spec)?;
        if let Some(bug) = self.bug {
            write!(f, " (bug {bug})")?;
        }
        writeln!(f)?;
        let mut parameters = String::new();
        for (name, value) in &self.parameters {
            let _ = write!(parameters, " {name}={value}");
        }
        let lossy = if self.lossy { ", lossy" } else { "" };
        writeln!(
            f,
            "  parameters:{parameters}; network {}{lossy}",
            self.network
        )?;
        let threads = if self.threads == 1 {
            "thread"
        } else {
            "threads"
        };
        let symmetry = if self.symmetry { ", symmetry" } else { "" };
        let end = match self.end {
            super::SearchEnd::Exhausted => "explored every reachable state",
            super::SearchEnd::AllDecided => "stopped once every property was decided",
            super::SearchEnd::StateLimit => "STOPPED AT THE STATE LIMIT: the search is incomplete",
            super::SearchEnd::TimeLimit => "STOPPED AT THE TIME LIMIT: the search is incomplete",
            super::SearchEnd::TargetDecided => "stopped once its target was decided: incomplete",
        };
        writeln!(
            f,
            "  search: {}, {} {threads}{symmetry}: {end}",
            self.strategy.name(),
            self.threads
        )?;
        writeln!(
            f,
            "  states: {} generated, {} unique, max depth {}, {:.2} s ({:.0} unique states/s)",
            thousands(self.states_generated),
            thousands(self.unique_states),
            self.max_depth,
            self.elapsed.as_secs_f64(),
            self.unique_states_per_sec(),
        )?;
        writeln!(f, "properties:")?;
        for p in &self.properties {
            writeln!(
                f,
                "  {:<14} {:<10} {}",
                p.status.label(),
                p.kind.to_string(),
                p.name
            )?;
        }
        let status = self.status();
        writeln!(f, "verdict: {status:?} (exit {})", status.exit_code())?;
        for p in &self.properties {
            if p.status == PropertyStatus::Violated {
                if let Some(trace) = &p.trace {
                    writeln!(f)?;
                    writeln!(
                        f,
                        "counterexample for `{}` ({} steps):",
                        p.name,
                        trace.steps.len() - 1
                    )?;
                    write!(f, "{trace}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_struct_fields_through_role_wrappers() {
        let before = "Server(ServerState { promised: None, accepted: None, log: [1, 2] })";
        let after = "Server(ServerState { promised: Some(1.n0), accepted: None, log: [1, 2] })";
        assert_eq!(
            field_changes(before, after),
            [(
                "promised".to_owned(),
                "None".to_owned(),
                "Some(1.n0)".to_owned()
            )]
        );
    }

    #[test]
    fn reports_a_whole_value_when_the_shape_changes() {
        assert_eq!(
            field_changes("Idle", "Holding { token: 1 }"),
            [(
                String::new(),
                "Idle".to_owned(),
                "Holding { token: 1 }".to_owned()
            )]
        );
    }

    #[test]
    fn splits_fields_at_top_level_commas_only() {
        let fields = struct_fields(r#"S { a: (1, 2), b: "x, y", c: [3, 4] }"#).unwrap();
        assert_eq!(
            fields,
            [("a", "(1, 2)"), ("b", "\"x, y\""), ("c", "[3, 4]")]
        );
    }

    #[test]
    fn groups_digits_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
