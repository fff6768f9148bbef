//! [`Op`]: an invocation paired with its completion.

use std::fmt;
use std::sync::Arc;

use super::Value;

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Completed and took effect; `output` is its result.
    Ok,
    /// Definitely did not take effect (a spec may still read a result into it, see
    /// `checker::spec`).
    Fail,
    /// May or may not have taken effect, at any time after its invocation: an `info`
    /// completion, or an invocation the history never completes.
    Info,
}

/// Return position of an operation that never (definitely) returned.
pub const NEVER: u64 = u64::MAX;

/// An operation: an invocation and its completion.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Op {
    /// The client process.
    pub process: u64,
    /// The function.
    pub f: Arc<str>,
    /// The object, for multi-key histories.
    pub key: Option<Value>,
    /// The invocation's value (the argument).
    pub input: Value,
    /// The completion's value (the result); `nil` when there was no `ok` completion.
    pub output: Value,
    /// How it ended.
    pub outcome: Outcome,
    /// Position of the invocation in the history (0-based, counting every event).
    pub call: u64,
    /// Position of the completion, or [`NEVER`] for `info` operations: those are concurrent with
    /// everything after their invocation.
    #[serde(serialize_with = "serialize_return")]
    pub ret: u64,
    /// Where the invocation and the completion came from.
    pub source: OpSource,
}

/// Where an operation's events came from, for messages and reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OpSource {
    /// Source line of the invocation (0 when built in memory).
    pub invoke_line: u32,
    /// Source line of the completion (0 when there was none).
    pub complete_line: u32,
    /// Jepsen `:index` of the invocation, if the source had one.
    pub invoke_index: Option<u64>,
    /// Jepsen `:index` of the completion, if the source had one.
    pub complete_index: Option<u64>,
    /// The completion's `:error`, if any (boxed: rare, and every operation would otherwise
    /// carry its room; operations are read in passes that are bound by memory traffic).
    pub error: Option<Box<Value>>,
}

fn serialize_return<S: serde::Serializer>(ret: &u64, s: S) -> Result<S::Ok, S::Error> {
    if *ret == NEVER {
        s.serialize_none()
    } else {
        s.serialize_some(ret)
    }
}

impl Op {
    /// Whether it definitely completed.
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// Line range for messages: `line 4` or `lines 4–9`.
    pub fn lines(&self) -> String {
        match (self.source.invoke_line, self.source.complete_line) {
            (0, _) => "built in memory".to_string(),
            (a, 0) => format!("line {a}"),
            (a, b) => format!("lines {a}–{b}"),
        }
    }
}

/// Compact, readable rendering: `p2 write x 3 ok`, `p0 cas [1, 2] info`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{} {}", self.process, self.f)?;
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        match self.outcome {
            Outcome::Ok => {
                if self.input.is_nil() && self.output.is_nil() {
                    Ok(())
                } else if self.input.is_nil() {
                    write!(f, " → {}", self.output)
                } else if self.input == self.output || self.output.is_nil() {
                    write!(f, " {}", self.input)
                } else {
                    write!(f, " {} → {}", self.input, self.output)
                }
            }
            Outcome::Fail => write!(f, " {} (fail)", self.input),
            Outcome::Info => write!(f, " {} (info)", self.input),
        }
    }
}
