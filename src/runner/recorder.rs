//! [`Recorder`]: appends events to the history as they happen, with an index and a time from the
//! run's clock, writing each one to `history.jsonl` as it goes (flushed at least every 200 ms, so
//! even a harness killed with SIGKILL leaves its history behind) and keeping them for the
//! checker.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::clock::Clock;
use crate::history::{format, Event, History};

/// Longest time an event may sit in the write buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

struct Inner {
    events: Vec<Event>,
    out: Option<BufWriter<File>>,
    flushed: Instant,
}

/// The history being recorded.
pub(crate) struct Recorder {
    clock: Clock,
    inner: Mutex<Inner>,
}

impl Recorder {
    /// A recorder writing to `file` (or only keeping events in memory).
    pub(crate) fn new(clock: Clock, file: Option<File>) -> Recorder {
        Recorder {
            clock,
            inner: Mutex::new(Inner {
                events: Vec::new(),
                out: file.map(|f| BufWriter::with_capacity(1 << 16, f)),
                flushed: Instant::now(),
            }),
        }
    }

    /// Records `event` now: its index and time are set here, under the lock, so the order of
    /// indices is the real-time order.
    pub(crate) fn record(&self, mut event: Event) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        event.index = Some(inner.events.len() as u64);
        event.time = Some(self.clock.now());
        if let Some(out) = &mut inner.out {
            let _ = format::write_jsonl_event(&event, out);
        }
        inner.events.push(event);
        if inner.flushed.elapsed() >= FLUSH_EVERY {
            if let Some(out) = &mut inner.out {
                let _ = out.flush();
            }
            inner.flushed = Instant::now();
        }
    }

    /// Writes out what is buffered.
    pub(crate) fn flush(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(out) = &mut inner.out {
            let _ = out.flush();
        }
    }

    /// The history so far.
    pub(crate) fn history(&self) -> History {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        History::new(inner.events.clone())
    }
}
