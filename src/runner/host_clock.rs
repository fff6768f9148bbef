//! Clock faults for reference nodes (`--node NAME`), whose clocks their node host owns: each node
//! runs `splitbrain node NAME --clock <store>/clock/nX`, arms and fires its protocol's timers on
//! its own virtual clock ([`crate::node::VirtualClock`]), and looks at that file every 2 ms. The
//! harness sets a clock by renaming a new [`ClockSetting`] (`GENERATION OFFSET_MS RATE`) over the
//! file ([`set`]); the node applies it and writes what it applied beside it
//! (`nX.applied`: the generation, the offset measured on its clock, the rate), which is the
//! evidence. No libfaketime, no `LD_PRELOAD`: any build of the node works, static ones too, and
//! every kind of clock fault (bump, strobe, rate) is exact per node.
//!
//! I/O: files and a short wait for the read-back.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::history::Value;
use crate::node::{ClockFile, ClockSetting};
use crate::runner::effect::Effect;

/// A read-back offset within this much of the one asked for is the one asked for (the node
/// measures it right after applying it; the slack covers rounding and a slow poll).
const TOLERANCE_MS: i64 = 5;

/// Node `node`'s clock file in `dir` (`<store>/clock`).
pub fn file(dir: &Path, node: &str) -> PathBuf {
    dir.join(node)
}

/// The words that make a reference node's host own its clock, set through its file in `dir`
/// (created at the real time if absent; a restarted node keeps the setting in force).
pub fn node_args(dir: &Path, node: &str) -> std::io::Result<Vec<String>> {
    fs::create_dir_all(dir)?;
    let file = file(dir, node);
    if !file.exists() {
        write(&file, ClockSetting::REAL)?;
    }
    Ok(vec!["--clock".into(), file.display().to_string()])
}

/// Writes `setting` to `file` atomically (a temporary file renamed over it).
pub fn write(file: &Path, setting: ClockSetting) -> std::io::Result<()> {
    let tmp = file.with_extension("tmp");
    fs::write(&tmp, setting.render())?;
    fs::rename(&tmp, file)
}

/// What a node wrote back: `(generation, offset_ms, rate)`, if it has written anything.
pub fn read_applied(file: &Path) -> Option<(u64, i64, f64)> {
    let text = fs::read_to_string(ClockFile::applied_path(file)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some((
        v["generation"].as_u64()?,
        v["offset_ms"].as_i64()?,
        v["rate"].as_f64()?,
    ))
}

/// Sets the clock behind `file` to `setting` and waits up to `wait` for the node to write back
/// that it applied it; the effect: the offset and rate read back (taken when they are the ones
/// asked for).
pub fn set(file: &Path, setting: ClockSetting, wait: Duration) -> Effect {
    set_all(vec![(file.to_path_buf(), setting)], wait)
        .pop()
        .expect("one effect per setting")
}

/// [`set`] for several nodes at once: every file is written before any read-back is awaited,
/// so the nodes change clocks within a poll of each other. One effect per setting, in order.
pub fn set_all(settings: Vec<(PathBuf, ClockSetting)>, wait: Duration) -> Vec<Effect> {
    let mut evidence: Vec<Vec<(&str, Value)>> = Vec::new();
    let mut done: Vec<Option<Effect>> = Vec::new();
    for (file, setting) in &settings {
        let mut e = vec![("offset-ms", Value::Int(setting.offset_ms))];
        if setting.rate != 1.0 {
            e.push(("rate", Value::Float(setting.rate)));
        }
        match write(file, *setting) {
            Ok(()) => done.push(None),
            Err(err) => {
                e.push(("error", Value::str(err.to_string())));
                done.push(Some(Effect::missed(e.clone())));
            }
        }
        evidence.push(e);
    }
    let start = Instant::now();
    while done.iter().any(Option::is_none) {
        let late = start.elapsed() >= wait;
        for (k, (file, setting)) in settings.iter().enumerate() {
            if done[k].is_some() {
                continue;
            }
            let mut e = evidence[k].clone();
            match read_applied(file) {
                Some((generation, offset, rate)) if generation >= setting.generation => {
                    e.push(("read-back-ms", Value::Int(offset)));
                    e.push(("read-back-rate", Value::Float(rate)));
                    let took = generation == setting.generation
                        && (offset - setting.offset_ms).abs() <= TOLERANCE_MS
                        && rate == setting.rate;
                    done[k] = Some(if took {
                        Effect::took(e)
                    } else {
                        Effect::missed(e)
                    });
                }
                _ if late => {
                    e.push((
                        "error",
                        Value::str(format!(
                            "the node did not read its clock file back within {} ms (down or \
                             stopped?)",
                            wait.as_millis()
                        )),
                    ));
                    done[k] = Some(Effect::missed(e));
                }
                _ => {}
            }
        }
        if done.iter().any(Option::is_none) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    done.into_iter()
        .map(|e| e.expect("every setting judged"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_nobody_reads_back_is_missed_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path(), "n0");
        let s = ClockSetting {
            generation: 1,
            offset_ms: 300,
            rate: 1.0,
        };
        let e = set(&f, s, Duration::from_millis(20));
        assert_eq!(e.took, Some(false));
        assert_eq!(
            ClockSetting::parse(&fs::read_to_string(&f).unwrap()).unwrap(),
            s
        );
    }
}
