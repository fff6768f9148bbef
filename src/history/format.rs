//! History file formats: detection, reading, writing.
//!
//! | format | read | write | what it is |
//! |---|---|---|---|
//! | `jsonl` | yes | yes | native: one JSON object per line, Jepsen's op-map fields |
//! | `edn` | yes | yes | Jepsen's `history.edn`, Knossos vectors, Porcupine's kv logs (EDN maps) |
//! | `porcupine-etcd` | yes | no | the `INFO  jepsen.util - ...` etcd logs in Porcupine's test data |
//! | `plume` | yes | yes | Plume's `r(key,value,session,txn)` lines (Plume, PolySI, IsoVista, AWDIT) |
//! | `awdit` | yes | yes | AWDIT's `test` format (`r K V` / `w K V`, `---` and `===` separators) |
//!
//! Map of this module, in reading order:
//! - [`Format`] (here): names, file extensions, detection, and the entry points [`for_each_event`],
//!   [`for_each_flat_txn`], [`read()`], [`read_ops`], [`parse`], [`write()`];
//! - `detect.rs`: telling the format from a file's first bytes;
//! - `lines.rs`: the line reader shared by the line formats (reused buffer, BOM, CRLF, UTF-8);
//! - `blocks.rs`, `parallel.rs`: a large input cut into blocks where its format allows, parsed on
//!   all cores, results handed over in input order (JSON lines and EDN);
//! - `text.rs`: columns and token excerpts for error messages;
//! - `intern.rs`: a tiny cache so each event's `f` does not allocate;
//! - `implied.rs`: `f` left out of a transaction's event (Elle's tools do) reads as `txn`;
//! - `jsonl.rs` + `jsonl/`: native JSON lines (serde_json with our own visitors; large files are
//!   parsed in blocks on all cores, events still delivered in order);
//! - `edn.rs` + `edn/`: Jepsen EDN, including independent-key `[k v]` tuples (large files are read
//!   in blocks on all cores, each block checked against the one before it);
//! - `porcupine.rs`: Porcupine's etcd logs (read only, strict grammar);
//! - `flat.rs`, `plume.rs`, `awdit.rs`: the flat register formats of the weak-isolation
//!   checkers (read into whole transactions; no real time).
//!
//! Every reader streams: [`for_each_event`] hands events to a sink one at a time. The line formats
//! (`jsonl`, `porcupine-etcd`) never hold the whole file or all events; nor does EDN, which holds
//! events back only while the history may still be an independent-key history (see `edn.rs`).
//!
//! All readers share these rules: an empty file is an empty history; a UTF-8 byte order mark and
//! CRLF line endings are accepted; non-UTF-8 input, integers outside the `i64` range and nesting deeper
//! than a fixed bound are errors (never panics); every error names the file (when known), the
//! 1-based line and column, what was expected and what was found.

mod awdit;
mod blocks;
mod detect;
mod edn;
mod flat;
mod implied;
mod intern;
mod jsonl;
mod lines;
mod parallel;
mod plume;
mod porcupine;
mod text;

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use super::{Event, History, HistoryError, Location, Op, Paired, Pairer, Process};

pub use flat::FlatTxn;
pub use jsonl::write_event as write_jsonl_event;

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Native JSON lines.
    Jsonl,
    /// Jepsen EDN.
    Edn,
    /// Porcupine's etcd Jepsen logs (read only).
    PorcupineEtcd,
    /// Plume's `r(key,value,session,txn)` lines.
    Plume,
    /// AWDIT's `test` format.
    Awdit,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 5] = [
        Format::Jsonl,
        Format::Edn,
        Format::PorcupineEtcd,
        Format::Plume,
        Format::Awdit,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Edn => "edn",
            Format::PorcupineEtcd => "porcupine-etcd",
            Format::Plume => "plume",
            Format::Awdit => "awdit",
        }
    }

    /// Parses a format name as typed on the command line: `jsonl` (also `json`, `native`), `edn`
    /// (also `jepsen`), `porcupine-etcd` (also `porcupine`). Case-insensitive.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "native" => Format::Jsonl,
            "edn" | "jepsen" => Format::Edn,
            "porcupine-etcd" | "porcupine" => Format::PorcupineEtcd,
            "plume" => Format::Plume,
            "awdit" | "awdit-test" | "test" => Format::Awdit,
            _ => return None,
        })
    }

    /// The format a file name suggests: `.jsonl`/`.json` → jsonl, `.edn` → edn, `.log` →
    /// porcupine-etcd. Anything else (including Porcupine's kv `.txt` logs) → `None`: detect.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "jsonl" | "json" => Format::Jsonl,
            "edn" => Format::Edn,
            "log" => Format::PorcupineEtcd,
            _ => return None,
        })
    }

    /// Tells the format from the start of a file (see `detect.rs` for the rules). `bytes` is taken
    /// to be the whole input: an input with nothing but blank lines is an empty `jsonl` history.
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        detect::detect(bytes, true).unwrap_or(None)
    }

    /// Whether [`write()`] supports this format (Porcupine's logs are read only).
    pub fn can_write(self) -> bool {
        !matches!(self, Format::PorcupineEtcd)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `"jsonl".parse::<Format>()`, for command-line parsers; see [`Format::from_name`].
impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::from_name(s).ok_or_else(|| {
            format!(
                "unknown history format {s:?}; expected jsonl, edn, porcupine-etcd, plume or awdit"
            )
        })
    }
}

