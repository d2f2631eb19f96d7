//! Where the index lives on disk: probing, creating, opening, locking.
//!
//! An index folder is *ready* when tantivy can open it, its schema is ours
//! and its last commit carries our payload ([`Payload`]): a folder where a
//! first build was interrupted before its first commit is *missing*, not
//! ready, and is built again. Anything else (a damaged `meta.json`, another
//! program's index, an older baogao format, a segment that fails the checks
//! of [`super::verify`]) is *foreign*, and the user is told to rebuild with
//! `--full`, which builds a new index in a fresh folder next to this one
//! and swaps it in ([`super::rebuild`]).
//!
//! The payload records the corpus folder the index was built from; the CLI
//! refuses to answer for another corpus ([`crate::cli::guard`]). It is
//! stored as a lossless string ([`crate::corpus::name`]), so a corpus path
//! that is not UTF-8 round-trips.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::error::{
    DeleteError, LockError as TantivyLockError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr, META_LOCK,
};
use tantivy::Index;

use super::schema::{register_tokenizers, Fields, FORMAT};

/// What we write into every tantivy commit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// [`FORMAT`] of the index layout.
    pub format: u32,
    /// The corpus folder the index was built from (absolute, canonical).
    #[serde(with = "lossless_path")]
    pub corpus: PathBuf,
    /// baogao version that wrote the commit.
    pub version: String,
}

/// A path as a [`crate::corpus::name`] string in JSON: plain UTF-8 paths
/// are written as before, others without loss.
mod lossless_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serializer};

    use crate::corpus::name;

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&name::encode_path(path))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(name::decode_path(&String::deserialize(d)?))
    }
}

/// The payload of the last commit in `dir`, read from `meta.json` alone
/// (no segment is opened): what the CLI needs to know which corpus an
/// index belongs to. `None` when there is no readable baogao commit.
pub fn read_payload(dir: &Path) -> Option<Payload> {
    #[derive(Deserialize)]
    struct Meta {
        payload: Option<String>,
    }
    let meta: Meta = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).ok()?).ok()?;
    serde_json::from_str(&meta.payload?).ok()
}

/// The state of an index folder.
pub enum Probe {
    /// No index yet (or a first build that never committed).
    Missing,
    /// A usable index.
    Ready(Box<Opened>),
    /// Something we cannot use, with the reason.
    Foreign(String),
}

/// An open, ready index.
pub struct Opened {
    /// The tantivy index, tokenizers registered.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// The payload of the last commit.
    pub payload: Payload,
}

/// Probes an index folder (and verifies a ready one, see
/// [`super::verify`]).
///
/// A build that commits while we probe may remove the files of the commit
/// we started from; when the probe fails and `meta.json` changed meanwhile,
/// it is probed once more.
pub fn probe(dir: &Path) -> Probe {
    let stamp = |p: &Path| {
        std::fs::metadata(p.join("meta.json")).ok().map(|m| (m.len(), m.modified().ok()))
    };
    let before = stamp(dir);
    match probe_once(dir) {
        Probe::Foreign(_) if stamp(dir) != before => probe_once(dir),
        p => p,
    }
}

