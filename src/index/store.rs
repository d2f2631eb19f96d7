//! Where the index lives on disk: probing, creating, opening, locking.
//!
//! An index folder is *ready* when tantivy can open it, its schema is ours
//! and its last commit carries our payload ([`Payload`]): a folder where a
//! first build was interrupted before its first commit is *missing*, not
//! ready, and is built again. Anything else (a damaged `meta.json`, another
//! program's index, an older baogao format) is *foreign*, and the user is
//! told to rebuild with `--full`, which clears tantivy's files (and only
//! those) before building.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::Index;

use super::schema::{register_tokenizers, Fields, FORMAT};

/// What we write into every tantivy commit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// [`FORMAT`] of the index layout.
    pub format: u32,
    /// The corpus folder the index was built from (absolute).
    pub corpus: PathBuf,
    /// baogao version that wrote the commit.
    pub version: String,
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

/// Probes an index folder.
pub fn probe(dir: &Path) -> Probe {
    if !dir.join("meta.json").exists() {
        return Probe::Missing;
    }
    let index = match Index::open_in_dir(dir) {
        Ok(index) => index,
        Err(e) => return Probe::Foreign(format!("tantivy cannot open it: {e}")),
    };
    register_tokenizers(&index);
    let Some(fields) = Fields::from_schema(&index.schema()) else {
        return Probe::Foreign(
            "its schema is not baogao's (another program's index, or an older baogao)".into(),
        );
    };
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
    match serde_json::from_str::<Payload>(payload) {
        Ok(p) if p.format == FORMAT => Probe::Ready(Box::new(Opened { index, fields, payload: p })),
        Ok(p) => Probe::Foreign(format!(
            "it was written in index format {} and this baogao reads format {FORMAT}",
            p.format
        )),
        Err(_) => Probe::Foreign("its last commit was not made by baogao".into()),
    }
}

/// Does this file name look like one of tantivy's files?
fn is_tantivy_file(name: &str) -> bool {
    if matches!(name, "meta.json" | ".managed.json") || name.starts_with(".tantivy-") {
        return true;
    }
    // Segment files: 32 hex digits, a dot, an extension (`.idx`, `.pos`, …),
    // possibly with a delete opstamp (`<id>.<opstamp>.del`).
    let stem = name.split('.').next().unwrap_or("");
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 33
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
    /// The lock file could not be created.
    #[error("cannot create the lock file in {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

impl BuildLock {
    /// Takes the lock without waiting.
    pub fn acquire(dir: &Path) -> Result<BuildLock, LockError> {
        std::fs::create_dir_all(dir).map_err(|e| LockError::Io(dir.to_path_buf(), e))?;
        let path = dir.join(".baogao.lock");
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
