//! Clock faults for real processes, per node and without root: each node runs with libfaketime
//! preloaded (`LD_PRELOAD`), reading its offset from a file of its own
//! (`FAKETIME_TIMESTAMP_FILE=<store>/clock/nX`, `+0` at start) with the cache off
//! (`FAKETIME_NO_CACHE=1`), so rewriting the file (a temporary file renamed over it) moves the
//! node's clock at once. libfaketime fakes `CLOCK_REALTIME` and `CLOCK_MONOTONIC` alike, so timers
//! built on the monotonic clock (tokio's, a JVM's) jump too.
//!
//! It works for every dynamically linked program that reads the time through libc (Python, the
//! reference nodes, Redis, a JVM). It cannot move the clock of a Go program (Go reads the clock
//! through the vDSO, never libc) nor of a statically linked one (nothing to preload into): those
//! are refused before anything starts ([`refusal`]).
//!
//! Evidence that a bump took effect ([`bump`]): the offset read back by running `date +%s%N`
//! under the node's own environment, compared with the real clock; and, where the pid is known,
//! libfaketime seen mapped in the node's process (`/proc/PID/maps`).
//!
//! - the ELF classification ([`classify`]) is pure; the rest is file and process I/O.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::history::Value;
use crate::runner::effect::Effect;

/// Where Debian, Ubuntu and a source install put libfaketime.
pub const LIBFAKETIME: [&str; 4] = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
];

/// The section that holds a Go binary's build information (it starts `\xff Go buildinf:`).
const GO_BUILDINFO: &[u8] = b".go.buildinfo";

/// A read-back offset within this much of the one written (plus the read's own duration) is
/// the offset written.
const TOLERANCE_MS: i64 = 50;

/// libfaketime on this machine, or why clock faults cannot run here.
pub fn libfaketime() -> Result<PathBuf, String> {
    LIBFAKETIME
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| {
            format!(
                "clock faults preload libfaketime, which is not installed (looked in {}); \
                 install it with `apt-get install faketime`",
                LIBFAKETIME.join(", ")
            )
        })
}

/// What kind of program a file is, for libfaketime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binary {
    /// A dynamically linked ELF (an interpreter, `PT_INTERP`), not Go: libfaketime works.
    Dynamic,
    /// A Go program: it reads the clock through the vDSO; libfaketime cannot move it.
    Go,
    /// A statically linked ELF: nothing can be preloaded.
    Static,
    /// A script: the interpreter named by its `#!` line (`/usr/bin/env python3` → `python3`).
    Script(String),
    /// Neither an ELF nor a script.
    Other,
}

/// Classifies a program from its bytes (pure).
pub fn classify(bytes: &[u8]) -> Binary {
    if let Some(rest) = bytes.strip_prefix(b"#!") {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let mut words = line.split_whitespace();
        let mut interpreter = words.next().unwrap_or_default();
        if interpreter.ends_with("/env") {
            interpreter = words.find(|w| !w.starts_with('-')).unwrap_or_default();
        }
        return Binary::Script(interpreter.to_string());
    }
    if !bytes.starts_with(b"\x7fELF") || bytes.len() < 0x40 {
        return Binary::Other;
    }
    let elf = Elf(bytes);
    if elf
        .section_names()
        .is_some_and(|names| names.contains(&GO_BUILDINFO))
    {
        return Binary::Go;
    }
    if elf.has_interp().unwrap_or(false) {
        Binary::Dynamic
    } else {
        Binary::Static
    }
}

/// An ELF file's bytes (either class, either byte order).
struct Elf<'a>(&'a [u8]);

