//! [`ClockFile`]: the file a harness sets a node's clock through, and the read-back the host
//! writes beside it.
//!
//! The harness renames a new [`ClockSetting`] over the file (`GENERATION OFFSET_MS RATE`); the
//! node's event loop looks at it every [`POLL`] and, when its text changed, applies it and writes
//! what it applied to `FILE.applied` (renamed into place, one JSON object:
//! `{"generation":7,"offset_ms":-2500,"rate":1.0,"virtual_ms":…}`, the offset measured on the
//! clock itself after the change). The harness takes that read-back as the evidence that its
//! request took effect.
//!
//! Why a poll and not a signal: a file works the same on every backend (router, network
//! namespaces, ssh hosts) without knowing the node's pid, and a node that was down when the
//! harness wrote picks the setting up when it starts. A read of a file this small every 2 ms
//! costs a few microseconds (well under 1% of a core), and bounds the delay before a change
//! takes effect at 2 ms — below the clock strobe's shortest period (10 ms).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::virtual_clock::{ClockSetting, VirtualClock};

/// How often the event loop looks at the clock file.
pub const POLL: Duration = Duration::from_millis(2);

/// A node's clock file and what was last read from it.
#[derive(Debug)]
pub struct ClockFile {
    path: PathBuf,
    last: Option<String>,
}

impl ClockFile {
    /// The clock file at `path` (it need not exist yet: a missing file is the real clock).
    pub fn new(path: PathBuf) -> ClockFile {
        ClockFile { path, last: None }
    }

    /// The read-back file beside `path`.
    pub fn applied_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".applied");
        PathBuf::from(name)
    }

    /// A new setting, if the file's text changed since the last look (`Err`: the new text is
    /// not a setting, with why; it is not looked at again until it changes).
    pub fn changed(&mut self) -> Option<Result<ClockSetting, String>> {
        let text = fs::read_to_string(&self.path).ok()?;
        if self.last.as_deref() == Some(text.as_str()) {
            return None;
        }
        let parsed = ClockSetting::parse(&text)
            .map_err(|why| format!("clock file {}: {why}", self.path.display()));
        self.last = Some(text);
        Some(parsed)
    }

    /// Writes what `clock` applied, read at `now`, to the read-back file.
    pub fn write_applied(&self, clock: &VirtualClock, now: Instant) -> io::Result<()> {
        let setting = clock.setting();
        let text = serde_json::json!({
            "generation": setting.generation,
            "offset_ms": clock.offset_ms(now),
            "rate": setting.rate,
            "virtual_ms": (clock.at(now) / 1_000_000) as i64,
        })
        .to_string();
        let applied = ClockFile::applied_path(&self.path);
        let tmp = applied.with_extension("applied.tmp");
        fs::write(&tmp, text + "\n")?;
        fs::rename(&tmp, &applied)
    }
}
