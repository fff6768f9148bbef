//! [`LazyFs`]: the FUSE side of the lazy filesystem. Every request passes through to the backing
//! directory, except file contents: writes and truncations go to the [`WriteCache`] and reach
//! the backing file only on `fsync`/`fdatasync` of that file (or at once, for a file opened
//! `O_SYNC`/`O_DSYNC`); reads see the backing bytes with the cache laid over them.
//!
//! Names are not cached: create, mkdir, rename, unlink, link and symlink change the backing
//! directory at once and survive a power failure, as in Jepsen's lazyfs (whose page cache holds
//! file data only). So a file renamed into place without an fsync survives as a name, with
//! whatever of its data was synced: the classic lost-rename-contents bug is found; a lost
//! rename is not simulated.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow, WriteFlags,
};
use nix::fcntl::OFlag;

use super::cache::{Op, WriteCache};
use super::inodes::{Inodes, ROOT};

/// How long the kernel may keep names and attributes: the daemon is the only writer, so it
/// only saves round trips.
const TTL: Duration = Duration::from_secs(1);

/// What a mount holds: inode numbers, the unsynced writes, the open files.
#[derive(Debug)]
pub struct State {
    /// Inode numbers and their backing paths.
    pub inodes: Inodes,
    /// The unsynced writes.
    pub cache: WriteCache,
    handles: HashMap<u64, Handle>,
    next_fh: u64,
}

#[derive(Debug)]
struct Handle {
    ino: u64,
    file: File,
    /// Opened `O_SYNC` or `O_DSYNC`: every write is synced.
    sync: bool,
}

impl State {
    /// The state of a fresh mount of `backing`.
    pub fn new(backing: &Path) -> io::Result<State> {
        let meta = fs::metadata(backing)?;
        Ok(State {
            inodes: Inodes::new((meta.dev(), meta.ino())),
            cache: WriteCache::default(),
            handles: HashMap::new(),
            next_fh: 1,
        })
    }
}

/// Applies `ops` to the backing `file`, in order (a sync).
pub fn apply(file: &File, ops: &[Op]) -> io::Result<()> {
    for op in ops {
        match op {
            Op::Write { offset, data } => file.write_all_at(data, *offset)?,
            Op::Truncate { len } => file.set_len(*len)?,
        }
    }
    Ok(())
}

/// The filesystem a session serves.
pub struct LazyFs {
    backing: PathBuf,
    state: Arc<Mutex<State>>,
}

