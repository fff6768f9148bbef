//! EDN on all cores: blocks read on their own, each start checked against the end of the block
//! before it, and one thread wherever a block cannot be trusted.
//!
//! A block ends before a line that begins with `{` or `#` (an op map, a tagged op map or a
//! discard, in every history we know of): a guess at a place between op maps, which the reading
//! proves or refutes. Every block but the first is read on its own, as if its first line began
//! at the top level in the state the input starts with (a sequence of maps, or inside the one
//! vector, told from the first bytes). The consumer takes the blocks in order and keeps a block
//! only when it was read from the state the block before it really ended in, and read to its end
//! without an error: then the block is exactly what reading the whole input on one thread would
//! have made of those lines (a form cut by the block's end would have been an error). A block
//! read from the wrong state (the vector closed, the file began with a discard) is read again
//! from the right one. A block with an error, a form running past its end or bytes that are not
//! UTF-8 is where the guess may have failed: from its start (a true boundary) the rest of the
//! input is read on one thread, which finds the first error exactly as before.
//!
//! As before too, bytes that are not UTF-8 anywhere in the input win over every other error (the
//! one-thread reader checked the whole text first): when the sink fails, the rest of the input is
//! checked before its error is returned.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::independent::Independent;
use super::top::{read_ops, text_of, unclosed_at_end, Top};
use crate::history::format::blocks::{Block, BLOCK};
use crate::history::format::lines::io_error;
use crate::history::format::parallel::{self, Rest, Step};
use crate::history::format::text::char_column;
use crate::history::{Event, HistoryError};

/// A block's reading.
struct Parsed {
    /// The state it was read from.
    start: Top,
    events: Vec<Event>,
    /// `None` when the block cannot be trusted: an error, or bytes that are not UTF-8.
    end: Option<End>,
}

/// How a block read to its end.
struct End {
    top: Top,
    /// The error if the input ended here, inside the vector of ops.
    unclosed: Option<HistoryError>,
}

/// Reads every event of `reader` into `sink`, blocks of about [`BLOCK`] bytes on all cores.
pub(super) fn read(
    reader: impl Read + Send,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    read_in_blocks(reader, BLOCK, file, sink, &mut Reading::default())
}

/// How a read went: blocks kept as read on their own, blocks read again from the state the block
/// before ended in, and whether the rest of the input was read on one thread.
#[derive(Debug, Default, PartialEq, Eq)]
struct Reading {
    kept: usize,
    read_again: usize,
    rest_on_one_thread: bool,
}

/// [`read`] with blocks of about `size` bytes, noting in `reading` how it went.
fn read_in_blocks(
    mut reader: impl Read + Send,
    size: usize,
    file: Option<&Arc<Path>>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
    reading: &mut Reading,
) -> Result<(), HistoryError> {
    let mut head = Vec::new();
    (&mut reader)
        .take(1 << 16)
        .read_to_end(&mut head)
        .map_err(|e| io_error(file, e))?;
    let guess = guess_start(&head);
    let parse = |block: &Block, events| {
        let start = if block.first_line == 1 {
            Top::Start
        } else {
            guess
        };
        parse_block(block, start, events, file)
    };
    let mut independent = Independent::default();
    let mut emit = |event| independent.push(event, sink);
    // The state the last block consumed ended in, and its error should the input end there.
    let mut end = End {
        top: Top::Start,
        unclosed: None,
    };
    let mut sink_error = None;
    let rest = parallel::run(
        std::io::Cursor::new(head).chain(reader),
        before_op_line,
        size,
        file,
        &parse,
        &mut |block, mut parsed| {
            if parsed.start != end.top {
                parsed = parse_block(block, end.top, parsed.events, file);
                reading.read_again += 1;
            }
            let Some(block_end) = parsed.end else {
                return Ok(Step::Rest);
            };
            for event in parsed.events.drain(..) {
                if let Err(err) = emit(event) {
                    sink_error = Some(err);
                    return Ok(Step::Rest);
                }
            }
            end = block_end;
            reading.kept += 1;
            Ok(Step::Next(parsed.events))
        },
    )?;
    match (rest, sink_error) {
        (Some(rest), Some(err)) => {
            text_of(&rest.bytes, file, rest.first_line)?;
            return Err(err);
        }
        (Some(Rest { bytes, first_line }), None) => {
            reading.rest_on_one_thread = true;
            let text = text_of(&bytes, file, first_line)?;
            let top = read_ops(text, file, first_line, end.top, &mut emit)?;
            if let Some(err) = unclosed_at_end(text, file, first_line, top) {
                return Err(err);
            }
        }
        (None, _) => {
            if let Some(err) = end.unclosed {
                return Err(err);
            }
        }
    }
    independent.finish(sink)
}

