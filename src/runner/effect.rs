//! [`Effect`]: what a fault action was seen to do — the proof that it took effect, recorded with
//! its nemesis event — and [`process_state`], how backends look at a process on this machine.
//!
//! A kill is proved by the exit the harness saw, a pause by the process seen stopped (`T` in
//! `/proc/PID/stat`), a resume by it seen running again, a partition, a loss or a latency fault
//! by the messages or packets it dropped or delayed while it lasted (known when it ends). The run
//! skeleton folds these into the verdict: a fault the plan asked for that never took effect
//! leaves a `valid` verdict proving nothing, so it becomes `unknown`.

use std::time::{Duration, Instant};

use crate::history::Value;

/// What one fault action was seen to do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effect {
    /// Whether it took effect: `None` while that is known only when the fault ends (a
    /// partition drops messages over time).
    pub took: Option<bool>,
    /// What was observed, as `(name, value)` pairs for the history (`exit`, `state`,
    /// `dropped_packets`, or per node `n1`, `n2`, ...).
    pub evidence: Vec<(String, Value)>,
}

impl Effect {
    /// It took effect; `evidence` shows how.
    pub fn took(evidence: Vec<(&str, Value)>) -> Effect {
        Effect {
            took: Some(true),
            evidence: named(evidence),
        }
    }

    /// It did not take effect; `evidence` says what was seen instead.
    pub fn missed(evidence: Vec<(&str, Value)>) -> Effect {
        Effect {
            took: Some(false),
            evidence: named(evidence),
        }
    }

    /// Whether it took effect is known only when the fault ends.
    pub fn pending(evidence: Vec<(&str, Value)>) -> Effect {
        Effect {
            took: None,
            evidence: named(evidence),
        }
    }

    /// An effect measured by a count (messages or packets dropped or delayed): taken when the
    /// count is positive.
    pub fn counted(name: &str, count: u64) -> Effect {
        let evidence = vec![(name, Value::Int(i64::try_from(count).unwrap_or(i64::MAX)))];
        if count > 0 {
            Effect::took(evidence)
        } else {
            Effect::missed(evidence)
        }
    }

    /// Both effects, as one: taken if either was.
    pub fn and(mut self, other: Effect) -> Effect {
        self.took = match (self.took, other.took) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        self.evidence.extend(other.evidence);
        self
    }

    /// The effects of one action on several nodes: taken if it took on any of them, with each
    /// node's evidence under its name.
    pub fn per_node(effects: Vec<(String, Effect)>) -> Effect {
        let mut all = Effect::pending(Vec::new());
        for (node, effect) in effects {
            all = all.and(Effect {
                took: effect.took,
                evidence: vec![(node, effect.evidence_value())],
            });
        }
        all
    }

    /// The evidence as one history value (a map).
    pub fn evidence_value(&self) -> Value {
        Value::Map(
            self.evidence
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), v.clone()))
                .collect(),
        )
    }

    /// The whole effect as a history value: the evidence, and `took` (`true`, `false`, or
    /// absent while it is known only when the fault ends).
    pub fn value(&self) -> Value {
        let mut fields: Vec<(Value, Value)> = Vec::new();
        if let Some(took) = self.took {
            fields.push((Value::str("took"), Value::Bool(took)));
        }
        fields.extend(
            self.evidence
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), v.clone())),
        );
        Value::Map(fields.into())
    }
}

fn named(evidence: Vec<(&str, Value)>) -> Vec<(String, Value)> {
    evidence
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The scheduler state of process `pid` on this machine (`R`, `S`, `T` for stopped, `Z`, ...),
/// from `/proc/PID/stat`; `None` when it is gone.
pub fn process_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; the state follows the last ')'.
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// Waits up to `within` until process `pid`'s state satisfies `want`; the state last seen.
pub fn await_state(
    pid: i32,
    want: impl Fn(Option<char>) -> bool,
    within: Duration,
) -> Option<char> {
    let deadline = Instant::now() + within;
    loop {
        let state = process_state(pid);
        if want(state) || Instant::now() >= deadline {
            return state;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The effect of a pause on process `pid`: it must be seen stopped.
pub fn paused(pid: i32) -> Effect {
    let state = await_state(
        pid,
        |s| s == Some('T') || s.is_none(),
        Duration::from_millis(200),
    );
    state_effect(state, |s| s == 'T')
}

/// The effect of a resume on process `pid`: it must be seen no longer stopped.
pub fn resumed(pid: i32) -> Effect {
    let state = await_state(pid, |s| s != Some('T'), Duration::from_millis(200));
    state_effect(state, |s| s != 'T')
}

fn state_effect(state: Option<char>, good: impl Fn(char) -> bool) -> Effect {
    let shown = state.map_or("gone".to_string(), |s| s.to_string());
    let evidence = vec![("state", Value::str(shown))];
    match state {
        Some(s) if good(s) => Effect::took(evidence),
        _ => Effect::missed(evidence),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_process_is_seen_stopped_and_then_running_again() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGSTOP);
        let e = paused(pid);
        assert_eq!(e.took, Some(true), "{e:?}");
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGCONT);
        assert_eq!(resumed(pid).took, Some(true));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            paused(pid).took,
            Some(false),
            "a reaped process is gone, not paused"
        );
    }

    #[test]
    fn counted_effects_take_when_something_was_counted() {
        assert_eq!(Effect::counted("dropped", 3).took, Some(true));
        assert_eq!(Effect::counted("dropped", 0).took, Some(false));
        let both = Effect::counted("a", 0).and(Effect::counted("b", 1));
        assert_eq!(both.took, Some(true));
        assert_eq!(both.evidence.len(), 2);
    }
}
