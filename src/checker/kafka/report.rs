//! What the kafka checker answers: the error types (Jepsen's names), the cases found for each,
//! and which types fail a test (Maelstrom's allowed set).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::extract::{KafkaOp, Kind};
use crate::checker::Verdict;
use crate::history::{Outcome, Value};

/// An error type, named as Jepsen's `jepsen.tests.kafka` checker names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KafkaError {
    /// One message at more than one offset of a key.
    Duplicate,
    /// One offset of a key holding more than one message.
    InconsistentOffsets,
    /// A poll that skipped, inside itself, messages the log has between two it returned.
    IntPollSkip,
    /// A poll whose messages for a key go backwards (or repeat) in the log, inside itself.
    IntNonmonotonicPoll,
    /// A transaction whose sends to a key skip indices of the log (allowed: writes interleave).
    IntSendSkip,
    /// A transaction whose sends to a key go backwards in the log.
    IntNonmonotonicSend,
    /// A transaction that polled a message it sent itself.
    PrecommittedRead,
    /// An ok poll of a message whose send failed (an aborted read).
    G1a,
    /// A message below the highest polled index of its key that no ok poll ever returned.
    LostWrite,
    /// A process whose poll started at or before where its previous poll of the key ended.
    NonmonotonicPoll,
    /// A process whose send went to an index at or before its previous send's.
    NonmonotonicSend,
    /// A process whose poll skipped messages after its previous poll of the key.
    PollSkip,
    /// An acknowledged message that no ok poll ever returned.
    Unseen,
    /// A cycle of write-read dependencies (each poll saw the previous send).
    G1c,
    /// A cycle of write-read and real-time edges: a poll saw a message sent by an operation
    /// invoked after the poll had returned, or a chain of such steps.
    G1cRealtime,
}

impl KafkaError {
    /// Every error type, in report order.
    pub const ALL: [KafkaError; 15] = [
        KafkaError::Duplicate,
        KafkaError::InconsistentOffsets,
        KafkaError::IntPollSkip,
        KafkaError::IntNonmonotonicPoll,
        KafkaError::IntSendSkip,
        KafkaError::IntNonmonotonicSend,
        KafkaError::PrecommittedRead,
        KafkaError::G1a,
        KafkaError::LostWrite,
        KafkaError::NonmonotonicPoll,
        KafkaError::NonmonotonicSend,
        KafkaError::PollSkip,
        KafkaError::Unseen,
        KafkaError::G1c,
        KafkaError::G1cRealtime,
    ];

    /// Jepsen's name.
    pub fn name(self) -> &'static str {
        match self {
            KafkaError::Duplicate => "duplicate",
            KafkaError::InconsistentOffsets => "inconsistent-offsets",
            KafkaError::IntPollSkip => "int-poll-skip",
            KafkaError::IntNonmonotonicPoll => "int-nonmonotonic-poll",
            KafkaError::IntSendSkip => "int-send-skip",
            KafkaError::IntNonmonotonicSend => "int-nonmonotonic-send",
            KafkaError::PrecommittedRead => "precommitted-read",
            KafkaError::G1a => "G1a",
            KafkaError::LostWrite => "lost-write",
            KafkaError::NonmonotonicPoll => "nonmonotonic-poll",
            KafkaError::NonmonotonicSend => "nonmonotonic-send",
            KafkaError::PollSkip => "poll-skip",
            KafkaError::Unseen => "unseen",
            KafkaError::G1c => "G1c",
            KafkaError::G1cRealtime => "G1c-realtime",
        }
    }

    /// Whether Maelstrom lets a test with this error pass. Maelstrom assigns (never
    /// subscribes) and infers no ww edges, so only `int-send-skip` (and G0, which needs ww edges
    /// and so never arises here) is allowed: Jepsen's `allowed-error-types`.
    pub fn allowed(self) -> bool {
        self == KafkaError::IntSendSkip
    }
}

