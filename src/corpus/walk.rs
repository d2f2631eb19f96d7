//! Finding the reports in a corpus folder.
//!
//! Reports are `.txt`, `.html`/`.htm`, Word `.docx` and `.pdf` files anywhere
//! under the corpus root (SPEC §5). Formats we recognise but do not read
//! (legacy Word `.doc`, WPS `.wps`) are listed too, as
//! [`FileKind::Skip`], so that the index summary can say what to convert
//! them to. Everything else (`README.md`, `MANIFEST.tsv`, `metadata.csv`,
//! `*.meta.toml` sidecars, hidden files, Word's `~$…` lock files) is not a
//! report and is ignored. The walk is sorted by path so that "the first
//! path in sorted order" (duplicates) is well defined.
//!
//! Reading a file is [`super::read`]'s job; the only check made here is the
//! size limit, from the directory entry, so that a 60 MB file is never
//! opened.
//!
//! Relative paths are [`name::rel_string`]s: lossless, so that two files
//! whose names differ only in bytes that are not UTF-8 (GBK names from a
//! Windows archive) stay two reports (SPEC §5).
//!
//! Symbolic links are followed only while they stay inside the corpus
//! folder (SPEC §5): a link whose target, resolved, lies outside it (a
//! link to `/`, to `/etc/passwd`) is not followed, and is listed as
//! skipped ([`SkipReason::OutsideLink`]) when it looks like a report or
//! leads to a folder. A loop of links inside the corpus is reported by the
//! walk (as an unreadable entry) instead of being followed forever.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;

use crate::corpus::name::{self, rel_string};
use crate::corpus::SkipReason;

/// Files above this size are skipped as too large.
pub const MAX_FILE_SIZE: u64 = 50_000_000;

/// How a corpus file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// Plain text.
    Text,
    /// An HTML page.
    Html,
    /// A Word `.docx` document (Office Open XML).
    Docx,
    /// A PDF document (its text layer).
    Pdf,
    /// A file we recognise and skip (reason attached).
    Skip(SkipReason),
}

/// One file of the corpus.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// Path relative to the corpus root, `/`-separated.
    pub rel: String,
    /// Full path.
    pub abs: PathBuf,
    /// Size in bytes (0 if it could not be read).
    pub size: u64,
    /// Modification time in ns since the epoch (0 if unknown).
    pub mtime: i64,
    /// How to read it.
    pub kind: FileKind,
}

/// The kind of a file from its name, or `None` when it is not a report.
pub fn kind_of(name: &str) -> Option<FileKind> {
    let lower = name.to_lowercase();
    // `~$报告.docx` is the lock file Word leaves next to an open document:
    // 162 bytes of owner name, never a report.
    if lower.starts_with('.') || lower.starts_with("~$") || lower.ends_with(".meta.toml") {
        return None;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Some(match ext {
        "txt" | "text" => FileKind::Text,
        "html" | "htm" | "shtml" | "xhtml" => FileKind::Html,
        "docx" => FileKind::Docx,
        "doc" => FileKind::Skip(SkipReason::Unsupported(
            "legacy Word .doc is not read: convert it to .docx or .txt \
             (in Word or WPS: Save As → .docx)"
                .into(),
        )),
        "wps" => FileKind::Skip(SkipReason::Unsupported(
            "WPS .wps is not read: convert it to .docx or .txt (in WPS: Save As → .docx)".into(),
        )),
        "pdf" => FileKind::Pdf,
        _ => return None,
    })
}

/// Lists the corpus files under `root`, sorted by relative path.
///
/// Entries that cannot be read (permission denied, broken symlinks) are
/// listed with [`FileKind::Skip`] so that they show up in the summary.
pub fn scan(root: &Path) -> std::io::Result<Vec<CorpusFile>> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(format!("{} is not a folder", root.display())));
    }
    let mut files = Vec::new();
    // Report files found, with their relative path and kind; stat'ed below.
    let mut found = Vec::new();
    // Symbolic links leading outside the corpus, noted by the filter below
    // (which must not follow them) and listed as skipped.
    let outside = std::cell::RefCell::new(Vec::new());
    let canonical_root = root.canonicalize()?;
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name();
    let mut it = walker.into_iter().filter_entry(|entry| {
        if entry.depth() == 0 || !entry.path_is_symlink() {
            return true;
        }
        match entry.path().canonicalize() {
            Ok(target) if target.starts_with(&canonical_root) => true,
            Ok(target) => {
                let name = entry.file_name().to_string_lossy();
                if target.is_dir() || kind_of(&name).is_some() {
                    outside.borrow_mut().push((entry.path().to_path_buf(), target));
                }
                false
            }
            // Broken: the walk reports it (it cannot stat the target).
            Err(_) => true,
        }
    });
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                // A broken symlink, a loop or an unreadable folder: report
                // it if we know which path it was, otherwise skip silently.
                if let Some(path) = err.path() {
                    if let Ok(rel) = path.strip_prefix(root) {
                        let rel = rel_string(rel);
                        let name =
                            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                        if kind_of(&name).is_some() || path.is_dir() {
                            files.push(CorpusFile {
                                rel,
                                abs: path.to_path_buf(),
                                size: 0,
                                mtime: 0,
                                kind: FileKind::Skip(SkipReason::Unreadable(io_reason(&err))),
                            });
                        }
                    }
                }
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if entry.depth() > 0 && name.starts_with('.') {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(kind) = kind_of(&name) else { continue };
        let rel = rel_string(entry.path().strip_prefix(root).unwrap_or(entry.path()));
        found.push((entry, rel, kind));
    }
    drop(it);
    for (path, target) in outside.into_inner() {
        let rel = rel_string(path.strip_prefix(root).unwrap_or(&path));
        let target = name::encode_path(&target);
        files.push(CorpusFile {
            rel,
            abs: path,
            size: 0,
            mtime: 0,
            kind: FileKind::Skip(SkipReason::OutsideLink(target)),
        });
    }
    // One `stat` per file, the bulk of a walk over a large corpus (100,000
    // files: ~0.4 s on one thread), so in parallel.
    files.par_extend(found.into_par_iter().map(|(entry, rel, mut kind)| {
        let (size, mtime) = match entry.metadata() {
            Ok(m) => (m.len(), mtime_ns(&m)),
            Err(err) => {
                kind = FileKind::Skip(SkipReason::Unreadable(io_reason(&err)));
                (0, 0)
            }
        };
        if size > MAX_FILE_SIZE && !matches!(kind, FileKind::Skip(_)) {
            kind = FileKind::Skip(SkipReason::TooLarge(size));
        }
        CorpusFile { rel, abs: entry.into_path(), size, mtime, kind }
    }));
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