impl Elf<'_> {
    fn wide(&self) -> bool {
        self.0[4] == 2
    }

    /// The unsigned integer of `len` bytes at `at` (`None`: past the end).
    fn int(&self, at: u64, len: usize) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let bytes = self.0.get(at..at.checked_add(len)?)?;
        let little = self.0[5] == 1;
        Some((0..len).fold(0u64, |v, i| {
            let byte = if little { bytes[len - 1 - i] } else { bytes[i] };
            (v << 8) | u64::from(byte)
        }))
    }

    /// A header field: at `wide_at` (`len` 8 or 2) in ELF64, at `narrow_at` (4 or 2) in ELF32.
    fn field(&self, wide_at: u64, narrow_at: u64, len: usize) -> Option<u64> {
        if self.wide() {
            self.int(wide_at, len)
        } else {
            self.int(narrow_at, len.min(4))
        }
    }

    /// Whether a `PT_INTERP` program header is present (`None`: malformed).
    fn has_interp(&self) -> Option<bool> {
        let phoff = self.field(0x20, 0x1C, 8)?;
        let phentsize = self.field(0x36, 0x2A, 2)?;
        let phnum = self.field(0x38, 0x2C, 2)?;
        for i in 0..phnum {
            if self.int(phoff + i * phentsize, 4)? == 3 {
                return Some(true);
            }
        }
        Some(false)
    }

    /// Where the section headers are: `(offset, length)`.
    fn section_headers(&self) -> Option<(u64, u64)> {
        let shoff = self.field(0x28, 0x20, 8)?;
        let shentsize = self.field(0x3A, 0x2E, 2)?;
        let shnum = self.field(0x3C, 0x30, 2)?;
        (shoff != 0).then_some((shoff, shentsize.checked_mul(shnum)?))
    }

    /// Where the section names are: `(offset, length)` (the section headers must be read).
    fn section_name_table(&self) -> Option<(u64, u64)> {
        let (shoff, _) = self.section_headers()?;
        let shentsize = self.field(0x3A, 0x2E, 2)?;
        let shstrndx = self.field(0x3E, 0x32, 2)?;
        let header = shoff + shstrndx * shentsize;
        let (at, size_at, len) = if self.wide() {
            (0x18, 0x20, 8)
        } else {
            (0x10, 0x14, 4)
        };
        Some((
            self.int(header + at, len)?,
            self.int(header + size_at, len)?,
        ))
    }

    /// The names of the sections (`None`: no section headers, or malformed).
    fn section_names(&self) -> Option<Vec<&[u8]>> {
        let shoff = self.field(0x28, 0x20, 8)?;
        let shentsize = self.field(0x3A, 0x2E, 2)?;
        let shnum = self.field(0x3C, 0x30, 2)?;
        let shstrndx = self.field(0x3E, 0x32, 2)?;
        if shoff == 0 || shstrndx >= shnum {
            return None;
        }
        let (off_at, off_len) = if self.wide() { (0x18, 8) } else { (0x10, 4) };
        let strtab = self.int(shoff + shstrndx * shentsize + off_at, off_len)?;
        let mut names = Vec::new();
        for i in 0..shnum {
            let name = self.int(shoff + i * shentsize, 4)?;
            let start = usize::try_from(strtab + name).ok()?;
            let rest = self.0.get(start..)?;
            names.push(&rest[..memchr::memchr(0, rest).unwrap_or(rest.len())]);
        }
        Some(names)
    }
}

/// What [`classify`] reads of a program beyond its first [`HEAD`] bytes, for reading no more of
/// a program on another host than that: given what has been read so far (`image`, zeros where
/// nothing was read), the next `(offset, length)` to read — the section headers, then the
/// section names — or `None` when nothing more is needed.
pub fn next_region(image: &[u8]) -> Option<(u64, u64)> {
    if !image.starts_with(b"\x7fELF") || image.len() < 0x40 {
        return None;
    }
    let elf = Elf(image);
    let (shoff, len) = elf.section_headers()?;
    let missing = |(at, len): (u64, u64)| {
        let start = usize::try_from(at).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        let bytes = image.get(start..end.min(image.len()))?;
        bytes.iter().all(|&b| b == 0).then_some((at, len))
    };
    missing((shoff, len)).or_else(|| missing(elf.section_name_table()?))
}

