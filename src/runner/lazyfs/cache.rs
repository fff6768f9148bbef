//! [`WriteCache`]: the lazy filesystem's page cache, pure (no files, no FUSE). Every write and
//! truncation a node makes is held here, in order, per file; a read sees the backing bytes with
//! the held operations laid over them; an fsync takes a file's operations out to be applied to
//! the backing file; a power failure ([`WriteCache::crash`]) keeps nothing, or (a torn tail) the
//! operations before a seeded cut, the one at the cut torn partway, and none after it — the
//! order a disk that writes back in order would leave.

use std::collections::HashMap;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A change to a file's contents that was not synced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `data` written at `offset`.
    Write {
        /// Where.
        offset: u64,
        /// What.
        data: Vec<u8>,
    },
    /// The file cut (or extended with zeros) to `len` bytes.
    Truncate {
        /// The new length.
        len: u64,
    },
}

impl Op {
    /// The bytes it writes (a truncation writes none).
    pub fn bytes(&self) -> u64 {
        match self {
            Op::Write { data, .. } => data.len() as u64,
            Op::Truncate { .. } => 0,
        }
    }
}

/// One file's unsynced operations, each with its place in the cache's global order.
#[derive(Clone, Debug, Default)]
struct Pending {
    /// The file's length as its readers see it (the backing length with the ops applied).
    len: u64,
    ops: Vec<(u64, Op)>,
}

/// How much of what was not synced a power failure loses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Everything (Jepsen's lazyfs `clear-cache`).
    All,
    /// The operations after a cut drawn from the seed; the operation at the cut is torn (a
    /// prefix of its bytes reaches the disk).
    TornTail(u64),
}

impl Loss {
    /// All, or a torn tail, drawn from `seed` (half and half).
    pub fn from_seed(seed: u64) -> Loss {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        if rng.gen_bool(0.5) {
            Loss::All
        } else {
            Loss::TornTail(rng.gen())
        }
    }

    /// Its name in the evidence.
    pub fn name(self) -> &'static str {
        match self {
            Loss::All => "all",
            Loss::TornTail(_) => "torn-tail",
        }
    }
}

/// What a power failure did: the operations that still reach the disk (per file, in order), and
/// what was lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Crash {
    /// Per file (its inode), the operations to apply to the backing file, in order.
    pub kept: Vec<(u64, Vec<Op>)>,
    /// Bytes written but not synced before the failure.
    pub unsynced_bytes: u64,
    /// Of those, the bytes that never reach the disk.
    pub dropped_bytes: u64,
    /// Operations (writes and truncations) that never reach the disk, whole or in part.
    pub dropped_ops: u64,
    /// Files that had unsynced operations.
    pub files: u64,
}

/// The unsynced writes of a mounted lazy filesystem, per file (inode).
#[derive(Debug, Default)]
pub struct WriteCache {
    files: HashMap<u64, Pending>,
    next: u64,
}

impl WriteCache {
    /// Holds a write of `data` at `offset` to file `ino`, whose backing file is `backing_len`
    /// bytes long (used when the file has nothing held yet).
    pub fn write(&mut self, ino: u64, backing_len: u64, offset: u64, data: &[u8]) {
        let end = offset + data.len() as u64;
        let file = self.file(ino, backing_len);
        file.len = file.len.max(end);
        self.push(
            ino,
            Op::Write {
                offset,
                data: data.to_vec(),
            },
        );
    }

    /// Holds a truncation of file `ino` to `len` bytes.
    pub fn truncate(&mut self, ino: u64, backing_len: u64, len: u64) {
        self.file(ino, backing_len).len = len;
        self.push(ino, Op::Truncate { len });
    }

    /// File `ino`'s length as readers see it, when something is held for it.
    pub fn len(&self, ino: u64) -> Option<u64> {
        self.files.get(&ino).map(|f| f.len)
    }

