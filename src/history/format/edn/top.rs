//! The top level of an EDN history: a sequence of op maps, or one vector (or list) of them.
//!
//! Reading may start at any place where the top level is between op maps, in the [`Top`] state
//! the text before it left: so a block of a file can be read on its own, and the state at its
//! end says how the next block starts. Line numbers and positions in messages are those of the
//! whole file (the text knows the number of its first line).

use std::path::Path;
use std::sync::Arc;

use super::op;
use super::reader::Reader;
use crate::history::format::intern::Interner;
use crate::history::format::lines::not_utf8;
use crate::history::format::text::saturate;
use crate::history::{Event, HistoryError, Location};

/// Where the top level is, between op maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Top {
    /// Nothing but whitespace, comments and discards so far.
    Start,
    /// In a sequence of op maps (Jepsen's `history.edn`).
    Sequence,
    /// Inside the one vector or list of op maps (Knossos), opened at `line`, `column`.
    Inside { close: u8, line: u32, column: u32 },
    /// After that vector's close: only whitespace, comments and discards may follow.
    After,
}

/// The UTF-8 text of `bytes`, whose first line is line `first_line` of `file` (the byte order
/// mark removed at the start of the file), or the error naming the first byte that is not UTF-8.
pub(super) fn text_of<'a>(
    bytes: &'a [u8],
    file: Option<&Arc<Path>>,
    first_line: usize,
) -> Result<&'a str, HistoryError> {
    let bytes = match first_line {
        1 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        _ => bytes,
    };
    std::str::from_utf8(bytes).map_err(|e| {
        let bad = e.valid_up_to();
        let start = memchr::memrchr(b'\n', &bytes[..bad]).map_or(0, |i| i + 1);
        let line = memchr::memchr_iter(b'\n', &bytes[..bad]).count() + first_line;
        not_utf8(file, saturate(line), &bytes[start..], bad - start)
    })
}

/// Reads the op maps of `text` (whole lines, from line `first_line` of `file`), starting in
/// state `top`; hands each event to `emit` and returns the state at the end of `text`.
pub(super) fn read_ops(
    text: &str,
    file: Option<&Arc<Path>>,
    first_line: usize,
    mut top: Top,
    emit: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<Top, HistoryError> {
    let mut reader = Reader::new(text, file, first_line);
    let mut ops = Ops {
        lines: (0, first_line),
        interner: Interner::default(),
    };
    loop {
        reader.skip_ws()?;
        let Some(next) = reader.peek() else {
            return Ok(top);
        };
        match top {
            Top::Start => {
                top = match next {
                    b'[' | b'(' => {
                        let at = reader.location(reader.pos);
                        reader.pos += 1;
                        Top::Inside {
                            close: if next == b'[' { b']' } else { b')' },
                            line: at.line,
                            column: at.column,
                        }
                    }
                    _ => Top::Sequence,
                };
            }
            Top::Inside { close, .. } if next == close => {
                reader.pos += 1;
                top = Top::After;
            }
            Top::Sequence | Top::Inside { .. } => ops.read_op(&mut reader, emit)?,
            Top::After => {
                return Err(reader.expected_at(reader.pos, "end of input after the vector of ops"))
            }
        }
    }
}

/// When the input ends at the end of `text` in state `top`: the error for a vector of ops never
/// closed, if `top` is inside one.
pub(super) fn unclosed_at_end(
    text: &str,
    file: Option<&Arc<Path>>,
    first_line: usize,
    top: Top,
) -> Option<HistoryError> {
    let Top::Inside {
        close,
        line,
        column,
    } = top
    else {
        return None;
    };
    let mut reader = Reader::new(text, file, first_line);
    reader.pos = text.len();
    Some(reader.unclosed_from(&Location::new(file, line, column), close))
}

/// State carried from one op map to the next.
struct Ops {
    /// A byte position and its 1-based line, moved forward as op maps are read.
    lines: (usize, usize),
    interner: Interner,
}

impl Ops {
    /// Reads the op map at the reader's position (optionally tagged) and passes its event on.
    fn read_op(
        &mut self,
        reader: &mut Reader<'_>,
        emit: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
    ) -> Result<(), HistoryError> {
        let start = reader.pos;
        let tagged = reader.peek() == Some(b'#')
            && reader
                .text
                .as_bytes()
                .get(start + 1)
                .is_some_and(u8::is_ascii_alphabetic);
        if tagged {
            reader.pos += 1;
            reader.token();
            reader.skip_ws()?;
        }
        let open = reader.pos;
        if reader.peek() != Some(b'{') {
            return Err(reader.expected_at(
                open,
                "an op map such as {:type :invoke, :f :read, :process 0}",
            ));
        }
        reader.pos += 1;
        let mut entries = Vec::with_capacity(8);
        while let Some(entry) = reader.read_entry(open)? {
            entries.push(entry);
        }
        let (pos, line) = &mut self.lines;
        *line += memchr::memchr_iter(b'\n', &reader.text.as_bytes()[*pos..open]).count();
        *pos = open;
        let event = op::event(reader, open, saturate(*line), entries, &mut self.interner)?;
        emit(event)
    }
}
