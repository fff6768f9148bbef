//! Jepsen EDN (stub while the reader is written).
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::history::{Event, History, HistoryError};

pub(super) fn read(
    _text: &[u8],
    _file: Option<&Arc<Path>>,
    _sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
) -> Result<(), HistoryError> {
    Ok(())
}

pub(super) fn write(_history: &History, _out: &mut dyn Write) -> io::Result<()> {
    Ok(())
}
