//! History file formats: detection, reading, writing.
//!
//! | format | read | write | what it is |
//! |---|---|---|---|
//! | `jsonl` | yes | yes | native: one JSON object per line, Jepsen's op-map fields |
//! | `edn` | yes | yes | Jepsen's `history.edn` (and Porcupine's kv logs, which are EDN maps) |
//! | `porcupine-etcd` | yes | no | the `INFO  jepsen.util - ...` etcd logs in Porcupine's test data |
//!
//! PLACEHOLDER: implemented by the formats work (jsonl.rs, edn.rs, porcupine.rs).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::{Event, History, HistoryError, Op, Pairer};

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Native JSON lines.
    Jsonl,
    /// Jepsen EDN.
    Edn,
    /// Porcupine's etcd Jepsen logs (read only).
    PorcupineEtcd,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 3] = [Format::Jsonl, Format::Edn, Format::PorcupineEtcd];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Edn => "edn",
            Format::PorcupineEtcd => "porcupine-etcd",
        }
    }
}

/// Calls `sink` with every event of the file at `path`, in order, without holding them all.
pub fn for_each_event(
    path: &Path,
    format: Option<Format>,
    sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<Format, HistoryError> {
    let _ = (path, format, sink);
    unimplemented!("formats work")
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

/// Reads a history's operations, pairing as it goes.
pub fn read_ops(path: &Path, format: Option<Format>) -> Result<(Format, Vec<Op>), HistoryError> {
    let file: Arc<Path> = path.into();
    let mut pairer = Pairer::new(Some(file));
    let format = for_each_event(path, format, &mut |e| pairer.push(e))?;
    Ok((format, pairer.finish()))
}

/// Parses a history held in memory; errors name `file` when given.
pub fn parse(
    text: &[u8],
    format: Format,
    file: Option<Arc<Path>>,
) -> Result<History, HistoryError> {
    let _ = (text, format, file);
    unimplemented!("formats work")
}

/// Writes `history` in `format`.
pub fn write(history: &History, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = (history, format, out);
    unimplemented!("formats work")
}