/// How much of a program's start [`classify`] reads (ELF header and program headers, or a
/// script's `#!` line).
pub const HEAD: usize = 4096;

/// Why libfaketime cannot move `program`'s clock (`None`: it can, or the program cannot be
/// found here, in which case the read-back and `/proc/PID/maps` judge). `program` is a path or
/// a name looked up in `PATH`; a script is judged by its interpreter.
pub fn refusal(program: &str) -> Option<String> {
    refusal_by(program, |name| {
        let path = resolve(name)?;
        let bytes = fs::read(&path).ok()?;
        Some((path.display().to_string(), classify(&bytes)))
    })
}

/// [`refusal`] with `look` finding a program by name and classifying it (here, or on a host
/// over ssh): `(its path, what it is)`, `None` when it cannot be found or read.
pub fn refusal_by(
    program: &str,
    mut look: impl FnMut(&str) -> Option<(String, Binary)>,
) -> Option<String> {
    let mut name = program.to_string();
    for _ in 0..4 {
        let (path, binary) = look(&name)?;
        match binary {
            Binary::Go => {
                return Some(format!(
                    "{path} is a Go program: Go reads the clock through the vDSO, never libc, \
                     so libfaketime cannot move its clock"
                ))
            }
            Binary::Static => {
                return Some(format!(
                    "{path} is statically linked: libfaketime cannot be preloaded into it"
                ))
            }
            Binary::Script(interpreter) if !interpreter.is_empty() => name = interpreter,
            _ => return None,
        }
    }
    None
}

/// Whether clock faults can run on `program` here: libfaketime installed, and the program (or
/// its script's interpreter) one that reads the time through libc.
pub fn check(program: &str) -> Result<(), crate::runner::RunError> {
    libfaketime().map_err(crate::runner::RunError::Clock)?;
    match refusal(program) {
        Some(why) => Err(crate::runner::RunError::Clock(why)),
        None => Ok(()),
    }
}

/// Refuses a clock rate for programs whose clock libfaketime moves: libfaketime 0.9.10 counts a
/// rate (`+0 x2`) from the process's start, so setting one mid-run also steps the clock by
/// (rate − 1) × the process's age (measured: a process 1 s old set to `x2` jumped 1.64 s ahead).
/// Reference nodes on the router own their clocks and take every kind.
pub fn refuse_rate(
    faults: &[crate::runner::nemesis::ClockFault],
) -> Result<(), crate::runner::RunError> {
    if faults.contains(&crate::runner::nemesis::ClockFault::Rate) {
        return Err(crate::runner::RunError::Clock(
            "--clock-faults rate needs a clock the harness owns (a reference node, --node NAME, \
             on the router): libfaketime counts a rate from the process's start, so a rate set \
             mid-run would also step the clock by (rate - 1) x the process's age"
                .into(),
        ));
    }
    Ok(())
}