    /// Reads `size` bytes at `offset` of file `ino`, given `backing`: what the backing file holds
    /// from `offset` on (up to `size` bytes; shorter at its end). Holes read as zeros.
    pub fn read(&self, ino: u64, offset: u64, size: usize, backing: &[u8]) -> Vec<u8> {
        let Some(file) = self.files.get(&ino) else {
            return backing[..backing.len().min(size)].to_vec();
        };
        let n = file.len.saturating_sub(offset).min(size as u64) as usize;
        let mut buf = vec![0u8; n];
        let from_backing = backing.len().min(n);
        buf[..from_backing].copy_from_slice(&backing[..from_backing]);
        let window_end = offset + n as u64;
        for (_, op) in &file.ops {
            match op {
                Op::Write { offset: at, data } => {
                    let start = (*at).max(offset);
                    let end = (at + data.len() as u64).min(window_end);
                    if start < end {
                        let src = &data[(start - at) as usize..(end - at) as usize];
                        buf[(start - offset) as usize..(end - offset) as usize]
                            .copy_from_slice(src);
                    }
                }
                Op::Truncate { len } => {
                    if *len < window_end {
                        let from = len.saturating_sub(offset) as usize;
                        buf[from..].fill(0);
                    }
                }
            }
        }
        buf
    }

    /// Takes file `ino`'s operations out (an fsync): the caller applies them to the backing
    /// file, in order.
    pub fn take(&mut self, ino: u64) -> Vec<Op> {
        self.files
            .remove(&ino)
            .map(|f| f.ops.into_iter().map(|(_, op)| op).collect())
            .unwrap_or_default()
    }

    /// Forgets file `ino`'s operations (its last name was removed: nothing can read it again).
    pub fn forget(&mut self, ino: u64) {
        self.files.remove(&ino);
    }

    /// Bytes written and not yet synced.
    pub fn unsynced_bytes(&self) -> u64 {
        self.files
            .values()
            .flat_map(|f| &f.ops)
            .map(|(_, op)| op.bytes())
            .sum()
    }

    /// A power failure: what reaches the disk under `loss`, and what is lost. The cache is
    /// emptied.
    pub fn crash(&mut self, loss: Loss) -> Crash {
        let files = std::mem::take(&mut self.files);
        let mut all: Vec<(u64, u64, Op)> = files
            .iter()
            .flat_map(|(&ino, f)| f.ops.iter().map(move |(seq, op)| (*seq, ino, op.clone())))
            .collect();
        all.sort_by_key(|&(seq, ino, _)| (seq, ino));
        let mut crash = Crash {
            unsynced_bytes: all.iter().map(|(_, _, op)| op.bytes()).sum(),
            files: files.len() as u64,
            ..Crash::default()
        };
        let (cut, torn) = match loss {
            Loss::All => (0, None),
            Loss::TornTail(seed) => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let cut = rng.gen_range(0..=all.len());
                let torn = all.get(cut).map(|(_, _, op)| match op {
                    Op::Write { data, .. } => rng.gen_range(0..data.len().max(1)),
                    Op::Truncate { .. } => 0,
                });
                (cut, torn)
            }
        };
        let mut kept: Vec<(u64, Vec<Op>)> = Vec::new();
        let mut keep = |ino: u64, op: Op| match kept.iter_mut().find(|(i, _)| *i == ino) {
            Some((_, ops)) => ops.push(op),
            None => kept.push((ino, vec![op])),
        };
        for (i, (_, ino, op)) in all.into_iter().enumerate() {
            if i < cut {
                keep(ino, op);
                continue;
            }
            crash.dropped_ops += 1;
            match (op, torn) {
                (Op::Write { offset, data }, Some(prefix)) if i == cut && prefix > 0 => {
                    crash.dropped_bytes += (data.len() - prefix) as u64;
                    keep(
                        ino,
                        Op::Write {
                            offset,
                            data: data[..prefix].to_vec(),
                        },
                    );
                }
                (op, _) => crash.dropped_bytes += op.bytes(),
            }
        }
        crash.kept = kept;
        crash
    }

    fn file(&mut self, ino: u64, backing_len: u64) -> &mut Pending {
        self.files.entry(ino).or_insert_with(|| Pending {
            len: backing_len,
            ops: Vec::new(),
        })
    }

    fn push(&mut self, ino: u64, op: Op) {
        let seq = self.next;
        self.next += 1;
        self.file(ino, 0).ops.push((seq, op));
    }
}

