//! Reading large native files on several cores, events still delivered in file order.
//!
//! Parser threads (one per core, at most [`MAX_THREADS`]) take blocks of whole lines from the
//! input in turn (`blocks.rs`), parse them, and send the events to the calling thread, which
//! hands them to the sink in block order while the next blocks are parsed. At most [`WINDOW`]
//! blocks per thread are taken and not yet delivered, so memory stays bounded whatever the file
//! size, and no thread ever waits on another block's parse except the consumer waiting for the
//! next block in order (so a thread descheduled on a busy machine delays only its own block).
//! An input that fits in one block is parsed on the calling thread, without starting anything.
//!
//! Plain scoped threads, not rayon: the caller may itself be a rayon worker (files read in
//! parallel), and blocking a worker on jobs queued behind it could deadlock the pool.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::blocks::{parse_block, Blocks, Parsed};
use crate::history::format::lines::io_error;
use crate::history::{Event, HistoryError};

/// Most parser threads one read starts.
const MAX_THREADS: usize = 8;

/// Blocks in flight (taken, not yet delivered) per parser thread.
const WINDOW: usize = 2;

/// What the parser threads and the consumer share.
struct State<R> {
    blocks: Blocks<R>,
    /// Sequence number of the next block taken.
    next: usize,
    /// Blocks taken and not yet delivered.
    in_flight: usize,
    /// Set after an error or when the consumer stopped: take no more blocks.
    stop: bool,
    /// Emptied event vectors, for reuse.
    spare: Vec<Vec<Event>>,
}

struct Shared<R> {
    state: Mutex<State<R>>,
    room: Condvar,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands a parsed block to `sink`, then its error if it has one; returns the emptied vector.
fn deliver(
    (mut events, err): Parsed,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<Vec<Event>, HistoryError> {
    for event in events.drain(..) {
        sink(event)?;
    }
    err.map_or(Ok(events), Err)
}

/// Reads every event of `reader` into `sink`, parsing on several cores; errors name `file`.
pub(super) fn read(
    reader: impl Read + Send,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let mut blocks = Blocks::new(reader);
    let Some(first) = blocks.next().map_err(|e| io_error(file, e))? else {
        return Ok(());
    };
    if blocks.done && blocks.carry.is_empty() {
        return deliver(parse_block(&first, Vec::new(), file), sink).map(drop);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
    // The first block is parsed here while the threads start on the next ones.
    let shared = Shared {
        state: Mutex::new(State {
            blocks,
            next: 1,
            in_flight: 1,
            stop: false,
            spare: Vec::new(),
        }),
        room: Condvar::new(),
    };
    let window = WINDOW * threads + 1;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Parsed)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let shared = &shared;
            scope.spawn(move || parse_blocks(shared, window, file, &tx));
        }
        drop(tx);
        let mut pending = BTreeMap::from([(0, parse_block(&first, Vec::new(), file))]);
        let mut next = 0;
        loop {
            while let Some(parsed) = pending.remove(&next) {
                next += 1;
                let delivered = deliver(parsed, sink);
                let mut state = shared.lock();
                state.in_flight -= 1;
                let outcome = match delivered {
                    Ok(events) => {
                        state.spare.push(events);
                        Ok(())
                    }
                    Err(err) => {
                        state.stop = true;
                        Err(err)
                    }
                };
                shared.room.notify_all();
                drop(state);
                outcome?;
            }
            match rx.recv() {
                Ok((seq, parsed)) => {
                    pending.insert(seq, parsed);
                }
                // Every parser thread is done, and every block was delivered.
                Err(_) => return Ok(()),
            }
        }
    })
}