impl LazyFs {
    /// Serves `backing` with `state` (shared with the mount, which takes the cache out on a
    /// power failure).
    pub fn new(backing: PathBuf, state: Arc<Mutex<State>>) -> LazyFs {
        LazyFs { backing, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The backing path of `ino`, with the state locked.
    fn path_of(&self, state: &State, ino: INodeNo) -> Result<PathBuf, Errno> {
        state
            .inodes
            .path(ino.0)
            .map(|p| self.backing.join(p))
            .ok_or(Errno::ENOENT)
    }

    /// The relative and backing paths of `name` in directory `parent`.
    fn child(
        &self,
        state: &State,
        parent: INodeNo,
        name: &OsStr,
    ) -> Result<(PathBuf, PathBuf), Errno> {
        let dir = state.inodes.path(parent.0).ok_or(Errno::ENOENT)?;
        let rel = dir.join(name);
        Ok((self.backing.join(&rel), rel))
    }

    /// Numbers the backing file at `rel` (just looked up or created) and describes it.
    fn entry(&self, state: &mut State, rel: &Path) -> Result<FileAttr, Errno> {
        let meta = fs::symlink_metadata(self.backing.join(rel)).map_err(Errno::from)?;
        let ino = state.inodes.intern((meta.dev(), meta.ino()), rel);
        Ok(attr(ino, &meta, state.cache.len(ino)))
    }

    fn getattr_locked(
        &self,
        state: &State,
        ino: INodeNo,
        fh: Option<FileHandle>,
    ) -> Result<FileAttr, Errno> {
        let meta = match (
            self.path_of(state, ino),
            fh.and_then(|h| state.handles.get(&h.0)),
        ) {
            (_, Some(handle)) => handle.file.metadata(),
            (Ok(path), None) => fs::symlink_metadata(path),
            (Err(e), None) => return Err(e),
        }
        .map_err(Errno::from)?;
        Ok(attr(ino.0, &meta, state.cache.len(ino.0)))
    }

    /// Syncs file `ino`: its held operations go to the backing file, through `file`.
    fn sync(state: &mut State, ino: u64, file: &File) -> Result<(), Errno> {
        let ops = state.cache.take(ino);
        apply(file, &ops).map_err(Errno::from)
    }

    fn open_handle(
        &self,
        state: &mut State,
        ino: u64,
        path: &Path,
        flags: i32,
    ) -> Result<u64, Errno> {
        // Read and write whatever the caller asked for: a sync may come through any handle.
        // Never O_APPEND: the kernel gives every write its offset.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .or_else(|_| File::open(path))
            .map_err(Errno::from)?;
        let sync = flags & (OFlag::O_SYNC.bits() | OFlag::O_DSYNC.bits()) != 0;
        let fh = state.next_fh;
        state.next_fh += 1;
        state.handles.insert(fh, Handle { ino, file, sync });
        Ok(fh)
    }
}

/// FUSE attributes of a backing file; `cached_len` overrides its size.
fn attr(ino: u64, meta: &Metadata, cached_len: Option<u64>) -> FileAttr {
    let time = |secs: i64, nanos: i64| {
        UNIX_EPOCH + Duration::new(secs.max(0) as u64, nanos.clamp(0, 999_999_999) as u32)
    };
    FileAttr {
        ino: INodeNo(ino),
        size: cached_len.unwrap_or(meta.len()),
        blocks: meta.blocks(),
        atime: time(meta.atime(), meta.atime_nsec()),
        mtime: time(meta.mtime(), meta.mtime_nsec()),
        ctime: time(meta.ctime(), meta.ctime_nsec()),
        crtime: UNIX_EPOCH,
        kind: FileType::from_std(meta.file_type()).unwrap_or(FileType::RegularFile),
        perm: (meta.mode() & 0o7777) as u16,
        nlink: meta.nlink() as u32,
        uid: meta.uid(),
        gid: meta.gid(),
        rdev: meta.rdev() as u32,
        blksize: 4096,
        flags: 0,
    }
}

impl Filesystem for LazyFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let mut state = self.state();
        match self
            .child(&state, parent, name)
            .and_then(|(_, rel)| self.entry(&mut state, &rel))
        {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        let state = self.state();
        match self.getattr_locked(&state, ino, fh) {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut state = self.state();
        let result = (|| {
            let path = self.path_of(&state, ino);
            if let Some(mode) = mode {
                fs::set_permissions(path.clone()?, fs::Permissions::from_mode(mode & 0o7777))
                    .map_err(Errno::from)?;
            }
            if uid.is_some() || gid.is_some() {
                std::os::unix::fs::lchown(path.clone()?, uid, gid).map_err(Errno::from)?;
            }
            if let Some(len) = size {
                // The size seen is the backing file's unless the cache already holds the file
                // (and then the cache ignores it).
                let backing_len = self.getattr_locked(&state, ino, fh)?.size;
                state.cache.truncate(ino.0, backing_len, len);
            }
            self.getattr_locked(&state, ino, fh)
        })();
        match result {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let state = self.state();
        match self
            .path_of(&state, ino)
            .and_then(|p| fs::read_link(p).map_err(Errno::from))
        {
            Ok(target) => reply.data(target.as_os_str().as_encoded_bytes()),
            Err(e) => reply.error(e),
        }
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        rdev: u32,
        reply: ReplyEntry,
    ) {
        use nix::sys::stat::{mknod, Mode, SFlag};
        let mut state = self.state();
        let result = self.child(&state, parent, name).and_then(|(path, rel)| {
            let kind = SFlag::from_bits_truncate(mode & SFlag::S_IFMT.bits());
            let perm = Mode::from_bits_truncate(mode & !umask & 0o7777);
            mknod(&path, kind, perm, u64::from(rdev)).map_err(|e| Errno::from_i32(e as i32))?;
            self.entry(&mut state, &rel)
        });
        match result {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        use std::os::unix::fs::DirBuilderExt;
        let mut state = self.state();
        let result = self.child(&state, parent, name).and_then(|(path, rel)| {
            fs::DirBuilder::new()
                .mode(mode & !umask & 0o7777)
                .create(&path)
                .map_err(Errno::from)?;
            self.entry(&mut state, &rel)
        });
        match result {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut state = self.state();
        let result = self.child(&state, parent, name).and_then(|(path, rel)| {
            fs::remove_file(&path).map_err(Errno::from)?;
            if let Some(ino) = state.inodes.removed(&rel) {
                // Nothing can read a file without a name or an open handle again.
                if !state.handles.values().any(|h| h.ino == ino) {
                    state.cache.forget(ino);
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut state = self.state();
        let result = self.child(&state, parent, name).and_then(|(path, rel)| {
            fs::remove_dir(&path).map_err(Errno::from)?;
            state.inodes.removed(&rel);
            Ok(())
        });
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn symlink(
        &self,
        _req: &Request,
        parent: INodeNo,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let mut state = self.state();
        let result = self
            .child(&state, parent, link_name)
            .and_then(|(path, rel)| {
                std::os::unix::fs::symlink(target, &path).map_err(Errno::from)?;
                self.entry(&mut state, &rel)
            });
        match result {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        if flags.bits() != 0 {
            // RENAME_NOREPLACE / RENAME_EXCHANGE: callers fall back to a plain rename.
            return reply.error(Errno::EINVAL);
        }
        let mut state = self.state();
        let result = self
            .child(&state, parent, name)
            .and_then(|(from, from_rel)| {
                let (to, to_rel) = self.child(&state, newparent, newname)?;
                fs::rename(&from, &to).map_err(Errno::from)?;
                state.inodes.renamed(&from_rel, &to_rel);
                Ok(())
            });
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn link(
        &self,
        _req: &Request,
        ino: INodeNo,
        newparent: INodeNo,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        let mut state = self.state();
        let result = self.path_of(&state, ino).and_then(|from| {
            let (to, rel) = self.child(&state, newparent, newname)?;
            fs::hard_link(from, to).map_err(Errno::from)?;
            self.entry(&mut state, &rel)
        });
        match result {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut state = self.state();
        let result = self
            .path_of(&state, ino)
            .and_then(|path| self.open_handle(&mut state, ino.0, &path, flags.0));
        match result {
            Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let state = self.state();
        let Some(handle) = state.handles.get(&fh.0) else {
            return reply.error(Errno::EBADF);
        };
        let mut backing = vec![0u8; size as usize];
        let mut got = 0;
        while got < backing.len() {
            match handle
                .file
                .read_at(&mut backing[got..], offset + got as u64)
            {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return reply.error(Errno::from(e)),
            }
        }
        backing.truncate(got);
        reply.data(&state.cache.read(ino.0, offset, size as usize, &backing));
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut state = self.state();
        let state = &mut *state;
        let Some(handle) = state.handles.get(&fh.0) else {
            return reply.error(Errno::EBADF);
        };
        let backing_len = match handle.file.metadata() {
            Ok(m) => m.len(),
            Err(e) => return reply.error(Errno::from(e)),
        };
        state.cache.write(ino.0, backing_len, offset, data);
        let synced = flags.0 & (OFlag::O_SYNC.bits() | OFlag::O_DSYNC.bits()) != 0;
        if handle.sync || synced {
            let ops = state.cache.take(ino.0);
            if let Err(e) = apply(&handle.file, &ops) {
                return reply.error(Errno::from(e));
            }
        }
        reply.written(data.len() as u32);
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // close() is not a sync.
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.state().handles.remove(&fh.0);
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        let state = &mut *state;
        let Some(handle) = state.handles.get(&fh.0) else {
            return reply.error(Errno::EBADF);
        };
        let file = match handle.file.try_clone() {
            Ok(f) => f,
            Err(e) => return reply.error(Errno::from(e)),
        };
        match LazyFs::sync(state, ino.0, &file) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let state = self.state();
        match self.path_of(&state, ino) {
            Ok(path) if path.is_dir() => reply.opened(FileHandle(0), FopenFlags::empty()),
            Ok(_) => reply.error(Errno::ENOTDIR),
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let mut state = self.state();
        let Some(dir) = state.inodes.path(ino.0).map(Path::to_path_buf) else {
            return reply.error(Errno::ENOENT);
        };
        let mut names: Vec<_> = match fs::read_dir(self.backing.join(&dir)) {
            Ok(entries) => entries.flatten().map(|e| e.file_name()).collect(),
            Err(e) => return reply.error(Errno::from(e)),
        };
        names.sort();
        let mut entries: Vec<(u64, FileType, std::ffi::OsString)> = vec![
            (ino.0, FileType::Directory, ".".into()),
            (ROOT, FileType::Directory, "..".into()),
        ];
        for name in names {
            let rel = dir.join(&name);
            if let Ok(a) = self.entry(&mut state, &rel) {
                entries.push((a.ino.0, a.kind, name));
            }
        }
        for (i, (child, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(child), i as u64 + 1, kind, &name) {
                break;
            }
        }
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // Names are never held back: there is nothing to sync.
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        match nix::sys::statvfs::statvfs(&self.backing) {
            Ok(s) => reply.statfs(
                s.blocks(),
                s.blocks_free(),
                s.blocks_available(),
                s.files(),
                s.files_free(),
                s.block_size() as u32,
                s.name_max() as u32,
                s.fragment_size() as u32,
            ),
            Err(e) => reply.error(Errno::from_i32(e as i32)),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut state = self.state();
        let result = self.child(&state, parent, name).and_then(|(path, rel)| {
            let mut options = OpenOptions::new();
            options.write(true).mode(mode & !umask & 0o7777);
            if flags & OFlag::O_EXCL.bits() != 0 {
                options.create_new(true);
            } else {
                options.create(true);
            }
            drop(options.open(&path).map_err(Errno::from)?);
            let a = self.entry(&mut state, &rel)?;
            let fh = self.open_handle(&mut state, a.ino.0, &path, flags)?;
            Ok((a, fh))
        });
        match result {
            Ok((a, fh)) => {
                reply.created(&TTL, &a, Generation(0), FileHandle(fh), FopenFlags::empty())
            }
            Err(e) => reply.error(e),
        }
    }

    fn fallocate(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _offset: u64,
        _length: u64,
        _mode: i32,
        reply: ReplyEmpty,
    ) {
        // Callers (etcd's WAL preallocation) fall back to truncating to the size, which the
        // cache holds like any other change.
        reply.error(Errno::from_i32(nix::libc::EOPNOTSUPP));
    }
}
