//! The line reader shared by the line formats (`jsonl`, `porcupine-etcd`, `plume`, `awdit`).
//!
//! One reused buffer, so reading a line does not allocate. A UTF-8 byte order mark at the start
//! of the input, the `\n` and a `\r` before it are removed; blank lines are skipped (they still
//! count for line numbers); a line that is not UTF-8 is an error naming its first bad byte.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::text::{char_column, saturate};
use crate::history::{HistoryError, Location};

/// Lines of a [`BufRead`], numbered from 1.
pub(super) struct Lines<'f, R> {
    reader: R,
    buf: Vec<u8>,
    number: usize,
    file: Option<&'f Arc<Path>>,
}

impl<'f, R: BufRead> Lines<'f, R> {
    /// Lines of `reader`; errors name `file`.
    pub(super) fn new(reader: R, file: Option<&'f Arc<Path>>) -> Self {
        Lines {
            reader,
            buf: Vec::with_capacity(256),
            number: 0,
            file,
        }
    }

    /// The next non-blank line and its 1-based number, or `None` at the end of the input.
    pub(super) fn next_line(&mut self) -> Result<Option<(u32, &str)>, HistoryError> {
        let (start, end) = loop {
            self.buf.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|error| io_error(self.file, error))?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if let Some(range) = content(&self.buf, self.number == 1) {
                break range;
            }
        };
        let number = saturate(self.number);
        utf8(self.file, number, &self.buf[start..end]).map(|text| Some((number, text)))
    }
}

/// The byte range of `raw`'s content without BOM (when `first` line of the input), `\n` and
/// `\r`; `None` when the line is blank.
pub(super) fn content(raw: &[u8], first: bool) -> Option<(usize, usize)> {
    let start = if first && raw.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut end = raw.len();
    if raw[start..end].ends_with(b"\n") {
        end -= 1;
    }
    if raw[start..end].ends_with(b"\r") {
        end -= 1;
    }
    (!raw[start..end].iter().all(u8::is_ascii_whitespace)).then_some((start, end))
}

/// `line` as text, or the error naming its first byte that is not UTF-8.
pub(super) fn utf8<'a>(
    file: Option<&Arc<Path>>,
    number: u32,
    line: &'a [u8],
) -> Result<&'a str, HistoryError> {
    std::str::from_utf8(line).map_err(|e| not_utf8(file, number, line, e.valid_up_to()))
}

/// The error for a failed read of `file`.
pub(super) fn io_error(file: Option<&Arc<Path>>, error: std::io::Error) -> HistoryError {
    HistoryError::Io {
        path: file.map_or_else(|| PathBuf::from("<input>"), |f| f.to_path_buf()),
        error,
    }
}

/// "expected UTF-8 text, found byte 0x..": byte `offset` of `line` starts no valid character.
pub(super) fn not_utf8(
    file: Option<&Arc<Path>>,
    line_number: u32,
    line: &[u8],
    offset: usize,
) -> HistoryError {
    HistoryError::syntax(
        Location::new(file, line_number, char_column(line, offset)),
        "UTF-8 text",
        format!("byte 0x{:02X}", line.get(offset).copied().unwrap_or(0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Result<Vec<(u32, String)>, HistoryError> {
        let mut lines = Lines::new(input, None);
        let mut out = Vec::new();
        while let Some((n, text)) = lines.next_line()? {
            out.push((n, text.to_string()));
        }
        Ok(out)
    }

    #[test]
    fn strips_bom_crlf_and_skips_blank_lines_but_counts_them() {
        let got = all(b"\xEF\xBB\xBFa\r\n\r\n  \nb\nc").unwrap();
        assert_eq!(got, vec![(1, "a".into()), (4, "b".into()), (5, "c".into())]);
    }

    #[test]
    fn non_utf8_line_names_the_bad_byte() {
        let err = all(b"ok\nab\xFFc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 3: expected UTF-8 text, found byte 0xFF"
        );
    }
}