/// A parser thread: takes the next block while the window has room, parses it, sends it.
fn parse_blocks<R: Read>(
    shared: &Shared<R>,
    window: usize,
    file: Option<&Arc<Path>>,
    tx: &mpsc::Sender<(usize, Parsed)>,
) {
    loop {
        let (seq, block, events) = {
            let mut state = shared.lock();
            while state.in_flight >= window && !state.stop {
                state = shared
                    .room
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.stop {
                return;
            }
            let seq = state.next;
            let block = match state.blocks.next() {
                Ok(None) => return,
                Ok(Some(block)) => Ok(block),
                Err(e) => Err(io_error(file, e)),
            };
            state.next += 1;
            state.in_flight += 1;
            let block = match block {
                Ok(block) => block,
                Err(err) => {
                    // Delivered in order like a block whose first line is bad.
                    state.stop = true;
                    shared.room.notify_all();
                    let _ = tx.send((seq, (Vec::new(), Some(err))));
                    return;
                }
            };
            (seq, block, state.spare.pop().unwrap_or_default())
        };
        let parsed = parse_block(&block, events, file);
        let failed = parsed.1.is_some();
        {
            let mut state = shared.lock();
            state.blocks.recycle(block);
            if failed {
                state.stop = true;
                shared.room.notify_all();
            }
        }
        if tx.send((seq, parsed)).is_err() || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::super::blocks::BLOCK;
    use super::*;

    fn lines(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "{{\"index\":{i},\"process\":{},\"type\":\"invoke\",\"f\":\"read\"}}\r\n\n",
                    i % 7
                )
            })
            .collect()
    }

    fn collect(text: &[u8]) -> Result<Vec<Event>, HistoryError> {
        let mut events = Vec::new();
        read(text, None, &mut |e| {
            events.push(e);
            Ok(())
        })?;
        Ok(events)
    }

    #[test]
    fn many_blocks_arrive_in_order_with_true_line_numbers() {
        let text = lines(60_000);
        assert!(text.len() > 3 * BLOCK);
        let events = collect(text.as_bytes()).unwrap();
        assert_eq!(events.len(), 60_000);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.index, Some(i as u64));
            assert_eq!(e.line as usize, 2 * i + 1);
        }
    }

    #[test]
    fn the_first_error_in_file_order_wins_after_the_events_before_it() {
        let mut text = lines(40_000);
        text.push_str("{\"process\":0}\n");
        text.push_str(&lines(40_000));
        text.push_str("garbage\n");
        let mut delivered = 0;
        let err = read(text.as_bytes(), None, &mut |_| {
            delivered += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(delivered, 40_000);
        assert_eq!(err.location().unwrap().line, 80_001);
    }

    #[test]
    fn a_line_longer_than_a_block_is_read_whole() {
        let long = "x".repeat(3 * BLOCK);
        let text = format!(
            "{}{{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":\"{long}\"}}\n",
            lines(10)
        );
        let events = collect(text.as_bytes()).unwrap();
        assert_eq!(events[10].value.as_text().map(str::len), Some(3 * BLOCK));
    }

    #[test]
    fn reading_from_every_rayon_worker_at_once_does_not_deadlock() {
        let text = lines(40_000);
        let workers = rayon::current_num_threads();
        let counts: Vec<usize> = (0..2 * workers)
            .into_par_iter()
            .map(|_| collect(text.as_bytes()).unwrap().len())
            .collect();
        assert!(counts.iter().all(|&n| n == 40_000));
    }

    #[test]
    fn a_read_failure_is_an_io_error() {
        struct Failing(Vec<u8>, usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.1 >= self.0.len() {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0.len() - self.1).min(4096);
                buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let err = read(
            Failing(lines(50_000).into_bytes(), 0),
            None,
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert!(matches!(err, HistoryError::Io { .. }), "{err}");
        assert!(err.to_string().contains("disk on fire"), "{err}");
    }

    #[test]
    fn a_sink_error_stops_the_read() {
        let text = lines(100_000);
        let mut seen = 0;
        let err = read(text.as_bytes(), None, &mut |_| {
            seen += 1;
            if seen == 5 {
                return Err(HistoryError::malformed(
                    crate::history::Location::new(None, 1, 0),
                    "stop",
                ));
            }
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("stop"));
        assert_eq!(seen, 5);
    }
}
