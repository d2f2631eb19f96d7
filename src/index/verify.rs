//! Is this index intact? A check on every open that is cheap when nothing
//! changed, and complete when something did.
//!
//! tantivy writes a CRC32 footer at the end of every segment file but does
//! not read it back when it opens an index: a truncated or bit-flipped
//! `.term` or `.idx` file was read into panics or wrong counts, a deleted
//! one into an error at search time, and a segment listed twice in
//! `meta.json` silently doubled every count (issue #9). [`check`] runs in
//! [`super::store::probe`], before anything is read, and finds all three:
//!
//! 1. every segment in `meta.json` is listed once;
//! 2. every file of every segment exists;
//! 3. the size and modification time of `meta.json` and of those files
//!    are the ones recorded in `.baogao-verified` when the index was last
//!    verified or written by `baogao index` ([`record`]); if not, every
//!    file's checksum is computed and compared with its footer (tantivy's
//!    `validate_checksum`, reading the whole index once), and on success
//!    the new stamp is recorded for the next open.
//!
//! So an unchanged index costs one `stat` per file, and any change made
//! behind baogao's back (a copy cut short, an editor, `dd`, a bit flip
//! that rewrote the file) is checked in full. Damage that changes neither
//! size nor modification time (bit rot on the medium) is not seen until
//! tantivy trips over it; the command then ends with exit 2 (see
//! [`crate::cli::run_guarded`]). When the index folder cannot be written
//! (a read-only share), the stamp is not recorded and every open verifies
//! in full.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::index::SegmentComponent;
use tantivy::{Index, IndexMeta};

use crate::corpus::walk::mtime_ns;

/// The file in the index folder holding the stamp of the last
/// verification.
pub const STAMP_FILE: &str = ".baogao-verified";

/// Name, size and modification time of `meta.json` and every segment
/// file, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    files: Vec<(String, u64, i64)>,
}

/// The files of every segment of `metas`: the six components our schema
/// always writes, and the deletes file of a segment that has deletes.
fn segment_files(metas: &IndexMeta) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for s in &metas.segments {
        for c in [
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::Terms,
            SegmentComponent::Store,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
        ] {
            files.push(s.relative_path(c));
        }
        if s.has_deletes() {
            files.push(s.relative_path(SegmentComponent::Delete));
        }
    }
    files
}

fn stamp_of(dir: &Path, files: &[PathBuf]) -> std::io::Result<Stamp> {
    let mut out = Vec::with_capacity(files.len() + 1);
    for f in std::iter::once(Path::new("meta.json")).chain(files.iter().map(PathBuf::as_path)) {
        let m = std::fs::metadata(dir.join(f))?;
        out.push((f.to_string_lossy().into_owned(), m.len(), mtime_ns(&m)));
    }
    Ok(Stamp { files: out })
}

fn read_stamp(dir: &Path) -> Option<Stamp> {
    serde_json::from_slice(&std::fs::read(dir.join(STAMP_FILE)).ok()?).ok()
}

/// Writes the stamp atomically (a temporary file renamed over the old
/// one), ignoring failure: it only saves work.
fn write_stamp(dir: &Path, stamp: &Stamp) {
    let Ok(json) = serde_json::to_vec(stamp) else { return };
    let tmp = dir.join(format!("{STAMP_FILE}.{}", std::process::id()));
    if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, dir.join(STAMP_FILE)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Checks the index in `dir` (see the module docs); the error says what
/// is damaged.
pub fn check(dir: &Path, index: &Index, metas: &IndexMeta) -> Result<(), String> {
    let mut ids = HashSet::new();
    for s in &metas.segments {
        if !ids.insert(s.id()) {
            return Err(format!("meta.json lists segment {} twice", s.id().uuid_string()));
        }
    }
    let files = segment_files(metas);
    for f in &files {
        if !dir.join(f).is_file() {
            return Err(format!("the segment file {} is missing", f.display()));
        }
    }
    let stamp = stamp_of(dir, &files).map_err(|e| format!("cannot read its files: {e}"))?;
    if read_stamp(dir).as_ref() == Some(&stamp) {
        return Ok(());
    }
    for f in &files {
        match index.directory().validate_checksum(f) {
            Ok(true) => {}
            Ok(false) => return Err(format!("{} fails its checksum", f.display())),
            Err(e) => return Err(format!("{} cannot be read: {e}", f.display())),
        }
    }
    write_stamp(dir, &stamp);
    Ok(())
}

/// Records the stamp of the index in `dir` as it is now, without reading
/// its files: called by `baogao index` after it wrote them.
pub fn record(dir: &Path, index: &Index) {
    if let Ok(metas) = index.load_metas() {
        if let Ok(stamp) = stamp_of(dir, &segment_files(&metas)) {
            write_stamp(dir, &stamp);
        }
    }
}
