//! Is the index in line with its corpus?
//!
//! Two answers at two prices:
//!
//! * [`changed_folders`] — the check every command runs: the build
//!   records every folder of the corpus with its modification time
//!   ([`FolderStamp`]), and a command compares those times with the
//!   folders' current ones. Its cost grows with the number of *folders*,
//!   not files (`gen-corpus --mb 200`: 2,619 folders for 20,021 files; a
//!   flat download folder is one). A folder's time changes when a file in
//!   it is added, removed or renamed — and when an editor saves by writing
//!   a new file and renaming it over the old one, as most do. It does not
//!   change when a file is rewritten in place (same name, new bytes), nor
//!   when only a `metadata.csv` row changes; `baogao status` sees those.
//! * [`status`] — the full comparison `baogao status` prints: every file's
//!   size, modification time and metadata overrides against what the index
//!   recorded, with the bytes hashed where only the time changed, exactly
//!   as `baogao index` would decide — without reading or indexing
//!   anything else.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::records::Manifest;
use crate::corpus::name;
use crate::corpus::overrides::MetadataTable;
use crate::corpus::read;
use crate::corpus::walk::{self, FileKind};

/// A folder of the corpus as the last build saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderStamp {
    /// Path relative to the corpus root (`""` for the root), `/`-separated.
    pub path: String,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i64,
}

/// Every folder under `root` (the root included, hidden folders and
/// symbolic links excluded, as the walk for reports excludes them), with
/// its modification time.
pub fn folder_stamps(root: &Path) -> Vec<FolderStamp> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name();
    let mut it = walker.into_iter();
    while let Some(entry) = it.next() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() {
            continue;
        }
        if entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.') {
            it.skip_current_dir();
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        out.push(FolderStamp { path: name::rel_string(rel), mtime: walk::mtime_ns(&meta) });
    }
    out
}

/// The recorded folders whose modification time changed or that are gone
/// (one `stat` per folder, in parallel).
pub fn changed_folders(root: &Path, known: &[FolderStamp]) -> Vec<String> {
    known
        .par_iter()
        .filter(|f| {
            let path = if f.path.is_empty() {
                root.to_path_buf()
            } else {
                root.join(name::decode_path(&f.path))
            };
            std::fs::metadata(&path).map_or(true, |m| walk::mtime_ns(&m) != f.mtime)
        })
        .map(|f| f.path.clone())
        .collect()
}

/// What `baogao index` would do to each file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Files the index does not know (reports or files to skip).
    pub added: Vec<String>,
    /// Known files whose bytes or metadata overrides changed.
    pub updated: Vec<String>,
    /// Known files that are gone.
    pub removed: Vec<String>,
    /// Known files that did not change.
    pub unchanged: usize,
}

impl Status {
    /// Whether the index is in line with the corpus.
    pub fn is_clean(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

/// What the manifest says of a path: size, modification time, content
/// hash, and for a report its overrides fingerprint (`None` for a skip).
type Known<'a> = (u64, i64, &'a str, Option<&'a Option<String>>);

/// Compares the corpus with the manifest of the last build, file by file.
pub fn status(corpus: &Path, manifest: &Manifest) -> std::io::Result<Status> {
    let files = walk::scan(corpus)?;
    let (table, _) = MetadataTable::load(corpus);
    let mut known: HashMap<&str, Known> = HashMap::new();
    for r in &manifest.reports {
        known.insert(&r.path, (r.stamp.size, r.stamp.mtime, &r.stamp.hash, Some(&r.overrides)));
    }
    for s in &manifest.skipped {
        known.insert(&s.path, (s.stamp.size, s.stamp.mtime, &s.stamp.hash, None));
    }
    let verdicts: Vec<(String, Option<bool>)> = files
        .par_iter()
        .map(|f| {
            let Some(&(size, mtime, hash, overrides)) = known.get(f.rel.as_str()) else {
                return (f.rel.clone(), None);
            };
            let overrides_changed =
                overrides.is_some_and(|ov| *ov != read::overrides_fingerprint(f, &table));
            let changed = if overrides_changed {
                true
            } else if size == f.size && mtime == f.mtime {
                false
            } else if size != f.size || hash.is_empty() || matches!(f.kind, FileKind::Skip(_)) {
                true
            } else {
                // Only the time changed: the index hashes the bytes.
                std::fs::read(&f.abs).map_or(true, |b| blake3::hash(&b).to_hex().as_str() != hash)
            };
            (f.rel.clone(), Some(changed))
        })
        .collect();
    let mut st = Status::default();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (path, verdict) in &verdicts {
        match verdict {
            None => st.added.push(path.clone()),
            Some(true) => st.updated.push(path.clone()),
            Some(false) => st.unchanged += 1,
        }
        seen.insert(path);
    }
    let mut removed: Vec<String> =
        known.keys().filter(|p| !seen.contains(**p)).map(|p| p.to_string()).collect();
    removed.sort();
    st.removed = removed;
    Ok(st)
}
