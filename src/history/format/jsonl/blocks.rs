//! Cutting the input into blocks of whole lines, and parsing one block.
//!
//! Blocks are about [`BLOCK`] bytes and end at a line end (a line longer than a block makes its
//! block longer). Each knows the number of its first line, so events keep their true line numbers
//! whichever thread parses them. Buffers of parsed blocks are reused for later blocks.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::LineParser;
use crate::history::format::lines::{content, utf8};
use crate::history::format::text::saturate;
use crate::history::{Event, HistoryError};

/// Target size of a block.
pub(super) const BLOCK: usize = 1 << 20;

/// Whole lines of the input.
pub(super) struct Block {
    bytes: Vec<u8>,
    /// 1-based number of its first line.
    first_line: usize,
}

/// A parsed block: its events up to the first bad line, and that line's error.
pub(super) type Parsed = (Vec<Event>, Option<HistoryError>);

/// Cuts a reader into [`Block`]s, reusing the buffers of blocks already parsed.
pub(super) struct Blocks<R> {
    reader: R,
    pub(super) carry: Vec<u8>,
    spare: Vec<Vec<u8>>,
    next_line: usize,
    pub(super) done: bool,
}

impl<R: Read> Blocks<R> {
    pub(super) fn new(reader: R) -> Self {
        Blocks {
            reader,
            carry: Vec::new(),
            spare: Vec::new(),
            next_line: 1,
            done: false,
        }
    }

    /// The next block, or `None` at the end of the input.
    pub(super) fn next(&mut self) -> std::io::Result<Option<Block>> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&self.carry);
        self.carry.clear();
        // Small at first (tiny inputs stay cheap); reused buffers already hold a block.
        bytes.reserve(1 << 16);
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
        if bytes.is_empty() {
            self.spare.push(bytes);
            return Ok(None);
        }
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count();
        Ok(Some(Block { bytes, first_line }))
    }

    /// Takes back a parsed block's buffer for a later block.
    pub(super) fn recycle(&mut self, block: Block) {
        self.spare.push(block.bytes);
    }
}

/// Parses `block`'s lines until the first error, into `events` (an empty vector to reuse).
pub(super) fn parse_block(
    block: &Block,
    mut events: Vec<Event>,
    file: Option<&Arc<Path>>,
) -> Parsed {
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
    use super::*;

    #[test]
    fn blocks_end_at_line_ends_and_know_their_first_line() {
        let text = "a\n".repeat(BLOCK);
        let mut blocks = Blocks::new(text.as_bytes());
        let first = blocks.next().unwrap().unwrap();
        assert!(first.bytes.ends_with(b"\n") && first.bytes.len() <= BLOCK + 2);
        let second = blocks.next().unwrap().unwrap();
        assert_eq!(second.first_line, 1 + first.bytes.len() / 2);
        assert!(blocks.next().unwrap().is_none());
    }

    #[test]
    fn a_line_longer_than_a_block_stays_whole() {
        let text = format!("{}\nb", "x".repeat(2 * BLOCK + 5));
        let mut blocks = Blocks::new(text.as_bytes());
        assert_eq!(blocks.next().unwrap().unwrap().bytes.len(), 2 * BLOCK + 6);
        let last = blocks.next().unwrap().unwrap();
        assert_eq!((last.bytes.as_slice(), last.first_line), (&b"b"[..], 2));
    }
}
