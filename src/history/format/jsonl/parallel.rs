//! Reading large native files on every core, events still delivered in file order.
//!
//! The input is cut into blocks of whole lines (about 1 MiB each). A producer thread parses a
//! batch of blocks at a time on rayon's pool while the calling thread hands the previous batch's
//! events to the sink, so parsing overlaps with whatever the sink does (pairing, say). At most
//! two batches are alive at once, so memory stays bounded whatever the file size. An input that
//! fits in one block is parsed on the calling thread, without starting anything; so is every
//! input read from inside a rayon worker, where waiting on the pool could deadlock it.

use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc};

use rayon::prelude::*;

use super::LineParser;
use crate::history::format::lines::{content, io_error, utf8};
use crate::history::format::text::saturate;
use crate::history::{Event, HistoryError};

/// Target size of a block.
const BLOCK: usize = 1 << 20;

/// Whole lines of the input.
struct Block {
    bytes: Vec<u8>,
    /// 1-based number of its first line.
    first_line: usize,
}

/// A parsed block: its events up to the first bad line, and that line's error.
type Parsed = (Vec<Event>, Option<HistoryError>);

/// Cuts a reader into [`Block`]s, reusing the buffers of blocks already parsed.
struct Blocks<R> {
    reader: R,
    carry: Vec<u8>,
    spare: Vec<Vec<u8>>,
    next_line: usize,
    done: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R) -> Self {
        Blocks {
            reader,
            carry: Vec::new(),
            spare: Vec::new(),
            next_line: 1,
            done: false,
        }
    }

    /// The next block, or `None` at the end of the input.
    fn next(&mut self) -> std::io::Result<Option<Block>> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&self.carry);
        self.carry.clear();
        bytes.reserve(BLOCK);
        let mut scanned = 0;
        loop {
            while !self.done && bytes.len() < BLOCK.max(scanned + 1) {
                let want = BLOCK.saturating_sub(bytes.len()).max(1 << 16);
                let n = (&mut self.reader)
                    .take(want as u64)
                    .read_to_end(&mut bytes)?;
                self.done = n == 0;
            }
            if self.done {
                break;
            }
            // Keep the partial last line for the next block; a line longer than a block grows it.
            if let Some(last) = memchr::memrchr(b'\n', &bytes[scanned..]) {
                self.carry.extend_from_slice(&bytes[scanned + last + 1..]);
                bytes.truncate(scanned + last + 1);
                break;
            }
            scanned = bytes.len();
        }
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count();
        Ok(Some(Block { bytes, first_line }))
    }

    /// Takes back a parsed block's buffer for a later block.
    fn recycle(&mut self, block: Block) {
        self.spare.push(block.bytes);
    }
}

/// Parses `block`'s lines until the first error, into `events` (an empty vector to reuse).
fn parse_block(block: &Block, mut events: Vec<Event>, file: Option<&Arc<Path>>) -> Parsed {
    let mut parser = LineParser::new(file);
    events.reserve(block.bytes.len() / 64);
    let mut number = block.first_line;
    for raw in block.bytes.split_inclusive(|&b| b == b'\n') {
        let Some((start, end)) = content(raw, number == 1) else {
            number += 1;
            continue;
        };
        let line = saturate(number);
        let parsed = utf8(file, line, &raw[start..end]).and_then(|text| parser.parse(line, text));
        match parsed {
            Ok(event) => events.push(event),
            Err(err) => return (events, Some(err)),
        }
        number += 1;
    }
    (events, None)
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

/// Reads every event of `reader` into `sink`, parsing on all cores; errors name `file`.
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
    if rayon::current_thread_index().is_some() {
        // On a rayon worker (say, files read in parallel), blocking on a producer that needs the
        // pool could deadlock it: parse here, one block at a time.
        let (mut block, mut events) = (Some(first), Vec::new());
        while let Some(b) = block {
            events = deliver(parse_block(&b, events, file), sink)?;
            blocks.recycle(b);
            block = blocks.next().map_err(|e| io_error(file, e))?;
        }
        return Ok(());
    }
    let batch_size = 2 * rayon::current_num_threads();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Parsed>>(1);
        let (back_tx, back_rx) = mpsc::channel::<Vec<Event>>();
        let producer = scope.spawn(move || -> Result<(), HistoryError> {
            let mut batch = vec![first];
            loop {
                while batch.len() < batch_size {
                    match blocks.next().map_err(|e| io_error(file, e))? {
                        Some(block) => batch.push(block),
                        None => break,
                    }
                }
                if batch.is_empty() {
                    return Ok(());
                }
                let vectors: Vec<Vec<Event>> = batch
                    .iter()
                    .map(|_| back_rx.try_recv().unwrap_or_default())
                    .collect();
                let parsed: Vec<Parsed> = batch
                    .par_iter()
                    .zip(vectors)
                    .map(|(b, events)| parse_block(b, events, file))
                    .collect();
                let failed = parsed.iter().any(|(_, err)| err.is_some());
                if tx.send(parsed).is_err() || failed {
                    return Ok(());
                }
                for block in batch.drain(..) {
                    blocks.recycle(block);
                }
            }
        });
        for batch in rx {
            for parsed in batch {
                // The producer may be gone (it stops after an error): then drop the vector.
                let _ = back_tx.send(deliver(parsed, sink)?);
            }
        }
        producer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
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