/// Modification time in nanoseconds since the epoch, 0 if unknown.
pub fn mtime_ns(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// A short, human reason for an I/O error.
fn io_reason(err: &dyn std::fmt::Display) -> String {
    let s = err.to_string();
    if s.contains("File system loop") {
        "symbolic link loop, not followed".into()
    } else if s.contains("No such file") {
        "broken symlink or vanished file".into()
    } else if s.contains("ermission denied") {
        "permission denied".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files_are_reports() {
        assert_eq!(kind_of("a.txt"), Some(FileKind::Text));
        assert_eq!(kind_of("A.HTM"), Some(FileKind::Html));
        assert_eq!(kind_of("README.md"), None);
        assert_eq!(kind_of("MANIFEST.tsv"), None);
        assert_eq!(kind_of("a.meta.toml"), None);
        assert_eq!(kind_of(".hidden.txt"), None);
        assert_eq!(kind_of("报告.DOCX"), Some(FileKind::Docx));
        assert_eq!(kind_of("~$报告.docx"), None);
        assert_eq!(kind_of("metadata.csv"), None);
        let advice = |name: &str| match kind_of(name) {
            Some(FileKind::Skip(reason)) => reason.to_string(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(kind_of("P020240131.PDF"), Some(FileKind::Pdf));
        assert!(advice("x.doc").contains("convert it to .docx or .txt"));
        assert!(advice("x.WPS").contains("convert it to .docx or .txt"));
    }

    #[test]
    fn scan_is_sorted_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/z.txt"), "x").unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        std::fs::write(dir.path().join("README.md"), "x").unwrap();
        let files = scan(dir.path()).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, vec!["a.txt", "b/c/z.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        // 报告 and 宝告 in GBK: equal once converted lossily.
        for name in [&b"\xB1\xA8\xB8\xE6.txt"[..], b"\xB1\xA6\xB8\xE6.txt"] {
            std::fs::write(dir.path().join(OsStr::from_bytes(name)), "x").unwrap();
        }
        let files = scan(dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert_ne!(files[0].rel, files[1].rel);
        assert!(files.iter().all(|f| f.kind == FileKind::Text && f.rel.ends_with(".txt")));
        assert!(files[0].rel.starts_with("\u{FFFD}B1\u{FFFD}"), "{}", files[0].rel);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_stay_inside_the_corpus() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(corpus.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(corpus.join("sub/a.txt"), "x").unwrap();
        std::fs::write(outside.join("secret.txt"), "x").unwrap();
        symlink(outside.join("secret.txt"), corpus.join("passwd.txt")).unwrap();
        symlink(&outside, corpus.join("out")).unwrap();
        symlink("/", corpus.join("root")).unwrap();
        symlink(corpus.join("sub"), corpus.join("inside")).unwrap();
        symlink(corpus.join("sub/a.txt"), corpus.join("b.txt")).unwrap();
        symlink(&corpus, corpus.join("sub/loop")).unwrap();
        let files = scan(&corpus).unwrap();
        let summary: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                let kind = match &f.kind {
                    FileKind::Skip(r) => r.to_string(),
                    k => format!("{k:?}"),
                };
                (f.rel.clone(), kind)
            })
            .collect();
        let get = |rel: &str| summary.iter().find(|(r, _)| r == rel).map(|(_, k)| k.as_str());
        // Inside: followed.
        assert_eq!(get("b.txt"), Some("Text"));
        assert_eq!(get("inside/a.txt"), Some("Text"));
        assert_eq!(get("sub/a.txt"), Some("Text"));
        // Outside: listed, not followed.
        let secret = outside.join("secret.txt").canonicalize().unwrap();
        assert_eq!(
            get("passwd.txt"),
            Some(
                format!("symbolic link to {}, outside the corpus: not followed", secret.display())
                    .as_str()
            )
        );
        assert!(get("out").unwrap().contains("outside the corpus"));
        assert_eq!(get("root"), Some("symbolic link to /, outside the corpus: not followed"));
        assert!(!summary.iter().any(|(r, _)| r.starts_with("out/") || r.starts_with("root/")));
        // A loop back to the corpus root: reported, not followed forever.
        assert_eq!(get("sub/loop"), Some("unreadable: symbolic link loop, not followed"));
    }
}