/// `name` as a path: itself when it has a `/`, else the first match in `PATH`.
fn resolve(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Node `node`'s timestamp file in `dir` (`<store>/clock`).
pub fn file(dir: &Path, node: &str) -> PathBuf {
    dir.join(node)
}

/// The environment node `node` starts with: libfaketime preloaded, reading its offset from its
/// file in `dir` (created at `+0` if absent, so a restarted node keeps its skew).
pub fn node_env(dir: &Path, node: &str, lib: &Path) -> io::Result<Vec<(String, String)>> {
    fs::create_dir_all(dir)?;
    let file = file(dir, node);
    if !file.exists() {
        write_offset(&file, 0)?;
    }
    Ok(faketime_env(
        &lib.display().to_string(),
        &file.display().to_string(),
    ))
}

/// The variables that preload libfaketime `lib` reading its offset from `file`, uncached.
pub fn faketime_env(lib: &str, file: &str) -> Vec<(String, String)> {
    vec![
        ("LD_PRELOAD".into(), lib.into()),
        ("FAKETIME_TIMESTAMP_FILE".into(), file.into()),
        ("FAKETIME_NO_CACHE".into(), "1".into()),
    ]
}

/// libfaketime's spelling of an offset: signed seconds with milliseconds (`+0.250`, `-2.500`).
pub fn spell(offset_ms: i64) -> String {
    let sign = if offset_ms < 0 { '-' } else { '+' };
    let abs = offset_ms.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

/// Writes `offset_ms` to `file` atomically (a temporary file renamed over it), so a node never
/// reads half an offset.
pub fn write_offset(file: &Path, offset_ms: i64) -> io::Result<()> {
    let tmp = file.with_extension("tmp");
    fs::write(&tmp, format!("{}\n", spell(offset_ms)))?;
    fs::rename(&tmp, file)
}

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// The offset node `node`'s clock shows, in ms: `date +%s%N` run under its environment,
/// against the real clock read around it; with the read's uncertainty (half its duration).
pub fn read_back(dir: &Path, node: &str, lib: &Path) -> Result<(i64, i64), String> {
    let env = node_env(dir, node, lib).map_err(|e| e.to_string())?;
    let before = now_ns();
    let out = Command::new("date")
        .arg("+%s%N")
        .envs(env)
        .output()
        .map_err(|e| format!("date: {e}"))?;
    let after = now_ns();
    let shown: i128 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("date printed {:?}", String::from_utf8_lossy(&out.stdout)))?;
    Ok(offset_seen(before, shown, after))
}

/// The offset in ms a clock showing `shown` (ns) has, read between the real clock's `before`
/// and `after`; with the read's uncertainty (half its duration).
pub fn offset_seen(before: i128, shown: i128, after: i128) -> (i64, i64) {
    let offset = (shown - (before + after) / 2) / 1_000_000;
    let spread = (after - before) / 2_000_000;
    (offset as i64, spread as i64)
}

/// Whether process `pid` has libfaketime mapped (`None`: the process is gone).
pub fn mapped(pid: i32) -> Option<bool> {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    Some(maps.contains("libfaketime"))
}

/// Sets node `node`'s clock `offset_ms` off the real one; the effect: the offset read back
/// (taken when it is the one written) and, given the node's `pid`, libfaketime seen mapped in
/// it (a process without it has a real clock: missed).
pub fn bump(dir: &Path, node: &str, lib: &Path, offset_ms: i64, pid: Option<i32>) -> Effect {
    if let Err(e) = write_offset(&file(dir, node), offset_ms) {
        return Effect::missed(vec![
            ("offset-ms", Value::Int(offset_ms)),
            ("error", Value::str(e.to_string())),
        ]);
    }
    judge_bump(offset_ms, read_back(dir, node, lib), pid.map(mapped))
}

/// Whether a bump to `offset_ms` took: the offset `read` back `(offset, spread)` is the one
/// written, and (when the node's process was looked at: `Some`) libfaketime is mapped in it
/// (`Some(None)`: the process is gone).
pub fn judge_bump(
    offset_ms: i64,
    read: Result<(i64, i64), String>,
    mapped: Option<Option<bool>>,
) -> Effect {
    let mut evidence = vec![("offset-ms", Value::Int(offset_ms))];
    let mut took = match read {
        Ok((seen, spread)) => {
            evidence.push(("read-back-ms", Value::Int(seen)));
            (seen - offset_ms).abs() <= TOLERANCE_MS + spread
        }
        Err(e) => {
            evidence.push(("error", Value::str(e)));
            false
        }
    };
    if let Some(seen) = mapped {
        evidence.push((
            "libfaketime-mapped",
            seen.map_or(Value::str("process gone"), Value::Bool),
        ));
        took &= seen == Some(true);
    }
    if took {
        Effect::took(evidence)
    } else {
        Effect::missed(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian ELF64 with two program headers (the second `PT_INTERP` when `interp`)
    /// and two sections, the second named `section`.
    fn elf64(interp: bool, section: &str) -> Vec<u8> {
        let mut b = vec![0u8; 0x40 + 2 * 0x38];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[0x20] = 0x40; // e_phoff
        b[0x36] = 0x38; // e_phentsize
        b[0x38] = 2; // e_phnum
        b[0x40] = 1; // PT_LOAD
        b[0x40 + 0x38] = if interp { 3 } else { 1 };
        // The names, then the section headers: [0] the names (.shstrtab), [1] `section`.
        let strtab = b.len() as u64;
        let names = format!(".shstrtab\0{section}\0");
        b.extend_from_slice(names.as_bytes());
        let shoff = b.len() as u64;
        b[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        b[0x3A] = 0x40; // e_shentsize
        b[0x3C] = 2; // e_shnum
        b[0x3E] = 0; // e_shstrndx
        for name in [0u32, 10] {
            let mut sh = vec![0u8; 0x40];
            sh[..4].copy_from_slice(&name.to_le_bytes());
            sh[0x18..0x20].copy_from_slice(&strtab.to_le_bytes());
            b.extend_from_slice(&sh);
        }
        b
    }

    #[test]
    fn an_elf_with_an_interpreter_is_dynamic_and_one_without_is_static() {
        assert_eq!(classify(&elf64(true, ".text")), Binary::Dynamic);
        assert_eq!(classify(&elf64(false, ".text")), Binary::Static);
    }

    #[test]
    fn a_go_buildinfo_section_makes_a_dynamic_elf_a_go_program() {
        assert_eq!(classify(&elf64(true, ".go.buildinfo")), Binary::Go);
        let mut b = elf64(true, ".rodata");
        b.extend_from_slice(b"\xff Go buildinf:");
        assert_eq!(
            classify(&b),
            Binary::Dynamic,
            "the magic alone, as data, is not Go"
        );
    }

    #[test]
    fn this_test_binary_is_dynamic_and_etcd_if_installed_is_go() {
        let me = std::env::current_exe().unwrap();
        assert_eq!(classify(&fs::read(me).unwrap()), Binary::Dynamic);
        if let Ok(etcd) = fs::read("/usr/bin/etcd") {
            assert_eq!(classify(&etcd), Binary::Go);
        }
    }

    #[test]
    fn a_script_is_judged_by_its_interpreter() {
        assert_eq!(
            classify(b"#!/usr/bin/env python3\nprint(1)\n"),
            Binary::Script("python3".into())
        );
        assert_eq!(
            classify(b"#!/bin/sh -e\n"),
            Binary::Script("/bin/sh".into())
        );
        assert_eq!(classify(b"hello"), Binary::Other);
    }

    #[test]
    fn offsets_are_spelled_as_signed_seconds() {
        assert_eq!(spell(0), "+0.000");
        assert_eq!(spell(250), "+0.250");
        assert_eq!(spell(-2500), "-2.500");
        assert_eq!(spell(10_001), "+10.001");
    }

    #[test]
    fn a_fake_go_program_is_refused_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let go = dir.path().join("gonode");
        fs::write(&go, elf64(true, ".go.buildinfo")).unwrap();
        let why = refusal(go.to_str().unwrap()).expect("refused");
        assert!(why.contains("Go program"), "{why}");
        let script = dir.path().join("node.sh");
        fs::write(&script, format!("#!{}\n", go.display())).unwrap();
        assert!(refusal(script.to_str().unwrap()).is_some(), "via its #!");
    }

    #[test]
    fn a_bump_is_read_back_under_libfaketime() {
        let Ok(lib) = libfaketime() else {
            return; // not installed here: nothing to read back
        };
        let dir = tempfile::tempdir().unwrap();
        for offset in [1500, -3000, 0] {
            let e = bump(dir.path(), "n0", &lib, offset, None);
            assert_eq!(e.took, Some(true), "{e:?}");
        }
    }
}