fn probe_once(dir: &Path) -> Probe {
    if !dir.join("meta.json").exists() {
        return Probe::Missing;
    }
    let index = match MmapDirectory::open(dir)
        .map_err(tantivy::TantivyError::from)
        .and_then(|d| Index::open(ReadOnlyTolerant { mmap: d, root: dir.to_path_buf() }))
    {
        Ok(index) => index,
        Err(e) => return Probe::Foreign(format!("tantivy cannot open it: {e}")),
    };
    register_tokenizers(&index);
    let metas = match index.load_metas() {
        Ok(m) => m,
        Err(e) => return Probe::Foreign(format!("its metadata is unreadable: {e}")),
    };
    let Some(payload) = metas.payload.as_deref() else {
        return if metas.segments.is_empty() {
            Probe::Missing
        } else {
            Probe::Foreign("it has no baogao commit".into())
        };
    };
    // The format first: an index of an older baogao has an older schema
    // too, and the user should hear which it is.
    let payload = match serde_json::from_str::<Payload>(payload) {
        Ok(p) if p.format == FORMAT => p,
        Ok(p) => {
            return Probe::Foreign(format!(
                "it was written by an older baogao, in index format {}; this baogao reads format {FORMAT}",
                p.format
            ))
        }
        Err(_) => return Probe::Foreign("its last commit was not made by baogao".into()),
    };
    let Some(fields) = Fields::from_schema(&index.schema()) else {
        return Probe::Foreign("its schema is not baogao's (another program's index)".into());
    };
    // A panic while verifying is damage too.
    match crate::isolate::catch(|| super::verify::check(dir, &index, &metas)) {
        Ok(Ok(())) => Probe::Ready(Box::new(Opened { index, fields, payload })),
        Ok(Err(why)) | Err(why) => Probe::Foreign(format!("it is damaged: {why}")),
    }
}

/// tantivy's memory-mapped directory, except that the lock a *reader*
/// takes while it loads the segments (`.tantivy-meta.lock`, against a
/// concurrent clean-up of files) is skipped when the folder cannot be
/// written: on a read-only index nothing can clean up, and searching it
/// must work (a shared index, a read-only mount). tantivy's own directory
/// failed there with "Failed to acquire Lockfile". The writer's lock is
/// never skipped, so `baogao index` still fails, naming the cause.
///
/// The document stores (`.store`: passage texts and report records) are
/// read with `pread` rather than mapped: `kwic` or `export` touch blocks
/// all over a store of a gigabyte, and every mapped page they touched
/// stayed in the process's resident memory (718 MiB for `kwic 枫桥经验` on a
/// 1 GB corpus); read into buffers, a block lives only as long as
/// tantivy's small cache of decompressed blocks keeps it. Postings, term
/// dictionaries and fast fields, read in place and over and over, stay
/// mapped.
#[derive(Debug, Clone)]
struct ReadOnlyTolerant {
    mmap: MmapDirectory,
    root: PathBuf,
}

impl Directory for ReadOnlyTolerant {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> Result<std::sync::Arc<dyn FileHandle>, OpenReadError> {
        if path.extension().is_some_and(|e| e == "store") {
            let full = self.root.join(path);
            let file = File::open(&full).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_owned()),
                _ => OpenReadError::wrap_io_error(e, path.to_owned()),
            })?;
            let len = file
                .metadata()
                .map_err(|e| OpenReadError::wrap_io_error(e, path.to_owned()))?
                .len() as usize;
            return Ok(std::sync::Arc::new(PreadFile { file, len }));
        }
        self.mmap.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mmap.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mmap.exists(path)
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mmap.open_write(path)
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mmap.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.mmap.atomic_write(path, data)
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        self.mmap.sync_directory()
    }
    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mmap.watch(watch_callback)
    }
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, TantivyLockError> {
        match self.mmap.acquire_lock(lock) {
            Err(TantivyLockError::IoError(e))
                if lock.filepath == META_LOCK.filepath
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::ReadOnlyFilesystem
                            | std::io::ErrorKind::PermissionDenied
                    ) =>
            {
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }
}

/// A file read with positioned reads ([`ReadOnlyTolerant`]).
#[derive(Debug)]
struct PreadFile {
    file: File,
    len: usize,
}

impl tantivy::HasLen for PreadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for PreadFile {
    fn read_bytes(&self, range: std::ops::Range<usize>) -> std::io::Result<OwnedBytes> {
        use std::os::unix::fs::FileExt;
        let end = range.end.min(self.len);
        let mut buf = vec![0; end.saturating_sub(range.start)];
        self.file.read_exact_at(&mut buf, range.start as u64)?;
        Ok(OwnedBytes::new(buf))
    }
}

