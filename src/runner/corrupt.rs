//! File corruption, Jepsen's way: while a node is down, one of the files of its data directory
//! gets a flipped bit or is truncated. The file, the offset and the mode come from a seed, so a
//! replay corrupts the same place of the same file (given the same files); the change is read
//! back, and that read is the evidence it took effect.
//!
//! Only a minority of nodes is ever corrupted at once (the schedule sees to it): a correct
//! system that checksums its files and recovers from its peers survives, as Jepsen requires.

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::history::Value;
use crate::runner::effect::Effect;

/// How a file is damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One bit of one byte flipped.
    BitFlip,
    /// The file cut short at a random length below its size.
    Truncate,
}

/// Corrupts one non-empty regular file below `dir`, chosen by `seed`; the effect names the file
/// (relative to `dir`), the mode and what was read back. A directory with no such file is an
/// effect that missed (nothing to corrupt).
pub fn corrupt(dir: &Path, seed: u64) -> Effect {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.retain(|(_, len)| *len > 0);
    files.sort();
    if files.is_empty() {
        return Effect::missed(vec![("file", Value::str("no non-empty file to corrupt"))]);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (path, len) = files[rng.gen_range(0..files.len())].clone();
    let mode = if rng.gen_bool(0.5) {
        Mode::BitFlip
    } else {
        Mode::Truncate
    };
    let shown = path
        .strip_prefix(dir)
        .unwrap_or(&path)
        .display()
        .to_string();
    let result = match mode {
        Mode::BitFlip => flip(&path, rng.gen_range(0..len), rng.gen_range(0..8)),
        Mode::Truncate => truncate(&path, rng.gen_range(0..len)),
    };
    match result {
        Ok(mut evidence) => {
            evidence.insert(0, ("file", Value::str(shown)));
            Effect::took(evidence)
        }
        Err(e) => Effect::missed(vec![
            ("file", Value::str(shown)),
            ("error", Value::str(e.to_string())),
        ]),
    }
}

/// Regular files below `dir` with their sizes (links are not followed), except the input
/// journal a reference node keeps for `splitbrain validate`: the node never reads it, so
/// damaging it would claim a fault the node never felt and destroy the validator's evidence.
fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), out);
        } else if kind.is_file() && entry.file_name() != crate::node::JOURNAL_FILE {
            if let Ok(meta) = entry.metadata() {
                out.push((entry.path(), meta.len()));
            }
        }
    }
}

/// Flips bit `bit` of the byte at `offset`; the evidence: the offset and the byte before and
/// after, as read back.
fn flip(path: &Path, offset: u64, bit: u8) -> std::io::Result<Vec<(&'static str, Value)>> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let mut byte = [0u8];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut byte)?;
    let before = byte[0];
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(&[before ^ (1 << bit)])?;
    file.sync_all()?;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut byte)?;
    if byte[0] == before {
        return Err(std::io::Error::other("the byte read back is unchanged"));
    }
    Ok(vec![
        ("mode", Value::str("bitflip")),
        ("offset", Value::Int(offset as i64)),
        ("before", Value::Int(i64::from(before))),
        ("after", Value::Int(i64::from(byte[0]))),
    ])
}

/// Cuts the file to `len` bytes; the evidence: the sizes before and after, as read back.
fn truncate(path: &Path, len: u64) -> std::io::Result<Vec<(&'static str, Value)>> {
    let before = fs::metadata(path)?.len();
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(len)?;
    file.sync_all()?;
    let after = fs::metadata(path)?.len();
    if after >= before {
        return Err(std::io::Error::other("the file is no shorter"));
    }
    Ok(vec![
        ("mode", Value::str("truncate")),
        ("size-before", Value::Int(before as i64)),
        ("size-after", Value::Int(after as i64)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        dir
    }

    fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        walk(dir, &mut files);
        files.sort();
        files
            .into_iter()
            .map(|(p, _)| (p.display().to_string(), fs::read(&p).unwrap()))
            .collect()
    }

    #[test]
    fn a_bit_flip_changes_one_bit_and_a_truncation_shortens_one_file() {
        for seed in 0..40 {
            let dir = dir_with(&[
                ("log", b"0123456789"),
                ("sub/state", b"abcdef"),
                ("empty", b""),
            ]);
            let before = contents(dir.path());
            let effect = corrupt(dir.path(), seed);
            assert_eq!(effect.took, Some(true), "{effect:?}");
            let after = contents(dir.path());
            let changed: Vec<_> = before.iter().zip(&after).filter(|(a, b)| a != b).collect();
            assert_eq!(changed.len(), 1, "seed {seed}: exactly one file changes");
            let ((_, old), (_, new)) = changed[0];
            let mode = effect.value().to_string();
            if mode.contains("bitflip") {
                assert_eq!(old.len(), new.len());
                let bits: u32 = old.iter().zip(new).map(|(a, b)| (a ^ b).count_ones()).sum();
                assert_eq!(bits, 1, "seed {seed}");
            } else {
                assert!(new.len() < old.len() && old.starts_with(new), "seed {seed}");
            }
        }
    }

    #[test]
    fn the_same_seed_corrupts_the_same_place() {
        let a = dir_with(&[("x", b"hello world"), ("y", b"another file")]);
        let b = dir_with(&[("x", b"hello world"), ("y", b"another file")]);
        assert_eq!(corrupt(a.path(), 7), corrupt(b.path(), 7));
        assert_eq!(
            contents(a.path())
                .into_iter()
                .map(|f| f.1)
                .collect::<Vec<_>>(),
            contents(b.path())
                .into_iter()
                .map(|f| f.1)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_reference_node_journal_is_never_corrupted() {
        let dir = dir_with(&[(crate::node::JOURNAL_FILE, b"{\"m\":0}\n")]);
        let before = contents(dir.path());
        for seed in 0..20 {
            assert_eq!(corrupt(dir.path(), seed).took, Some(false));
        }
        assert_eq!(contents(dir.path()), before);
    }

    #[test]
    fn a_directory_without_data_is_an_effect_that_missed() {
        let dir = dir_with(&[("empty", b"")]);
        assert_eq!(corrupt(dir.path(), 1).took, Some(false));
        assert_eq!(corrupt(&dir.path().join("absent"), 1).took, Some(false));
    }
}
