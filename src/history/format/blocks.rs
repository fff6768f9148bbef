//! Cutting an input into blocks at the places its format says a block may end.
//!
//! Blocks are about [`BLOCK`] bytes and end where the format's [`Cut`] allows (a line end for
//! JSON lines; the start of a line that begins an op map for EDN). When no cut is allowed, the
//! block grows until one is (a line longer than a block makes its block longer). Each block
//! knows the number of its first line, so events keep their true line numbers whichever thread
//! parses them. Buffers of parsed blocks are reused for later blocks.

use std::io::Read;

/// Target size of a block.
pub(super) const BLOCK: usize = 1 << 20;

/// Where a format allows a block to end: given bytes, the length of the longest head of them
/// that may be a block (the head must end with a line end), or `None` when no head may.
pub(super) type Cut = fn(&[u8]) -> Option<usize>;

/// A head of the input ending at a line end (or at the end of the input).
pub(super) struct Block {
    pub(super) bytes: Vec<u8>,
    /// 1-based number of its first line.
    pub(super) first_line: usize,
}

/// Cuts a reader into [`Block`]s, reusing the buffers of blocks already parsed.
pub(super) struct Blocks<R> {
    reader: R,
    cut: Cut,
    size: usize,
    carry: Vec<u8>,
    spare: Vec<Vec<u8>>,
    next_line: usize,
    done: bool,
}

impl<R: Read> Blocks<R> {
    /// Blocks of `reader` of about `size` bytes, ending where `cut` allows.
    pub(super) fn new(reader: R, cut: Cut, size: usize) -> Self {
        Blocks {
            reader,
            cut,
            size: size.max(1),
            carry: Vec::new(),
            spare: Vec::new(),
            next_line: 1,
            done: false,
        }
    }

    /// Whether every byte of the input is in a block already handed out.
    pub(super) fn finished(&self) -> bool {
        self.done && self.carry.is_empty()
    }

    /// The next block, or `None` at the end of the input.
    pub(super) fn next(&mut self) -> std::io::Result<Option<Block>> {
        if self.finished() {
            return Ok(None);
        }
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&self.carry);
        self.carry.clear();
        // Small at first (tiny inputs stay cheap); reused buffers already hold a block.
        bytes.reserve(self.size.min(1 << 16));
        let mut scanned = 0;
        loop {
            while !self.done && bytes.len() < self.size.max(scanned + 1) {
                let want = self
                    .size
                    .saturating_sub(bytes.len())
                    .max(self.size.min(1 << 16));
                let n = (&mut self.reader)
                    .take(want as u64)
                    .read_to_end(&mut bytes)?;
                self.done = n == 0;
            }
            if self.done {
                break;
            }
            // Keep the tail after the last allowed cut for the next block; no cut grows the block.
            if let Some(head) = (self.cut)(&bytes[scanned..]) {
                self.carry.extend_from_slice(&bytes[scanned + head..]);
                bytes.truncate(scanned + head);
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

    /// Appends everything not yet handed out in a block to `out`.
    pub(super) fn read_rest(&mut self, out: &mut Vec<u8>) -> std::io::Result<()> {
        out.append(&mut self.carry);
        if !self.done {
            self.reader.read_to_end(out)?;
            self.done = true;
        }
        Ok(())
    }
}

/// The JSON lines [`Cut`]: after the last line end.
pub(super) fn after_last_line(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', bytes).map(|last| last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_line_ends_and_know_their_first_line() {
        let text = "a\n".repeat(BLOCK);
        let mut blocks = Blocks::new(text.as_bytes(), after_last_line, BLOCK);
        let first = blocks.next().unwrap().unwrap();
        assert!(first.bytes.ends_with(b"\n") && first.bytes.len() <= BLOCK + 2);
        let second = blocks.next().unwrap().unwrap();
        assert_eq!(second.first_line, 1 + first.bytes.len() / 2);
        assert!(blocks.next().unwrap().is_none());
    }

    #[test]
    fn a_line_longer_than_a_block_stays_whole() {
        let text = format!("{}\nb", "x".repeat(2 * BLOCK + 5));
        let mut blocks = Blocks::new(text.as_bytes(), after_last_line, BLOCK);
        assert_eq!(blocks.next().unwrap().unwrap().bytes.len(), 2 * BLOCK + 6);
        let last = blocks.next().unwrap().unwrap();
        assert_eq!((last.bytes.as_slice(), last.first_line), (&b"b"[..], 2));
    }

    #[test]
    fn the_rest_is_the_carry_and_the_unread_input() {
        let text = format!("{}\nrest", "x\n".repeat(BLOCK));
        let mut blocks = Blocks::new(text.as_bytes(), after_last_line, BLOCK);
        let first = blocks.next().unwrap().unwrap();
        let mut rest = Vec::new();
        blocks.read_rest(&mut rest).unwrap();
        assert_eq!([first.bytes, rest].concat(), text.as_bytes());
        assert!(blocks.finished() && blocks.next().unwrap().is_none());
    }
}
