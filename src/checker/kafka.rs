//! The kafka checker: Jepsen's `jepsen.tests.kafka` analysis, as Maelstrom's `kafka` workload
//! runs it, over histories of `send` / `poll` / `assign` / `crash` operations.
//!
//! Map of this module, in reading order:
//! - `extract.rs`: [`KafkaOp`], an operation's sends and polls per key;
//! - `facts.rs`: shared indices (ok reads, failed writes, writer and readers of each message);
//! - `version_order.rs`: each key's log from sends and polls, and `inconsistent-offsets`;
//! - one error family a file: `duplicate.rs`, `internal.rs` (`int-poll-skip`,
//!   `int-nonmonotonic-poll`, `int-send-skip`, `int-nonmonotonic-send`), `process_order.rs`
//!   (`poll-skip`, `nonmonotonic-poll`, `nonmonotonic-send`), `precommitted.rs`,
//!   `aborted_read.rs` (`G1a`), `lost_write.rs`, `unseen.rs`, `cycles.rs` (`G1c`,
//!   `G1c-realtime`: the write-read cycles Elle finds with no ww edges);
//! - [`KafkaReport`] (`report.rs`): error types, cases with their operations, the verdict.
//!
//! The verdict is Maelstrom's: invalid when any error outside the allowed set
//! (`int-send-skip`) is found, valid otherwise. Every error is a fact about the history, so
//! there is no `unknown`; a history that is not a kafka history is an error naming its line.

mod aborted_read;
mod cycles;
mod duplicate;
mod extract;
mod facts;
mod internal;
mod lost_write;
mod precommitted;
mod process_order;
mod report;
mod unseen;
mod version_order;

use std::path::Path;
use std::sync::Arc;

pub use extract::{is_kafka_function, KafkaOp, Kind};
pub use report::{ErrorCases, KafkaCase, KafkaError, KafkaReport, KafkaStats, OpRef, MAX_CASES};

use crate::checker::CheckError;
use crate::history::format::{self, Format};
use crate::history::{Event, History, HistoryError, Op, Outcome, Process};
use facts::Facts;

/// Checks a kafka history.
pub fn check(history: &History) -> Result<KafkaReport, CheckError> {
    check_ops(&history.ops(None)?, None)
}

/// Checks paired operations; errors name `file` when given.
pub fn check_ops(ops: &[Op], file: Option<&Arc<Path>>) -> Result<KafkaReport, CheckError> {
    let ops = extract::extract(ops, file)?;
    Ok(analyse(&ops))
}

/// Every analysis over extracted operations.
pub fn analyse(ops: &[KafkaOp]) -> KafkaReport {
    let facts = Facts::of(ops);
    let (orders, inconsistent) = version_order::version_orders(ops, &facts);
    let (int_poll_skip, int_nm_poll) = internal::poll_cases(ops, &orders);
    let (int_send_skip, int_nm_send) = internal::send_cases(ops, &orders);
    let (poll_skip, nm_poll) = process_order::poll_cases(ops, &orders);
    let (g1c, g1c_realtime) = cycles::cases(ops, &facts);
    let found = vec![
        (KafkaError::Duplicate, duplicate::cases(ops, &orders)),
        (KafkaError::InconsistentOffsets, inconsistent),
        (KafkaError::IntPollSkip, int_poll_skip),
        (KafkaError::IntNonmonotonicPoll, int_nm_poll),
        (KafkaError::IntSendSkip, int_send_skip),
        (KafkaError::IntNonmonotonicSend, int_nm_send),
        (KafkaError::PrecommittedRead, precommitted::cases(ops)),
        (KafkaError::G1a, aborted_read::cases(ops, &facts)),
        (
            KafkaError::LostWrite,
            lost_write::cases(ops, &orders, &facts),
        ),
        (KafkaError::NonmonotonicPoll, nm_poll),
        (
            KafkaError::NonmonotonicSend,
            process_order::send_cases(ops, &orders),
        ),
        (KafkaError::PollSkip, poll_skip),
        (KafkaError::Unseen, unseen::cases(ops)),
        (KafkaError::G1c, g1c),
        (KafkaError::G1cRealtime, g1c_realtime),
    ];
    KafkaReport::new(found, stats(ops, &orders))
}

fn stats(ops: &[KafkaOp], orders: &version_order::VersionOrders) -> KafkaStats {
    let ok = || ops.iter().filter(|op| op.outcome == Outcome::Ok);
    KafkaStats {
        ops: ops.len(),
        sent: ok()
            .map(|op| op.writes.values().map(Vec::len).sum::<usize>())
            .sum(),
        polled: ok()
            .map(|op| op.reads.values().map(Vec::len).sum::<usize>())
            .sum(),
        keys: orders.len(),
    }
}

/// Whether an event is a kafka client operation.
pub fn looks_kafka(event: &Event) -> bool {
    matches!(event.process, Process::Client(_)) && is_kafka_function(&event.f)
}

/// Whether the file at `path` holds a kafka history (judged by its first client event).
pub fn file_is_kafka(path: &Path, format: Option<Format>) -> Result<bool, HistoryError> {
    let mut verdict = None;
    let stop = |at| HistoryError::malformed(crate::history::Location::new(None, at, 0), "stop");
    let read = format::for_each_event(path, format, &mut |e| {
        if matches!(e.process, Process::Client(_)) {
            verdict = Some(looks_kafka(&e));
            return Err(stop(e.line));
        }
        Ok(())
    });
    match (read, verdict) {
        (_, Some(v)) => Ok(v),
        (Ok(_), None) => Ok(false),
        (Err(e), None) => Err(e),
    }
}

/// Reads and checks the kafka history in `path`.
pub fn check_file(
    path: &Path,
    format: Option<Format>,
) -> Result<(Format, KafkaReport), CheckError> {
    let (format, ops) = format::read_ops(path, format)?;
    let file: Arc<Path> = path.into();
    Ok((format, check_ops(&ops, Some(&file))?))
}

#[cfg(test)]
mod tests;