/// Applies `ops` to `contents` (a file's bytes), in order: what the backing file holds after a
/// sync (the FUSE layer does the same with `pwrite` and `set_len`).
#[cfg(test)]
pub fn apply(contents: &mut Vec<u8>, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Write { offset, data } => {
                let (at, end) = (*offset as usize, *offset as usize + data.len());
                if contents.len() < end {
                    contents.resize(end, 0);
                }
                contents[at..end].copy_from_slice(data);
            }
            Op::Truncate { len } => contents.resize(*len as usize, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(cache: &WriteCache, ino: u64, backing: &[u8]) -> Vec<u8> {
        cache.read(ino, 0, 1 << 20, backing)
    }

    #[test]
    fn reads_see_unsynced_writes_over_the_backing_bytes() {
        let mut c = WriteCache::default();
        c.write(7, 5, 3, b"XYZ");
        assert_eq!(c.len(7), Some(6));
        assert_eq!(read_all(&c, 7, b"abcde"), b"abcXYZ");
        assert_eq!(c.read(7, 4, 1, b"e"), b"Y");
        assert_eq!(
            read_all(&c, 8, b"other"),
            b"other",
            "an untouched file reads through"
        );
    }

    #[test]
    fn a_truncation_then_an_extension_reads_zeros_in_between() {
        let mut c = WriteCache::default();
        c.truncate(1, 6, 2);
        c.write(1, 6, 4, b"!!");
        assert_eq!(read_all(&c, 1, b"abcdef"), b"ab\0\0!!");
        let mut disk = b"abcdef".to_vec();
        apply(&mut disk, &c.take(1));
        assert_eq!(disk, b"ab\0\0!!", "a sync leaves on disk what was read");
        assert_eq!(c.unsynced_bytes(), 0);
    }

    #[test]
    fn an_fsync_takes_one_file_and_leaves_the_others_unsynced() {
        let mut c = WriteCache::default();
        c.write(1, 0, 0, b"synced");
        c.write(2, 0, 0, b"held");
        assert_eq!(
            c.take(1),
            vec![Op::Write {
                offset: 0,
                data: b"synced".to_vec()
            }]
        );
        assert_eq!(c.unsynced_bytes(), 4);
        let crash = c.crash(Loss::All);
        assert_eq!((crash.dropped_bytes, crash.files), (4, 1));
        assert!(crash.kept.is_empty());
        assert_eq!(c.unsynced_bytes(), 0, "the cache is empty after a crash");
    }

    #[test]
    fn a_torn_tail_keeps_a_prefix_of_the_writes_in_order_and_drops_the_rest() {
        for seed in 0..200 {
            let mut c = WriteCache::default();
            for i in 0..4u8 {
                c.write(u64::from(i % 2), 0, u64::from(i) * 4, &[i; 4]);
            }
            let crash = c.crash(Loss::TornTail(seed));
            assert_eq!(crash.unsynced_bytes, 16);
            let kept: u64 = crash.kept.iter().flat_map(|(_, o)| o).map(Op::bytes).sum();
            assert_eq!(kept + crash.dropped_bytes, 16, "seed {seed}");
            // Kept writes are a prefix of the global order: write i survives (at least in
            // part) only if every earlier write survived whole.
            let mut kept_writes: Vec<(u64, usize)> = crash
                .kept
                .iter()
                .flat_map(|(_, ops)| ops)
                .map(|op| match op {
                    Op::Write { offset, data } => (*offset, data.len()),
                    Op::Truncate { .. } => unreachable!(),
                })
                .collect();
            kept_writes.sort();
            for (k, &(offset, len)) in kept_writes.iter().enumerate() {
                assert_eq!(
                    offset,
                    k as u64 * 4,
                    "seed {seed}: a gap in the kept prefix"
                );
                if k + 1 < kept_writes.len() {
                    assert_eq!(len, 4, "seed {seed}: only the last kept write is torn");
                }
            }
        }
    }

    #[test]
    fn the_same_seed_loses_the_same_bytes() {
        let crash = |seed| {
            let mut c = WriteCache::default();
            c.write(1, 0, 0, &[1; 100]);
            c.write(2, 0, 0, &[2; 100]);
            c.crash(Loss::from_seed(seed))
        };
        for seed in 0..20 {
            assert_eq!(crash(seed), crash(seed));
        }
        let modes: std::collections::BTreeSet<_> =
            (0..20).map(|s| Loss::from_seed(s).name()).collect();
        assert_eq!(modes.len(), 2, "both modes are drawn");
    }
}
