//! [`Inodes`]: the lazy filesystem's inode numbers and the backing paths they stand for. FUSE
//! numbers its inodes itself (1 is the root); each backing file (its device and inode) gets one
//! number for as long as the mount lives, so a file keeps its number — and its held writes —
//! across renames. Pure: the FUSE layer tells it what the backing filesystem did.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The root's number (FUSE's).
pub const ROOT: u64 = 1;

/// Inode numbers ↔ paths relative to the backing directory.
#[derive(Debug)]
pub struct Inodes {
    paths: HashMap<u64, PathBuf>,
    numbers: HashMap<(u64, u64), u64>,
    next: u64,
}

impl Inodes {
    /// A table that knows only the root, the backing file `root_key` (device, inode).
    pub fn new(root_key: (u64, u64)) -> Inodes {
        Inodes {
            paths: HashMap::from([(ROOT, PathBuf::new())]),
            numbers: HashMap::from([(root_key, ROOT)]),
            next: ROOT + 1,
        }
    }

    /// The number of the backing file `key`, now found at `path` (numbered on first sight).
    pub fn intern(&mut self, key: (u64, u64), path: &Path) -> u64 {
        let ino = *self.numbers.entry(key).or_insert_with(|| {
            self.next += 1;
            self.next - 1
        });
        if ino != ROOT {
            self.paths.insert(ino, path.to_path_buf());
        }
        ino
    }

    /// Where inode `ino` was last seen.
    pub fn path(&self, ino: u64) -> Option<&Path> {
        self.paths.get(&ino).map(PathBuf::as_path)
    }

    /// `from` was renamed to `to`: everything at or below `from` moves (a directory's children
    /// too); whatever was at `to` lost that name.
    pub fn renamed(&mut self, from: &Path, to: &Path) {
        self.paths.retain(|_, p| p != to);
        for p in self.paths.values_mut() {
            if let Ok(rest) = p.strip_prefix(from) {
                *p = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
            }
        }
    }

    /// The name `path` was removed; the inode that had it, if known.
    pub fn removed(&mut self, path: &Path) -> Option<u64> {
        let ino = self
            .paths
            .iter()
            .find_map(|(&i, p)| (p == path && i != ROOT).then_some(i))?;
        self.paths.remove(&ino);
        Some(ino)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_directory_takes_its_children_with_it() {
        let mut t = Inodes::new((1, 2));
        let dir = t.intern((1, 10), Path::new("wal.tmp"));
        let file = t.intern((1, 11), Path::new("wal.tmp/0.wal"));
        let other = t.intern((1, 12), Path::new("wal"));
        t.renamed(Path::new("wal.tmp"), Path::new("wal"));
        assert_eq!(t.path(dir), Some(Path::new("wal")));
        assert_eq!(t.path(file), Some(Path::new("wal/0.wal")));
        assert_eq!(t.path(other), None, "the replaced entry lost its name");
        assert_eq!(
            t.intern((1, 11), Path::new("wal/0.wal")),
            file,
            "same file, same number"
        );
    }

    #[test]
    fn a_removed_name_is_forgotten_and_the_root_stays() {
        let mut t = Inodes::new((1, 2));
        let f = t.intern((1, 5), Path::new("x"));
        assert_eq!(t.removed(Path::new("x")), Some(f));
        assert_eq!(t.path(f), None);
        assert_eq!(t.path(ROOT), Some(Path::new("")));
        assert_eq!(t.intern((1, 2), Path::new("")), ROOT);
    }
}