/// Does this file name look like one of tantivy's files?
fn is_tantivy_file(name: &str) -> bool {
    if matches!(name, "meta.json" | ".managed.json") || name.starts_with(".tantivy-") {
        return true;
    }
    // tantivy's atomic writes go through a temporary file in the folder.
    if name.starts_with(".tmp") {
        return true;
    }
    // Segment files: 32 hex digits, a dot, an extension (`.idx`, `.pos`, …),
    // possibly with a delete opstamp (`<id>.<opstamp>.del`).
    let stem = name.split('.').next().unwrap_or("");
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 33
}

/// Does this file belong in an index folder: tantivy's, or ours (the lock,
/// the verification stamp and its temporary files)?
fn is_index_file(name: &str) -> bool {
    is_tantivy_file(name) || name == LOCK_FILE || name.starts_with(super::verify::STAMP_FILE)
}

/// The entries of `dir` that do not belong in an index folder (a few of
/// them, for an error message), or an empty list. A folder holding such
/// entries is never turned into an index or replaced: the user may have
/// pointed `--index` at a folder of their own by mistake.
pub fn foreign_entries(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            !(e.file_type().is_ok_and(|t| t.is_file()) && is_index_file(&name.to_string_lossy()))
        })
        .map(|e| crate::corpus::name::encode(&e.file_name()).into_owned())
        .take(3)
        .collect()
}

/// Removes segment files that the last commit in `dir` does not use (what
/// a failed build wrote), and tantivy's temporary files; keeps everything
/// else. With a committed `meta.json` that cannot be read, removes nothing.
pub fn remove_uncommitted(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("meta.json")) else { return };
    let Ok(meta) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    let live: std::collections::HashSet<String> = meta["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["segment_id"].as_str())
        .map(|id| id.replace('-', ""))
        .collect();
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let stem = name.split('.').next().unwrap_or("");
        let segment = is_tantivy_file(&name) && stem.len() == 32;
        if (segment && !live.contains(stem)) || name.starts_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Removes tantivy's files from `dir`, leaving anything else alone.
pub fn clear(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_file() && is_tantivy_file(&name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Creates a new, empty index in `dir` (created if needed).
pub fn create(dir: &Path) -> tantivy::Result<(Index, Fields)> {
    std::fs::create_dir_all(dir)?;
    let (schema, fields) = Fields::build();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index);
    Ok((index, fields))
}

/// An exclusive lock on an index folder for the duration of a build,
/// released when dropped (or when the process dies).
pub struct BuildLock {
    _file: File,
}

/// Why a build could not take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("the index at {0} is locked: another `baogao index` is running")]
    Busy(PathBuf),
    /// The lock file could not be created: the folder cannot be written.
    #[error("cannot write in the index folder {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The name of the lock file in an index folder.
pub const LOCK_FILE: &str = ".baogao.lock";

impl BuildLock {
    /// Takes the lock without waiting.
    pub fn acquire(dir: &Path) -> Result<BuildLock, LockError> {
        std::fs::create_dir_all(dir).map_err(|e| LockError::Io(dir.to_path_buf(), e))?;
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LockError::Io(dir.to_path_buf(), e))?;
        match file.try_lock() {
            Ok(()) => Ok(BuildLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy(dir.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => Err(LockError::Io(dir.to_path_buf(), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tantivy_files_are_recognised() {
        assert!(is_tantivy_file("meta.json"));
        assert!(is_tantivy_file(".managed.json"));
        assert!(is_tantivy_file(".tantivy-writer.lock"));
        assert!(is_tantivy_file("0123456789abcdef0123456789abcdef.idx"));
        assert!(is_tantivy_file("0123456789abcdef0123456789abcdef.12.del"));
        assert!(!is_tantivy_file(".gitignore"));
        assert!(!is_tantivy_file("notes.txt"));
    }

    #[test]
    fn second_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = BuildLock::acquire(dir.path()).unwrap();
        assert!(matches!(BuildLock::acquire(dir.path()), Err(LockError::Busy(_))));
    }
}