/// Reads `block` from state `start` into `events` (an emptied vector to reuse).
fn parse_block(
    block: &Block,
    start: Top,
    mut events: Vec<Event>,
    file: Option<&Arc<Path>>,
) -> Parsed {
    events.clear();
    let end = text_of(&block.bytes, file, block.first_line).and_then(|text| {
        let top = read_ops(text, file, block.first_line, start, &mut |event| {
            events.push(event);
            Ok(())
        })?;
        Ok(End {
            top,
            unclosed: unclosed_at_end(text, file, block.first_line, top),
        })
    });
    Parsed {
        start,
        events,
        end: end.ok(),
    }
}

/// The EDN cut: before the last line that begins (after blanks) with `{` or `#`.
fn before_op_line(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(line_end) = memchr::memrchr(b'\n', &bytes[..end]) {
        let first = bytes[line_end + 1..]
            .iter()
            .find(|&&b| !matches!(b, b' ' | b'\t' | b','));
        if matches!(first, Some(b'{' | b'#')) {
            return Some(line_end + 1);
        }
        end = line_end;
    }
    None
}

/// The state every block but the first is first read from: inside the vector when the input
/// starts (after blanks and comments) with `[` or `(`, else a sequence of op maps. Only a guess:
/// the consumer reads a block again when the block before it ended otherwise.
fn guess_start(head: &[u8]) -> Top {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut at = 0;
    while let Some(&b) = text.get(at) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b'\x0B' | b'\x0C' => at += 1,
            b';' => at = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i),
            _ => break,
        }
    }
    let close = match text.get(at) {
        Some(b'[') => b']',
        Some(b'(') => b')',
        _ => return Top::Sequence,
    };
    let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    let line = memchr::memchr_iter(b'\n', &text[..at]).count() + 1;
    Top::Inside {
        close,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: char_column(&text[line_start..], at - line_start),
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::history::Location;

    type Reader<'a> = dyn FnOnce(&mut dyn FnMut(Event) -> Result<(), HistoryError>) -> Result<(), HistoryError>
        + 'a;

    /// The events a read hands on, or its error; the sink refuses the event number `fail_at`.
    fn collect(read: Box<Reader<'_>>, fail_at: Option<usize>) -> Result<Vec<Event>, String> {
        let mut events = Vec::new();
        read(&mut |event| {
            if Some(events.len()) == fail_at {
                return Err(HistoryError::malformed(Location::new(None, 1, 0), "full"));
            }
            events.push(event);
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        Ok(events)
    }

    /// The whole input read on one thread, as before blocks.
    fn one_thread(bytes: &[u8], fail_at: Option<usize>) -> Result<Vec<Event>, String> {
        collect(
            Box::new(|sink| {
                let text = text_of(bytes, None, 1)?;
                let mut independent = Independent::default();
                let top = read_ops(text, None, 1, Top::Start, &mut |e| {
                    independent.push(e, sink)
                })?;
                if let Some(err) = unclosed_at_end(text, None, 1, top) {
                    return Err(err);
                }
                independent.finish(sink)
            }),
            fail_at,
        )
    }

    fn in_blocks(bytes: &[u8], size: usize, fail_at: Option<usize>) -> Result<Vec<Event>, String> {
        reading(bytes, size, fail_at).0
    }

    /// The read in blocks of `size` bytes, and how it went.
    fn reading(
        bytes: &[u8],
        size: usize,
        fail_at: Option<usize>,
    ) -> (Result<Vec<Event>, String>, Reading) {
        let mut how = Reading::default();
        let events = collect(
            Box::new(|sink| read_in_blocks(bytes, size, None, sink, &mut how)),
            fail_at,
        );
        (events, how)
    }

    fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
        items[rng.gen_range(0..items.len())]
    }

    /// A value meant to fool a cutter: brackets in strings, characters and comments, lines that
    /// begin with `{` or `#` inside a form, discards and tags.
    fn value(rng: &mut ChaCha8Rng) -> String {
        match rng.gen_range(0..14) {
            0 => "nil".into(),
            1 => rng.gen_range(-5..50).to_string(),
            2 => "\"s]) {\\\" \\n\"".into(),
            3 => "\"two\n{:type :ok, :process 0, :f :read}\n] lines\"".into(),
            4 => "\\]".into(),
            5 => "[\\{ \\( \\\" \\newline]".into(),
            6 => "#{1 2}".into(),
            7 => "\n{:a [1 2]}".into(),
            8 => "#inst\n\"2020\"".into(),
            9 => "[1 ; ] } comment\n 2]".into(),
            10 => "#_ {:x 1}\n#_ ] 3".into(),
            11 => ":kw".into(),
            12 => format!("[{} {}]", value(rng), value(rng)),
            _ => "(\n#_\n{:no 1}\n 4)".into(),
        }
    }

    /// One op map; a `[k v]` tuple value when `tuples`.
    fn op(rng: &mut ChaCha8Rng, index: usize, tuples: bool) -> String {
        let process = match rng.gen_range(0..8) {
            0 => ":nemesis".to_string(),
            p => p.to_string(),
        };
        let f = pick(rng, &[":read", ":write", ":cas", "\"read\""]);
        let value = if tuples {
            match f {
                ":cas" => format!("[{} [1 2]]", rng.gen_range(0..3)),
                _ => format!("[{} {}]", rng.gen_range(0..3), rng.gen_range(0..3)),
            }
        } else {
            value(rng)
        };
        let mut entries = vec![
            format!(":index {index}"),
            format!(":type {}", pick(rng, &[":invoke", ":ok", ":fail", ":info"])),
            format!(":process {process}"),
            format!(":f {f}"),
            format!(":value {value}"),
        ];
        if rng.gen_bool(0.2) {
            entries.push(":node \"n1\"".into());
        }
        let sep = pick(rng, &[", ", ", ", "\n  ", " ;; c }\n"]);
        let tag = pick(
            rng,
            &["", "", "", "#jepsen.history.Op", "#jepsen.history.Op\n"],
        );
        format!("{tag}{{{}}}", entries.join(sep))
    }

    /// A random EDN history, maybe with an error in it.
    fn history(rng: &mut ChaCha8Rng) -> Vec<u8> {
        let tuples = rng.gen_bool(0.3);
        let mut text = String::new();
        let vector = rng.gen_range(0..4);
        if rng.gen_bool(0.2) {
            text.push_str("; a history\n");
        }
        match vector {
            0 => text.push('['),
            1 => text.push_str("(\n"),
            _ => {}
        }
        for i in 0..rng.gen_range(0..60) {
            text.push_str(&op(rng, i, tuples));
            text.push_str(pick(
                rng,
                &[
                    "\n",
                    "\n",
                    "\n",
                    " ",
                    ",\n",
                    "\n; ] { \" comment\n",
                    "\n#_ {:bogus 1}\n",
                    "\n#_\n{:type :ok}\n",
                    "\n#_ #_\n{:a 1}\n{:b 2}\n",
                    "\r\n",
                ],
            ));
        }
        match vector {
            0 => text.push_str("]\n"),
            1 => text.push_str("\n) ; end\n"),
            _ => {}
        }
        let mut bytes = text.into_bytes();
        if rng.gen_bool(0.4) && !bytes.is_empty() {
            let at = rng.gen_range(0..bytes.len());
            let bad: &[u8] = match rng.gen_range(0..6) {
                0 => b":done",
                1 => b"\xFF",
                2 => b"\"",
                3 => b"]",
                4 => b"{",
                _ => b"#_",
            };
            bytes.splice(at..at, bad.iter().copied());
        }
        bytes
    }

    #[test]
    fn blocks_read_exactly_what_one_thread_reads_event_for_event_and_error_for_error() {
        let seed = 21;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut valid, mut invalid) = (0, 0);
        let (mut kept, mut read_again, mut rest_on_one_thread) = (0, 0, 0);
        for case in 0..600 {
            let bytes = history(&mut rng);
            let size = rng.gen_range(1..200);
            let fail_at = rng.gen_bool(0.1).then(|| rng.gen_range(0..20));
            let expected = one_thread(&bytes, fail_at);
            let (got, how) = reading(&bytes, size, fail_at);
            kept += how.kept;
            read_again += how.read_again;
            rest_on_one_thread += usize::from(how.rest_on_one_thread);
            assert_eq!(
                got,
                expected,
                "seed {seed} case {case}, blocks of {size} bytes, sink fails at {fail_at:?}, input:\n{}",
                String::from_utf8_lossy(&bytes)
            );
            match expected {
                Ok(_) => valid += 1,
                Err(_) => invalid += 1,
            }
        }
        // Both outcomes are reached: a generator of only errors (or none) would prove little.
        assert!(
            valid > 100 && invalid > 100,
            "{valid} valid, {invalid} invalid"
        );
        // And every way of reading a block is taken: a reader that always fell back to one
        // thread would agree too.
        assert!(
            kept > 500 && read_again > 5 && rest_on_one_thread > 200,
            "{kept} blocks kept, {read_again} read again, {rest_on_one_thread} rests on one thread"
        );
    }

    const OP: &str = "{:index 0, :type :invoke, :process 1, :f :write, :value 3}\n";

    #[test]
    fn an_error_in_a_late_block_names_its_line_and_column_as_one_thread_does() {
        let mut text = OP.repeat(40_000);
        text.push_str("{:type :ok, :process 1, :f :write, :value 3, :type :ok}\n");
        text.push_str(&OP.repeat(20_000));
        text.push_str("{:type :done, :process 1, :f :read}\n");
        let (got, how) = reading(text.as_bytes(), BLOCK, None);
        let expected =
            "line 40001, column 46: expected each key once in an op map, found a second :type";
        assert_eq!(got, Err(expected.to_string()));
        assert_eq!(one_thread(text.as_bytes(), None), Err(expected.to_string()));
        assert!(how.kept >= 2 && how.rest_on_one_thread, "{how:?}");
    }

    #[test]
    fn a_large_history_is_read_in_blocks_without_falling_back() {
        let text = OP.repeat(60_000);
        let (got, how) = reading(text.as_bytes(), BLOCK, None);
        assert_eq!(got.unwrap().len(), 60_000);
        assert!(
            how.kept >= 3 && how.read_again == 0 && !how.rest_on_one_thread,
            "{how:?}"
        );
    }

    #[test]
    fn a_large_knossos_vector_of_multi_line_maps_is_read_in_blocks() {
        let map = "{:process 0,\n  :type :invoke,\n  :f :read,\n  :value nil}\n ";
        let text = format!("[{}]\n", map.repeat(40_000));
        let (got, how) = reading(text.as_bytes(), BLOCK, None);
        assert_eq!(got, one_thread(text.as_bytes(), None));
        assert_eq!(got.unwrap()[39_999].line, 4 * 39_999 + 1);
        assert!(
            how.kept >= 2 && how.read_again == 0 && !how.rest_on_one_thread,
            "{how:?}"
        );
        let unclosed = &text[..text.len() - 2];
        assert_eq!(
            in_blocks(unclosed.as_bytes(), BLOCK, None).unwrap_err(),
            "line 160001, column 2: expected `]` closing the vector opened at line 1, column 1, found end of input"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_anywhere_win_over_an_earlier_error_as_before() {
        let mut text = OP.repeat(20_000).into_bytes();
        text.extend_from_slice(b"{:type :ok}\n");
        text.extend_from_slice(OP.repeat(20_000).as_bytes());
        text.extend_from_slice(b"{:type :ok, :f \"\xFF\"}\n");
        let expected = "line 40002, column 17: expected UTF-8 text, found byte 0xFF";
        assert_eq!(one_thread(&text, None).unwrap_err(), expected);
        assert_eq!(in_blocks(&text, BLOCK, None).unwrap_err(), expected);
        // Also when it is the sink that fails first.
        assert_eq!(in_blocks(&text, BLOCK, Some(5)).unwrap_err(), expected);
    }
}