impl Serialize for KafkaError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// An operation a case points at.
#[derive(Clone, Debug, Serialize)]
pub struct OpRef {
    /// Its position in the operation list.
    pub id: usize,
    /// The client process.
    pub process: u64,
    /// Its function.
    pub f: Kind,
    /// How it ended.
    pub outcome: Outcome,
    /// The value the analysis used.
    pub value: Value,
    /// Where it is in the file.
    pub lines: String,
}

impl OpRef {
    fn of(op: &KafkaOp) -> OpRef {
        OpRef {
            id: op.id,
            process: op.process,
            f: op.kind,
            outcome: op.outcome,
            value: op.value.clone(),
            lines: op.lines.clone(),
        }
    }
}

/// One instance of an error.
#[derive(Clone, Debug, Serialize)]
pub struct KafkaCase {
    /// The key (`null` for `unseen`, which covers every key).
    pub key: Value,
    /// One sentence.
    pub text: String,
    /// Jepsen's fields (`delta`, `skipped`, `values`, `offsets`, ...).
    pub detail: Json,
    /// The operations that show it.
    pub ops: Vec<OpRef>,
}

impl KafkaCase {
    /// A case about `key`, shown by `ops`.
    pub fn new(key: Value, text: String, detail: Json, ops: Vec<&KafkaOp>) -> KafkaCase {
        KafkaCase {
            key,
            text,
            detail,
            ops: ops.into_iter().map(OpRef::of).collect(),
        }
    }
}

/// At most this many cases per type are kept in the report (the count is exact).
pub const MAX_CASES: usize = 32;

/// The cases of one error type.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorCases {
    /// How many were found.
    pub count: usize,
    /// The first [`MAX_CASES`] of them.
    pub cases: Vec<KafkaCase>,
}

/// Counts of what the history holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KafkaStats {
    /// Operations.
    pub ops: usize,
    /// Messages sent by ok sends.
    pub sent: usize,
    /// Messages returned by ok polls (with repeats).
    pub polled: usize,
    /// Keys seen.
    pub keys: usize,
}

/// The kafka checker's answer.
#[derive(Clone, Debug, Serialize)]
pub struct KafkaReport {
    /// Valid when no error outside the allowed set was found.
    pub verdict: Verdict,
    /// Every error type found.
    pub error_types: Vec<KafkaError>,
    /// The ones that fail the test.
    pub bad_error_types: Vec<KafkaError>,
    /// The cases, by type.
    pub errors: BTreeMap<KafkaError, ErrorCases>,
    /// What the history holds.
    pub stats: KafkaStats,
}

impl KafkaReport {
    /// The report for `found` (cases by type; empty types are dropped).
    pub fn new(found: Vec<(KafkaError, Vec<KafkaCase>)>, stats: KafkaStats) -> KafkaReport {
        let mut errors = BTreeMap::new();
        for (kind, mut cases) in found {
            if cases.is_empty() {
                continue;
            }
            let count = cases.len();
            cases.truncate(MAX_CASES);
            errors.insert(kind, ErrorCases { count, cases });
        }
        let error_types: Vec<KafkaError> = errors.keys().copied().collect();
        let bad_error_types: Vec<KafkaError> = error_types
            .iter()
            .copied()
            .filter(|e| !e.allowed())
            .collect();
        KafkaReport {
            verdict: if bad_error_types.is_empty() {
                Verdict::Valid
            } else {
                Verdict::Invalid
            },
            error_types,
            bad_error_types,
            errors,
            stats,
        }
    }

    /// One line for the terminal.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        if self.bad_error_types.is_empty() {
            let allowed = match self.error_types.is_empty() {
                true => String::new(),
                false => format!(" (allowed: {})", names(&self.error_types)),
            };
            format!(
                "{} operations, {} messages sent over {} keys, no error{allowed}",
                s.ops, s.sent, s.keys
            )
        } else {
            let counts: Vec<String> = self
                .bad_error_types
                .iter()
                .map(|e| format!("{} ({})", e.name(), self.errors[e].count))
                .collect();
            format!("errors {}", counts.join(", "))
        }
    }
}

fn names(errors: &[KafkaError]) -> String {
    errors
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}