/// Calls `sink` with every event of the file at `path`, in order, without holding them all.
///
/// `format: None` detects the format from the first bytes ([`Format::detect`]); `Some` overrides
/// detection. Returns the format used. The sink's errors are returned unchanged.
pub fn for_each_event(
    path: &Path,
    format: Option<Format>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<Format, HistoryError> {
    let io_error = |error| HistoryError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file_name: Arc<Path> = path.into();
    let mut file = File::open(path).map_err(io_error)?;
    let (format, prefix) = match format {
        Some(format) => (format, Vec::new()),
        None => detect_from_reader(&mut file, path)?,
    };
    let reader = io::Cursor::new(prefix).chain(file);
    match format {
        Format::Jsonl => jsonl::read(reader, Some(&file_name), sink)?,
        Format::PorcupineEtcd => porcupine::read(
            BufReader::with_capacity(1 << 16, reader),
            Some(&file_name),
            sink,
        )?,
        Format::Plume => plume::read(
            BufReader::with_capacity(1 << 16, reader),
            Some(&file_name),
            sink,
        )?,
        Format::Awdit => awdit::read(
            BufReader::with_capacity(1 << 16, reader),
            Some(&file_name),
            sink,
        )?,
        Format::Edn => edn::read(reader, Some(&file_name), sink)?,
    }
    Ok(format)
}

/// Reads from `file` until its format is known; returns the format and the bytes read so far.
fn detect_from_reader(file: &mut File, path: &Path) -> Result<(Format, Vec<u8>), HistoryError> {
    let mut prefix = Vec::new();
    loop {
        let read = Read::by_ref(file)
            .take(1 << 16)
            .read_to_end(&mut prefix)
            .map_err(|error| HistoryError::Io {
                path: path.to_path_buf(),
                error,
            })?;
        let at_end = read == 0;
        if let Some(found) = detect::detect(&prefix, at_end) {
            return match found {
                Some(format) => Ok((format, prefix)),
                None => Err(HistoryError::UnknownFormat {
                    path: path.to_path_buf(),
                    first_line: detect::first_line(&prefix),
                }),
            };
        }
    }
}

/// Reads a file in a flat format (`plume`, `awdit`) as whole transactions, handed to `sink` in
/// the order [`for_each_event`] would deliver them as events, without making the events: for
/// a checker that keeps its own compact form. `Ok(None)` when the file is in another format,
/// or is a Plume file whose transactions' lines are interleaved (streaming would reorder
/// them): the caller then drops what `sink` received and reads events with
/// [`for_each_event`].
pub fn for_each_flat_txn(
    path: &Path,
    format: Option<Format>,
    sink: &mut dyn FnMut(&FlatTxn) -> Result<(), HistoryError>,
) -> Result<Option<Format>, HistoryError> {
    if format.is_some_and(|f| !matches!(f, Format::Plume | Format::Awdit)) {
        return Ok(None);
    }
    let io_error = |error| HistoryError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file_name: Arc<Path> = path.into();
    let mut file = File::open(path).map_err(io_error)?;
    let (format, prefix) = match format {
        Some(format) => (format, Vec::new()),
        None => detect_from_reader(&mut file, path)?,
    };
    let reader = BufReader::with_capacity(1 << 16, io::Cursor::new(prefix).chain(file));
    match format {
        Format::Plume => match plume::read_txns(reader, Some(&file_name), sink)? {
            plume::Streamed::Whole => Ok(Some(format)),
            plume::Streamed::Interleaved => Ok(None),
        },
        Format::Awdit => {
            awdit::read_txns(reader, Some(&file_name), sink)?;
            Ok(Some(format))
        }
        _ => Ok(None),
    }
}

/// Reads a whole history.
pub fn read(path: &Path, format: Option<Format>) -> Result<(Format, History), HistoryError> {
    let mut events = Vec::new();
    let format = for_each_event(path, format, &mut |e| {
        events.push(e);
        Ok(())
    })?;
    Ok((format, History::new(events)))
}

/// Bytes per operation assumed when sizing the operations of a file up front.
const BYTES_PER_OP_GUESS: u64 = 160;

/// Reads a history's operations, pairing as it goes.
pub fn read_ops(path: &Path, format: Option<Format>) -> Result<(Format, Vec<Op>), HistoryError> {
    let file: Arc<Path> = path.into();
    let mut pairer = Pairer::new(Some(file));
    if let Ok(meta) = std::fs::metadata(path) {
        // An invocation and a completion take at least ~160 bytes in every text format we read
        // (jsonl from `splitbrain gen`: ~190); a low guess costs one more doubling, a high one
        // only address space (pages never written are never committed).
        pairer.reserve(usize::try_from(meta.len() / BYTES_PER_OP_GUESS).unwrap_or(0));
    }
    let format = for_each_event(path, format, &mut |e| pairer.push(e))?;
    Ok((format, pairer.finish()))
}

/// Reads a history's operations, pairing them and grouping them by key as it goes (see
/// [`Paired`]). `take` sees the first client event: when it says no (the history is for another
/// checker), the read stops there and gives `None`.
pub fn read_paired(
    path: &Path,
    format: Option<Format>,
    take: &dyn Fn(&Event) -> bool,
) -> Result<Option<(Format, Paired)>, HistoryError> {
    let file: Arc<Path> = path.into();
    let mut pairer = Pairer::grouping(Some(file));
    if let Ok(meta) = std::fs::metadata(path) {
        pairer.reserve(usize::try_from(meta.len() / BYTES_PER_OP_GUESS).unwrap_or(0));
    }
    let mut first = true;
    let mut declined = false;
    let read = for_each_event(path, format, &mut |e| {
        if first && matches!(e.process, Process::Client(_)) {
            first = false;
            if !take(&e) {
                declined = true;
                // Any error stops the read; this one is never shown.
                return Err(HistoryError::malformed(
                    Location::new(None, e.line, 0),
                    "declined",
                ));
            }
        }
        pairer.push(e)
    });
    match read {
        _ if declined => Ok(None),
        Ok(format) => Ok(Some((format, pairer.finish_grouped()))),
        Err(e) => Err(e),
    }
}

/// Parses a history held in memory; errors name `file` when given.
pub fn parse(
    text: &[u8],
    format: Format,
    file: Option<Arc<Path>>,
) -> Result<History, HistoryError> {
    let mut events = Vec::new();
    let mut sink = |e| {
        events.push(e);
        Ok(())
    };
    let file = file.as_ref();
    match format {
        Format::Jsonl => jsonl::read(text, file, &mut sink)?,
        Format::Edn => edn::read(text, file, &mut sink)?,
        Format::PorcupineEtcd => porcupine::read(text, file, &mut sink)?,
        Format::Plume => plume::read(text, file, &mut sink)?,
        Format::Awdit => awdit::read(text, file, &mut sink)?,
    }
    Ok(History::new(events))
}

/// Like [`parse`], detecting the format first; `file` names the input in errors.
pub fn parse_detect(
    text: &[u8],
    file: Option<Arc<Path>>,
) -> Result<(Format, History), HistoryError> {
    let format = Format::detect(text).ok_or_else(|| HistoryError::UnknownFormat {
        path: file
            .as_deref()
            .map_or_else(|| PathBuf::from("<input>"), Path::to_path_buf),
        first_line: detect::first_line(text),
    })?;
    Ok((format, parse(text, format, file)?))
}

/// Writes `history` in `format`. Porcupine's etcd logs are read only: asking for one is an
/// [`io::ErrorKind::InvalidInput`] error.
pub fn write(history: &History, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Jsonl => jsonl::write(history, out),
        Format::Edn => edn::write(history, out),
        Format::Plume => plume::write(history, out),
        Format::Awdit => awdit::write(history, out),
        Format::PorcupineEtcd => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the porcupine-etcd format is read only; write jsonl or edn instead",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_parse_case_insensitively() {
        for (name, format) in [
            ("jsonl", Format::Jsonl),
            ("JSON", Format::Jsonl),
            ("native", Format::Jsonl),
            ("edn", Format::Edn),
            ("jepsen", Format::Edn),
            ("porcupine-etcd", Format::PorcupineEtcd),
            ("porcupine", Format::PorcupineEtcd),
        ] {
            assert_eq!(Format::from_name(name), Some(format), "{name}");
        }
        assert_eq!(Format::from_name("xml"), None);
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
        }
    }

    #[test]
    fn extensions_suggest_formats() {
        let f = |p: &str| Format::from_extension(Path::new(p));
        assert_eq!(f("a/history.jsonl"), Some(Format::Jsonl));
        assert_eq!(f("h.JSON"), Some(Format::Jsonl));
        assert_eq!(f("history.edn"), Some(Format::Edn));
        assert_eq!(f("etcd_000.log"), Some(Format::PorcupineEtcd));
        assert_eq!(f("c01-ok.txt"), None);
        assert_eq!(f("noext"), None);
    }

    #[test]
    fn porcupine_logs_cannot_be_written() {
        assert!(!Format::PorcupineEtcd.can_write());
        assert!(Format::Jsonl.can_write() && Format::Edn.can_write());
        let err = write(&History::default(), Format::PorcupineEtcd, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("read only"), "{err}");
    }

    #[test]
    fn empty_input_is_an_empty_history_in_every_format() {
        for format in Format::ALL {
            assert_eq!(
                parse(b"", format, None).unwrap(),
                History::default(),
                "{format}"
            );
            assert_eq!(
                parse(b"\n\r\n  \n", format, None).unwrap(),
                History::default()
            );
        }
    }

    #[test]
    fn unknown_format_error_quotes_the_first_line() {
        let err = parse_detect(b"\n\nhello world\n", None).unwrap_err();
        assert!(matches!(err, HistoryError::UnknownFormat { .. }), "{err}");
        assert!(err.to_string().contains("\"hello world\""), "{err}");
    }
}
