//! Around every build: the checks before it, `--full` in a fresh folder,
//! and what happens when a build fails.
//!
//! `run` wraps the builder of [`mod@super::build`] (which works in one
//! folder, holding no lock itself):
//!
//! - **Before anything is created**, the corpus folder must exist
//!   (otherwise `search` run outside the project folder left an
//!   `index/.baogao.lock` behind), and a folder holding files that are not
//!   an index's is never made into one or replaced ([`store::foreign_entries`]:
//!   `--index ~/Documents` by mistake).
//! - **The lock** on the index folder is taken here and held until the
//!   clean-up is done, so that no other build writes while we clean.
//! - **`--full`** builds a whole new index in a fresh folder next to the
//!   index folder (`.index.baogao-new-PID`), then swaps the two folders —
//!   atomically on Linux (`renameat2` with `RENAME_EXCHANGE`), else with two
//!   renames — and deletes the old one. Whatever state the old index is in
//!   (truncated or deleted segment files, garbage in `meta.json`), it is
//!   never opened; until the swap, searches keep using it, and a failed or
//!   killed rebuild leaves it as it was (a killed one's leftovers are
//!   removed by the next build of that index, full or not). Only when no folder can be created next to the index
//!   folder does `--full` fall back to clearing the folder and building in
//!   place.
//! - **When a build fails**, the segment files it wrote but never committed
//!   are removed ([`store::remove_uncommitted`]; for `--full`, the fresh
//!   folder), an index folder the build created is removed again, and the
//!   error names its cause: a full disk ("no space left on the device …",
//!   also when tantivy only reports that its indexing thread died) or a
//!   folder that cannot be written. The last committed index stays as it
//!   was and searchable.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use super::build::{BuildError, BuildOptions, BuildSummary, Progress};
use super::store::{self, BuildLock};

/// The builder that works in one folder.
pub(super) type InPlace = fn(&BuildOptions, &dyn Progress) -> Result<BuildSummary, BuildError>;

/// Runs a build (see the module docs).
pub(super) fn run(
    opts: &BuildOptions,
    progress: &dyn Progress,
    in_place: InPlace,
) -> Result<BuildSummary, BuildError> {
    let corpus =
        std::fs::metadata(&opts.corpus).map_err(|e| BuildError::Corpus(opts.corpus.clone(), e))?;
    if !corpus.is_dir() {
        return Err(BuildError::Corpus(
            opts.corpus.clone(),
            io::Error::other("it is not a folder"),
        ));
    }
    let existed = opts.index.exists();
    let foreign = store::foreign_entries(&opts.index);
    if !foreign.is_empty() && (opts.full || !opts.index.join("meta.json").exists()) {
        return Err(BuildError::Foreign(
            opts.index.clone(),
            format!(
                "it holds other files ({}{}); baogao neither mixes its files with them nor \
                 replaces them: choose another --index, or move them away",
                foreign.join(", "),
                if foreign.len() == 3 { ", …" } else { "" }
            ),
        ));
    }
    let lock = BuildLock::acquire(&opts.index)?;
    if let Ok(target) = opts.index.canonicalize() {
        remove_stale(&target);
    }
    let result = if opts.full { full(opts, progress, in_place) } else { in_place(opts, progress) };
    result.map_err(|e| {
        store::remove_uncommitted(&opts.index);
        let e = diagnose(e, &opts.index);
        drop(lock);
        if !existed {
            // Everything in it is ours, and nothing was committed.
            let _ = std::fs::remove_dir_all(&opts.index);
        }
        e
    })
}

/// `--full`: build in a fresh folder, swap it in.
fn full(
    opts: &BuildOptions,
    progress: &dyn Progress,
    in_place: InPlace,
) -> Result<BuildSummary, BuildError> {
    let target = opts.index.canonicalize()?;
    let fresh = sibling(&target, "new").filter(|fresh| std::fs::create_dir(fresh).is_ok());
    let Some(fresh) = fresh else {
        // No room next to the index folder: clear it and build in place.
        store::clear(&target)?;
        return in_place(&BuildOptions { full: false, ..opts.clone() }, progress);
    };
    let inner = BuildOptions { corpus: opts.corpus.clone(), index: fresh.clone(), full: false };
    let summary = match in_place(&inner, progress) {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(e);
        }
    };
    swap(&fresh, &target).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&fresh);
    })?;
    Ok(summary)
}

/// `.NAME.baogao-KIND-PID` next to `target`, or `None` for a folder
/// without a parent.
fn sibling(target: &Path, kind: &str) -> Option<PathBuf> {
    let parent = target.parent()?;
    let mut name = OsString::from(".");
    name.push(target.file_name()?);
    name.push(format!(".baogao-{kind}-{}", std::process::id()));
    Some(parent.join(name))
}

