//! `messages.jsonl`: one line per network event, in the order the router saw them.
//!
//! ```text
//! {"time":1200,"id":7,"type":"send","from":"n0","message":{"src":"n0","dest":"n1","body":{...}}}
//! {"time":1250,"id":7,"type":"deliver"}
//! {"time":1300,"id":8,"type":"duplicate","of":7}
//! {"time":1400,"id":9,"type":"drop","reason":"partition"}
//! ```
//!
//! `time` is nanoseconds on the run's clock (the history's clock); `from` is the endpoint that
//! really sent the message (its `src` may claim otherwise); `message` is the line exactly as it
//! was written.

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Why a message was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// `--loss` or a loss fault.
    Lost,
    /// The receiver is partitioned from the sender.
    Partition,
    /// The receiving node is down.
    NodeDown,
    /// No such client (any more).
    NoClient,
    /// The destination names no node, client or service.
    UnknownDest,
}

impl DropReason {
    fn name(self) -> &'static str {
        match self {
            DropReason::Lost => "lost",
            DropReason::Partition => "partition",
            DropReason::NodeDown => "node-down",
            DropReason::NoClient => "no-client",
            DropReason::UnknownDest => "unknown-dest",
        }
    }
}

/// The writer of `messages.jsonl`.
pub(crate) struct Journal {
    out: Option<BufWriter<File>>,
    line: Vec<u8>,
}

impl Journal {
    /// A journal writing to `file`, or a journal that discards everything.
    pub(crate) fn new(file: Option<File>) -> Journal {
        Journal {
            out: file.map(|f| BufWriter::with_capacity(1 << 18, f)),
            line: Vec::with_capacity(512),
        }
    }

    fn start(&mut self, time: i64, id: u64, kind: &str) {
        self.line.clear();
        self.line.extend_from_slice(b"{\"time\":");
        self.line
            .extend_from_slice(itoa::Buffer::new().format(time).as_bytes());
        self.line.extend_from_slice(b",\"id\":");
        self.line
            .extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
        self.line.extend_from_slice(b",\"type\":\"");
        self.line.extend_from_slice(kind.as_bytes());
        self.line.push(b'"');
    }

    fn finish(&mut self) {
        self.line.extend_from_slice(b"}\n");
        if let Some(out) = &mut self.out {
            // A full disk loses journal lines, never the run.
            let _ = out.write_all(&self.line);
        }
    }

    /// A message was sent.
    pub(crate) fn send(&mut self, time: i64, id: u64, from: &str, message: &[u8]) {
        if self.out.is_none() {
            return;
        }
        self.start(time, id, "send");
        self.line.extend_from_slice(b",\"from\":\"");
        self.line.extend_from_slice(from.as_bytes());
        self.line.extend_from_slice(b"\",\"message\":");
        self.line.extend_from_slice(message);
        self.finish();
    }

    /// A message was delivered.
    pub(crate) fn deliver(&mut self, time: i64, id: u64) {
        if self.out.is_some() {
            self.start(time, id, "deliver");
            self.finish();
        }
    }

    /// Message `id` is a duplicate of `of`.
    pub(crate) fn duplicate(&mut self, time: i64, id: u64, of: u64) {
        if self.out.is_some() {
            self.start(time, id, "duplicate");
            self.line.extend_from_slice(b",\"of\":");
            self.line
                .extend_from_slice(itoa::Buffer::new().format(of).as_bytes());
            self.finish();
        }
    }

    /// A message was dropped.
    pub(crate) fn drop(&mut self, time: i64, id: u64, reason: DropReason) {
        if self.out.is_some() {
            self.start(time, id, "drop");
            self.line.extend_from_slice(b",\"reason\":\"");
            self.line.extend_from_slice(reason.name().as_bytes());
            self.line.push(b'"');
            self.finish();
        }
    }

    /// Writes out what is buffered.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}
