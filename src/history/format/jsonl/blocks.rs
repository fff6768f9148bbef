//! JSON lines on all cores: parsing one block of whole lines, and the read that runs those
//! parses on the shared block pipeline (`format/blocks.rs`, `format/parallel.rs`).
//!
//! Any line end is a place to cut. Each block knows the number of its first line, so events keep
//! their true line numbers whichever thread parses them. A block's parse stops at its first bad
//! line; the consumer hands on the events before it, then that line's error, so the first error
//! in file order wins.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::LineParser;
use crate::history::format::blocks::{after_last_line, Block, BLOCK};
use crate::history::format::lines::{content, utf8};
use crate::history::format::parallel::{self, Step};
use crate::history::format::text::saturate;
use crate::history::{Event, HistoryError};

/// A parsed block: its events up to the first bad line, and that line's error.
type Parsed = (Vec<Event>, Option<HistoryError>);

/// Reads every event of `reader` into `sink`, parsing blocks on several cores; errors name `file`.
pub(super) fn read(
    reader: impl Read + Send,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    let parse = |block: &Block, events| parse_block(block, events, file);
    let rest = parallel::run(
        reader,
        after_last_line,
        BLOCK,
        file,
        &parse,
        &mut |_, (mut events, err): Parsed| {
            for event in events.drain(..) {
                sink(event)?;
            }
            err.map_or(Ok(Step::Next(events)), Err)
        },
    )?;
    debug_assert!(rest.is_none(), "JSON lines never asks for the rest");
    Ok(())
}

/// Parses `block`'s lines until the first error, into `events` (an empty vector to reuse).
fn parse_block(block: &Block, mut events: Vec<Event>, file: Option<&Arc<Path>>) -> Parsed {
    let mut parser = LineParser::new(file);
    events.reserve(block.bytes.len() / 64);
    let mut number = block.first_line;
    // memchr finds the line ends many bytes at a time (a byte predicate looks at each byte).
    let bytes = &block.bytes[..];
    let mut line_start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).map(|at| at + 1);
    for line_end in ends.chain((!bytes.is_empty()).then_some(bytes.len())) {
        if line_end == line_start {
            break; // the input ended with a line end
        }
        let raw = &bytes[line_start..line_end];
        line_start = line_end;
        let Some((start, end)) = content(raw, number == 1) else {
            number += 1;
            continue;
        };
        let line = saturate(number);
        let parsed = utf8(file, line, &raw[start..end])
            .and_then(|text| parser.parse(line, text, &mut events));
        if let Err(err) = parsed {
            return (events, Some(err));
        }
        number += 1;
    }
    (events, None)
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

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