/// Removes the fresh and old folders that killed `--full` builds of
/// `target` left next to it. We hold the lock on `target`, so no build of
/// it is running.
fn remove_stale(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else { return };
    let prefix = format!(".{}.baogao-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let ours = n.strip_prefix(&prefix).is_some_and(|rest| {
            rest.strip_prefix("new-")
                .or_else(|| rest.strip_prefix("old-"))
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if ours && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Puts the folder `fresh` in the place of `target` and deletes the old
/// one.
fn swap(fresh: &Path, target: &Path) -> io::Result<()> {
    if exchange(fresh, target).is_ok() {
        // `fresh` now holds the old index.
        let _ = std::fs::remove_dir_all(fresh);
        return Ok(());
    }
    let old = sibling(target, "old").ok_or_else(|| io::Error::other("no parent folder"))?;
    std::fs::rename(target, &old)?;
    if let Err(e) = std::fs::rename(fresh, target) {
        // Put the old index back.
        let _ = std::fs::rename(&old, target);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Exchanges two folders atomically (Linux `renameat2`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive
    // the call; renameat2 reads them and touches no other memory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Bytes free for us on the file system of `dir` (or of its nearest
/// existing ancestor).
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let existing = dir.ancestors().find(|a| a.exists())?;
    let path = CString::new(existing.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid NUL-terminated string and `st` points to
    // writable memory of the right type, which statvfs fills on success.
    let r = unsafe { libc::statvfs(path.as_ptr(), st.as_mut_ptr()) };
    if r != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it initialised `st`.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
pub fn free_bytes(_: &Path) -> Option<u64> {
    None
}

/// Below this much free space, a build that failed for a reason tantivy
/// does not name ("An index writer was killed") failed for want of space.
const LOW_SPACE: u64 = 64 << 20;

/// Names the cause of a failed build where we can tell it: no space left,
/// or a folder that cannot be written.
fn diagnose(e: BuildError, dir: &Path) -> BuildError {
    let mut errno = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            errno = errno.or(io.raw_os_error());
        }
        source = s.source();
    }
    let text = e.to_string();
    let free = free_bytes(dir);
    let no_space = errno == Some(libc::ENOSPC)
        || text.contains("No space left on device")
        || text.contains("os error 28")
        || (matches!(e, BuildError::Tantivy(_)) && free.is_some_and(|f| f < LOW_SPACE));
    if no_space {
        // (The free space is not worth printing: the failed build's files
        // are already removed.)
        return BuildError::Write(format!(
            "no space left on the device of {}: free some space and run `baogao index` again; \
             the index was left as it was before this build ({e})",
            dir.display()
        ));
    }
    let denied = matches!(errno, Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS))
        || text.contains("Permission denied")
        || text.contains("Read-only file system");
    // A lock that cannot be created already says "cannot write in the
    // index folder"; the corpus is not ours to write.
    if denied && !matches!(e, BuildError::Locked(_) | BuildError::Corpus(..)) {
        return BuildError::Write(format!(
            "cannot write in the index folder {} ({e}); the index was left as it was before \
             this build",
            dir.display()
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_and_stale_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("index");
        std::fs::create_dir(&target).unwrap();
        let fresh = sibling(&target, "new").unwrap();
        assert_eq!(
            fresh.file_name().unwrap().to_string_lossy(),
            format!(".index.baogao-new-{}", std::process::id())
        );
        std::fs::create_dir(&fresh).unwrap();
        std::fs::create_dir(dir.path().join(".index.baogao-old-12")).unwrap();
        std::fs::create_dir(dir.path().join(".index.baogao-new-x")).unwrap();
        std::fs::create_dir(dir.path().join(".other.baogao-new-12")).unwrap();
        remove_stale(&target);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".index.baogao-new-x", ".other.baogao-new-12", "index"]);
    }

    #[test]
    fn swap_puts_the_fresh_folder_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("index");
        let fresh = dir.path().join("fresh");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old"), "").unwrap();
        std::fs::create_dir(&fresh).unwrap();
        std::fs::write(fresh.join("new"), "").unwrap();
        swap(&fresh, &target).unwrap();
        assert!(target.join("new").exists() && !target.join("old").exists());
        assert!(!fresh.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_full_disk_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = BuildError::Io(io::Error::from_raw_os_error(libc::ENOSPC));
        let msg = diagnose(e, dir.path()).to_string();
        assert!(msg.contains("no space left on the device of"), "{msg}");
        let e = BuildError::Io(io::Error::from_raw_os_error(libc::EROFS));
        let msg = diagnose(e, dir.path()).to_string();
        assert!(msg.contains("cannot write in the index folder"), "{msg}");
        let e = BuildError::Io(io::Error::other("something else"));
        assert_eq!(diagnose(e, dir.path()).to_string(), "index folder error: something else");
        assert!(free_bytes(dir.path()).is_some_and(|f| f > 0));
    }
}
